/**
 * Files for the command line: text in (a file or standard input) and out
 * (a file or standard output) in chunks, and all-or-nothing writes to a
 * `.npy` output (a temporary file renamed into place for a new file; the
 * old header and size put back when appending to an existing one fails).
 *
 * @module
 */

import type { CliRuntime } from "../_cli_runtime.ts";
import { dirOf, type OpenedFile, pathFs, syncDir } from "../_path_fs.ts";
import { acquireLock } from "../_lock.ts";
import { inspect } from "../_inspect.ts";
import { readFully, runSync } from "../_io.ts";

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
  const file = pathFs().open(path, "read");
  const size = file.sizeSync();
  return {
    label: path,
    size,
    async *chunks() {
      try {
        let pos = 0;
        // One buffer, reused: each chunk is decoded before the next read.
        const buf = new Uint8Array(TEXT_CHUNK);
        for (;;) {
          const n = runSync(readFully(buf, pos), file);
          if (n === 0) break;
          pos += n;
          yield buf.subarray(0, n);
          if (n < buf.length) break;
        }
      } finally {
        file.closeSync();
      }
    },
  };
}

/** A text output with a byte buffer: a file, or standard output. */
export class TextOutput {
  readonly #rt: CliRuntime;
  readonly #file: OpenedFile | null;
  #pos = 0;
  #buf = new Uint8Array(TEXT_CHUNK + 4096);
  #used = 0;
  readonly #encoder = new TextEncoder();

  /**
   * Opens the output.
   *
   * @param rt The runtime.
   * @param path A path (created or truncated), or `-`/`undefined` for
   * standard output.
   */
  constructor(rt: CliRuntime, path: string | undefined) {
    this.#rt = rt;
    this.#file = path === undefined || path === "-"
      ? null
      : pathFs().open(path, "create");
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
      this.#file.writeSync(bytes, this.#pos);
      this.#pos += bytes.length;
    }
  }

  /** Flushes and closes. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.#file?.closeSync();
    }
  }

  /** Closes without flushing (after an error). */
  abort(): void {
    this.#used = 0;
    this.#file?.closeSync();
  }
}

/** How an output `.npy` file is written all or nothing. */
export interface NpyOutputPlan {
  /** The path to write to: the output itself, or a temporary file. */
  readonly writePath: string;
  /** Whether the output existed and is appended to. */
  readonly appending: boolean;
  /** Makes the result final (renames the temporary file). */
  commit(): void;
  /** Puts things back as they were. */
  rollback(): void;
  /** The error to report for `e`: the temporary file's name replaced by the output's. */
  rename(e: unknown): unknown;
}

function renamer(from: string, to: string): (e: unknown) => unknown {
  return (e) => {
    if (from === to || !(e instanceof Error) || !e.message.includes(from)) {
      return e;
    }
    const out = new (e.constructor as ErrorConstructor)(
      e.message.replaceAll(from, to),
    );
    out.name = e.name;
    return out;
  };
}

/**
 * Plans writing to `path`: appending in place to an existing file (its
 * header and size are saved to put back on failure), or writing a new
 * file (`overwrite`, or none there) to a temporary file in the same folder
 * that replaces `path` only on success.
 *
 * @param path The output path.
 * @param overwrite Replace an existing file instead of appending to it.
 * @param maxHeaderSize The header size cap of an existing file.
 * @returns The plan.
 */
export function planNpyOutput(
  path: string,
  overwrite: boolean,
  maxHeaderSize?: number,
): NpyOutputPlan {
  const fs = pathFs();
  if (!overwrite && fs.exists(path)) {
    let saved: { header: Uint8Array; size: number } | undefined;
    const file = fs.open(path, "read");
    try {
      const info = runSync(inspect(maxHeaderSize), file);
      const header = new Uint8Array(info.header.headerLength);
      runSync(readFully(header, 0), file);
      saved = { header, size: info.fileSize };
    } catch {
      // Not a valid .npy file: the writer will refuse it and write nothing.
    } finally {
      file.closeSync();
    }
    return {
      writePath: path,
      appending: true,
      rename: (e) => e,
      commit() {},
      rollback() {
        if (saved === undefined) return;
        // The writer has closed: write back only under the file's lock.
        const lock = acquireLock(path, "restore");
        try {
          const f = fs.open(path, "write");
          try {
            f.writeSync(saved.header, 0);
            f.truncateSync?.(saved.size);
          } finally {
            f.closeSync();
          }
        } finally {
          lock.release();
        }
      },
    };
  }
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const tmp = `${dir}.${base}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  // The rename replaces OUT: hold its lock from now on, so a writer that
  // holds OUT refuses this command at once (NpyLockedError).
  const lock = acquireLock(path, "write");
  return {
    writePath: tmp,
    appending: false,
    rename: renamer(tmp, path),
    commit() {
      try {
        if (fs.exists(tmp)) {
          fs.rename(tmp, path);
          syncDir(dirOf(path));
        }
      } finally {
        lock.release();
      }
    },
    rollback() {
      try {
        if (fs.exists(tmp)) fs.remove(tmp);
      } catch {
        // best effort
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * Runs `body`, which writes through `writer`, all or nothing: on success
 * closes the writer and commits `plan`; on failure closes the writer if it
 * can and rolls `plan` back, reporting the error under the output's name.
 * Ends `progress` either way.
 *
 * @param plan The output plan.
 * @param writer The writer on `plan.writePath`.
 * @param progress The progress bar.
 * @param body What writes the output.
 * @returns What `body` returns.
 */
export async function writeOutput<T>(
  plan: NpyOutputPlan,
  writer: { close(): void; abort?(): void },
  progress: { end(): void },
  body: () => T | Promise<T>,
): Promise<T> {
  let committed = false;
  try {
    const result = await body();
    writer.close();
    plan.commit();
    committed = true;
    return result;
  } catch (e) {
    throw plan.rename(e);
  } finally {
    progress.end();
    if (!committed) {
      if (plan.appending && writer.abort) {
        // An atomic writer undoes its appends itself (a killed one's are
        // undone by the next open; its record stays if this fails).
        try {
          writer.abort();
        } catch {
          // the next run rolls it back
        }
      } else {
        try {
          writer.close();
        } catch {
          // the rollback below puts the file back
        }
        plan.rollback();
      }
    }
  }
}
