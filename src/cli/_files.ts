/**
 * Files for the command line: text in (a file or standard input) and out
 * (a file or standard output) in chunks, and all-or-nothing outputs: a
 * new file is written to a temporary file renamed into place on success;
 * appends to an existing `.npy` file go through an `atomic` writer, undone
 * on failure.
 *
 * @module
 */

import type { CliRuntime } from "./_runtime.ts";
import {
  inspectNpySync,
  needsRecoverySync,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
} from "../../mod.ts";
import {
  checkReadable,
  checkReplaceable,
  CliFile,
  outputTarget,
  removeQuietly,
  renameOver,
  setMode,
  sizeIfExists,
} from "./_fs.ts";
import { tempPathBeside } from "./_temp_files.ts";
import { headerOptions } from "./_npy_source.ts";

/** Bytes read from a text input at a time. */
const TEXT_CHUNK = 1 << 20;

/** A text input: its size when known, and its bytes chunk by chunk. */
export interface TextInput {
  /** The name for messages (`"<stdin>"` for standard input). */
  readonly label: string;
  /** Bytes in all, when known. */
  readonly size: number | undefined;
  /** The bytes; a chunk is valid until the next one is asked for. */
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * Opens a text input: a path, or `-` for standard input.
 *
 * @param rt The runtime.
 * @param path The path or `-`.
 * @returns The input.
 */
export function textInput(rt: CliRuntime, path: string): TextInput {
  if (path === "-") {
    return { label: "<stdin>", size: undefined, chunks: () => rt.stdin() };
  }
  const size = checkReadable(
    path,
    `pass a regular file, or "-" to read standard input`,
  );
  const file = new CliFile(path, "read");
  return {
    label: path,
    size,
    async *chunks() {
      try {
        let pos = 0;
        // One buffer, reused: each chunk is decoded before the next read.
        const buf = new Uint8Array(TEXT_CHUNK);
        for (;;) {
          const n = file.read(buf, pos);
          if (n === 0) break;
          pos += n;
          yield buf.subarray(0, n);
          if (n < buf.length) break;
        }
      } finally {
        file.close();
      }
    },
  };
}

/**
 * A text output with a byte buffer: standard output, or a file replaced
 * all at once (the text goes to a temporary file in the same folder,
 * renamed over the file by {@linkcode TextOutput.close}).
 */
export class TextOutput {
  readonly #rt: CliRuntime;
  readonly #path: string | undefined;
  readonly #tmp: string | undefined;
  readonly #file: CliFile | null;
  #pos = 0;
  #buf = new Uint8Array(TEXT_CHUNK + 4096);
  #used = 0;
  readonly #encoder = new TextEncoder();

  /**
   * Opens the output.
   *
   * @param rt The runtime.
   * @param path A path (replaced on success), or `-`/`undefined` for
   * standard output.
   */
  constructor(rt: CliRuntime, path: string | undefined) {
    this.#rt = rt;
    if (path === undefined || path === "-") {
      this.#file = null;
    } else {
      checkReplaceable(path);
      // Through symbolic links, as np.savetxt writes; the old mode kept.
      const target = outputTarget(path);
      this.#path = target.path;
      this.#tmp = tempPathBeside(target.path);
      this.#file = new CliFile(this.#tmp, "create", path);
      if (target.mode !== undefined) {
        try {
          setMode(this.#tmp, target.mode, path);
        } catch (e) {
          this.#file.close();
          removeQuietly(this.#tmp);
          throw e;
        }
      }
    }
  }

  /** Whether the buffer is full enough to write out. */
  get full(): boolean {
    return this.#used >= TEXT_CHUNK;
  }

  /**
   * Adds text to the buffer (which may grow past its size until the next
   * {@linkcode flush}).
   *
   * @param text The text.
   */
  put(text: string): void {
    const n = text.length;
    if (this.#used + 3 * n > this.#buf.length) this.#grow(3 * n);
    const buf = this.#buf;
    let at = this.#used;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: encode the rest properly.
        at += this.#encoder.encodeInto(text.slice(i), buf.subarray(at)).written;
        break;
      }
      buf[at++] = c;
    }
    this.#used = at;
  }

  /**
   * Adds one ASCII character.
   *
   * @param code Its code.
   */
  putCode(code: number): void {
    if (this.#used >= this.#buf.length) this.#grow(1);
    this.#buf[this.#used++] = code;
  }

  #grow(extra: number): void {
    const bigger = new Uint8Array(
      Math.max(2 * this.#buf.length, this.#used + extra),
    );
    bigger.set(this.#buf.subarray(0, this.#used));
    this.#buf = bigger;
  }

  /**
   * Adds text, and writes when the buffer holds about 1 MiB.
   *
   * @param text The text.
   */
  async write(text: string): Promise<void> {
    this.put(text);
    if (this.full) await this.flush();
  }

  /** Writes what is buffered. */
  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const bytes = this.#buf.subarray(0, this.#used);
    this.#used = 0;
    if (this.#file === null) {
      // The runtime may still hold the bytes after the call: a new buffer.
      this.#buf = new Uint8Array(TEXT_CHUNK + 4096);
      await this.#rt.writeStdout(bytes);
    } else {
      this.#file.write(bytes, this.#pos);
      this.#pos += bytes.length;
    }
  }

  /** Flushes, closes, and puts the file in place of the old one. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#file === null) return;
    this.#file.close();
    renameOver(this.#tmp!, this.#path!);
  }

  /** Drops the output (after an error): an old file stays as it was. */
  abort(): void {
    this.#used = 0;
    if (this.#file === null) return;
    this.#file.close();
    removeQuietly(this.#tmp!);
  }
}

/** An output `.npy` file, written all or nothing. */
export interface NpyOutput {
  /** The writer. */
  readonly writer: NpyAppendArraySync;
  /** Whether an existing file is appended to. */
  readonly appending: boolean;
  /** Closes the writer and makes the result final. */
  commit(): void;
  /** Puts things back as they were (after a failure). */
  rollback(): void;
}

/**
 * Opens the output of `concat` and `from-csv`: an existing `.npy` file is
 * appended to in place by an `atomic` writer (aborted on failure); a new
 * one, an empty existing file, or any file with
 * `overwrite` is written to a temporary file in the same folder that
 * replaces `path` on commit.
 *
 * @param path The output path.
 * @param overwrite Replace an existing file instead of appending to it.
 * @param maxHeaderSize The header size cap of an existing file.
 * @param options Writer options (`casting` ...).
 * @param newFile Writer options for a new file only (`dtype`, `fortranOrder`).
 * @returns The output.
 * @throws {RangeError} for an existing file that needs
 * `ensure-appendable`, naming the command.
 */
export function openNpyOutput(
  path: string,
  overwrite: boolean,
  maxHeaderSize: number | undefined,
  options: NpyAppendArrayOptions,
  newFile: () => NpyAppendArrayOptions,
  warn: (text: string) => void = () => {},
): NpyOutput {
  // A link to a file not there yet: the file is made where it points, as
  // np.save makes it (the writer put a new file in place of the link).
  const target = outputTarget(path);
  if (target.mode === undefined && sizeIfExists(target.path) === undefined) {
    path = target.path;
  }
  const existed = sizeIfExists(path) !== undefined;
  const size = overwrite ? undefined : sizeIfExists(path);
  const all = { ...options, ...headerOptions(maxHeaderSize) };
  if (size !== undefined && size > 0) {
    checkReadable(path);
    // An atomic writer: all or nothing, even if killed (its open first
    // rolls back what a killed run appended).
    // Its refusals name the cause and the fix ("no room to grow", "several
    // arrays"); messageOf words the fix for the command line ("call
    // ensureAppendable" as the ensure-appendable command).
    const writer = NpyAppendArraySync.open(path, { ...all, atomic: true });
    return {
      writer,
      appending: true,
      commit: () => closeOutput(writer, path, maxHeaderSize, warn),
      rollback() {
        try {
          writer.abort();
        } catch {
          // the next open rolls it back
        }
      },
    };
  }
  // A replacing writer: appends go to a temporary file beside OUT (under
  // OUT's lock), renamed over OUT by close(); abort() or a kill leaves OUT
  // as it was.
  const writer = NpyAppendArraySync.open(path, {
    ...all,
    ...newFile(),
    atomic: true,
    deleteIfExists: true,
  });
  return {
    writer,
    appending: false,
    // Over an old file (--overwrite), its shape could match: no check.
    commit: () =>
      existed ? writer.close() : closeOutput(writer, path, maxHeaderSize, warn),
    rollback() {
      try {
        writer.abort();
      } catch {
        // the next open removes the temporary file
      }
    },
  };
}

/**
 * Closes an output's writer (the commit). A failure after which `path`
 * holds every row written and needs no recovery came after the commit
 * (releasing the lock, say): the output is done, so a rerun would append
 * the rows twice; the error is passed to `warn` and the command succeeds.
 * Before the commit an `atomic` writer rolls back to the rows it opened
 * with (no new rows: the output is as done), and a new file is not there.
 *
 * @param writer The output's `atomic` writer.
 * @param path The output path.
 * @param maxHeaderSize The header size cap.
 * @param warn Prints a warning.
 * @throws what `close()` threw, when `path` does not hold the rows.
 */
function closeOutput(
  writer: NpyAppendArraySync,
  path: string,
  maxHeaderSize: number | undefined,
  warn: (text: string) => void,
): void {
  const shape = JSON.stringify(writer.shape);
  try {
    writer.close();
  } catch (e) {
    let done = false;
    try {
      const opts = headerOptions(maxHeaderSize);
      done = !needsRecoverySync(path, opts) &&
        JSON.stringify(inspectNpySync(path, opts).shape) === shape;
    } catch {
      // unreadable: the failure stands
    }
    if (!done) throw e;
    warn(
      `${
        e instanceof Error ? e.message : String(e)
      }; "${path}" holds every row written: done`,
    );
  }
}

/**
 * Refuses `--dtype` naming another dtype than the existing OUT's (`have`),
 * with the fix: leave it out, or replace OUT with `--overwrite`.
 *
 * @param out OUT, as given.
 * @param want The `--dtype` asked for.
 * @param have OUT's dtype.
 * @throws {TypeError} when they differ.
 */
export function refuseOtherDType(
  out: string,
  want: string,
  have: string,
): void {
  if (want === have) return;
  throw new TypeError(
    `Cannot append to "${out}": --dtype "${want}" does not match its dtype "${have}"; leave --dtype out to append in its dtype, or pass --overwrite to replace it`,
  );
}

/**
 * Runs `body`, which writes the output (`out.writer`, or a
 * {@linkcode TextOutput}), all or nothing: on success commits `out`; on
 * failure rolls it back. Ends `progress` either way.
 *
 * @param out The output.
 * @param progress The progress bar.
 * @param body What writes the output.
 * @returns What `body` returns.
 */
export async function writeOutput<T>(
  out: Pick<NpyOutput, "rollback"> & { commit(): void | Promise<void> },
  progress: { end(): void },
  body: () => T | Promise<T>,
): Promise<T> {
  let committed = false;
  try {
    const result = await body();
    await out.commit();
    committed = true;
    return result;
  } finally {
    progress.end();
    if (!committed) out.rollback();
  }
}
