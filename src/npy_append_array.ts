/**
 * The asynchronous writer.
 *
 * @module
 */

import { checkOptions, FILE_OBJECT_LABEL } from "./_options_check.ts";
import { refuseNew } from "./_no_new.ts";
import { WRITER_OPTIONS } from "./_option_kinds.ts";
import type { FileLike, Target } from "./file_like.ts";
import type { ArrayInput } from "./array_input.ts";
import { AppendCore, UPDATE_HEADER } from "./_append_core.ts";
import { adoptExisting } from "./_adopt_existing.ts";
import { closeError } from "./_close_error.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import { asyncOnly, atomicNeedsPath } from "./_writer_target.ts";
import { type IoSteps, runAsync, size as sizeStep } from "./_io.ts";
import { NpyAppendArraySync } from "./npy_append_array_sync.ts";
import { refuseUsing } from "./_using_refusal.ts";

interface AsyncBackend {
  core: AppendCore;
  file: FileLike;
  /** Ends this writer's hold on the file object (see `holdFileObject`). */
  release: () => void;
}

/**
 * Grows a `.npy` file by appending arrays along the growth axis (axis 0,
 * or the last axis in Fortran order). Appends are applied in call order,
 * also when not awaited. Paths and `FileLikeSync` targets are written with
 * synchronous calls under the hood (far cheaper for small writes); an
 * async-only {@linkcode FileLike} goes through a queue.
 *
 * @example The seed's example
 * ```ts
 * import { NpyAppendArray } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".npy" });
 * {
 *   await using npy = await NpyAppendArray.open(path, { deleteIfExists: true });
 *   const arr1 = [[1, 2], [3, 4]];
 *   const arr2 = [[1, 2], [3, 4], [5, 6]];
 *   await npy.append(arr1);
 *   await npy.append(arr2);
 *   await npy.append(arr2);
 *   assert.deepEqual(npy.shape, [8, 2]);
 * }
 * ```
 */
export class NpyAppendArray implements AsyncDisposable {
  readonly #sync: NpyAppendArraySync | null;

  static {
    // `using` (not `await using`): closed at the block's end, then a
    // TypeError naming the fix.
    refuseUsing(this.prototype, "NpyAppendArray", "NpyAppendArraySync", (w) => {
      // Buffered rows that cannot be written are given up, as at the end
      // of `await using`; an async file object's close only starts.
      if (w.#sync) w.#sync[Symbol.dispose]();
      else w.#close(true).catch(() => {});
    });
  }
  readonly #async: AsyncBackend | null;
  #tail: Promise<unknown> = Promise.resolve();
  #closing = false;
  #writable: WritableStream<ArrayInput> | undefined;
  /** Opened with `atomic: true`: a failed or aborted stream rolls back. */
  #atomic = false;

  private constructor(
    sync: NpyAppendArraySync | null,
    backend: AsyncBackend | null,
  ) {
    refuseNew(
      sync instanceof NpyAppendArraySync ||
        backend?.core instanceof AppendCore,
      "await NpyAppendArray.open(target, options)",
    );
    this.#sync = sync;
    this.#async = backend;
  }

  /**
   * Opens a file for appending. A missing file is created by the first
   * `append` (its folder must exist now); an existing one must be
   * appendable and complete. A path is locked from `open` to `close` on
   * every runtime (the lock file `<path>.lock`), so a second writer fails
   * at once; file objects are not locked.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArray } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const npy = await NpyAppendArray.open(new MemoryFile(), { dtype: "int32" });
   * await npy.append(new Int32Array([1, 2, 3]));
   * assert.equal(npy.dtype, "<i4");
   * await npy.close();
   * ```
   *
   * @param target A path, a `file:` URL, a {@linkcode FileLike} or a `FileLikeSync`.
   * @param options See {@linkcode NpyAppendArrayOptions}.
   * @returns The writer.
   * @throws {NpyFormatError} when the existing file is not a valid `.npy` file.
   * @throws {RangeError} when it needs `recover` or `ensureAppendable` first.
   * @throws {TypeError} for a bad option or a dtype mismatch, or a path
   * that is not a regular file (a folder, a FIFO).
   * @throws {NpyLockedError} when another writer, in any process and on
   * any runtime, holds the path.
   * @throws {Error} from the runtime, naming the path and keeping `code`
   * (`ENOENT` for a missing folder, `EACCES`).
   */
  static async open(
    target: Target,
    options: NpyAppendArrayOptions = {},
  ): Promise<NpyAppendArray> {
    options = checkOptions(options, "open", target, WRITER_OPTIONS);
    const held = asyncOnly(target);
    if (held === null) {
      const w = new NpyAppendArray(
        NpyAppendArraySync.open(target, options),
        null,
      );
      w.#atomic = options.atomic === true;
      return w;
    }
    const { file, release } = held;
    try {
      if (options.atomic === true) throw atomicNeedsPath();
      const core = new AppendCore(FILE_OBJECT_LABEL, options);
      const size = await runAsync(sizeStep(), file);
      if (size === 0 || options.deleteIfExists) core.startOver(size);
      else await runAsync(adoptExisting(core, options), file);
      core.refuseUnsized();
      return new NpyAppendArray(null, { core, file, release });
    } catch (e) {
      release();
      throw e;
    }
  }

  /** The current shape, growth axis included; `[]` before the first append. */
  get shape(): number[] {
    if (this.#sync) return this.#sync.shape;
    return [...(this.#async!.core.shape ?? [])];
  }

  /** The descr text of the dtype, as the header holds it; `""` before it is known. */
  get dtype(): string {
    if (this.#sync) return this.#sync.dtype;
    return this.#async!.core.dtype?.str ?? "";
  }

  /**
   * Whether the file grows along its last axis (its header's Fortran
   * order): the `fortranOrder` option until the file is made; `false` for
   * a 1-d file, as `np.save` writes it (see the option).
   */
  get fortranOrder(): boolean {
    if (this.#sync) return this.#sync.fortranOrder;
    return this.#async!.core.fortranOrder;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    if (this.#sync) return this.#sync.closed;
    // From the call on, as the sync writer's (its close is done at once).
    return this.#closing || this.#async!.core.closed;
  }

  #enqueue(run: () => Promise<void> | void): Promise<void> {
    const p = this.#tail.then(run);
    this.#tail = p.catch(() => {});
    return p;
  }

  #runAsync(steps: () => IoSteps<void>): Promise<void> {
    const b = this.#async!;
    return this.#enqueue(() => runAsync(steps(), b.file));
  }

  /**
   * Appends an array along the growth axis (axis 0, or the last axis in
   * Fortran order), as `np.concatenate([a, array], axis)`: `array` has
   * the file's number of axes and its lengths on every other axis (the
   * first append sets them), its values cast to the file's dtype under the
   * `casting` option. Appends run in call order; do not modify the array
   * until the returned promise settles. A refused or failed append writes
   * nothing (the file keeps its rows).
   *
   * @example Appends that are not awaited still land in order
   * ```ts
   * import { MemoryFile, NpyAppendArray, readNpy } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = await NpyAppendArray.open(file);
   * for (let i = 0; i < 5; i++) npy.append(new Float64Array([i]));
   * // 2-d rows into the 1-d file: refused, nothing written
   * await assert.rejects(npy.append([[5, 6]]), RangeError);
   * await npy.close();
   * const { data } = await readNpy(file);
   * assert.deepEqual([...data as Float64Array], [0, 1, 2, 3, 4]);
   * ```
   *
   * @param array Any {@linkcode ArrayInput}.
   * @returns A promise that settles when the append is written.
   * @throws {TypeError} (the promise rejects) for an unusable input, a cast the `casting` option forbids (`np.can_cast`) or a closed writer.
   * @throws {RangeError} for another number of axes or other lengths than the file's, or a value the dtype cannot hold.
   * @throws {Error} with the system's `code` (`ENOSPC`, `EIO` ...) when the disk fails: the append is undone.
   */
  append(array: ArrayInput): Promise<void> {
    if (this.#sync) {
      const sync = this.#sync;
      try {
        sync.append(array);
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const core = this.#async!.core;
    if (this.#closing) {
      return Promise.reject(
        new TypeError(`Cannot append to ${core.shown}: the writer is closed`),
      );
    }
    return this.#runAsync(() => core.append(array));
  }

  /**
   * Writes the header for the current shape now (needed only with
   * `rewriteHeaderOnAppend: false`), after the appends already called.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArray, readNpy } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = await NpyAppendArray.open(file, { rewriteHeaderOnAppend: false });
   * await npy.append([1, 2, 3]);
   * await npy.updateHeader();
   * assert.deepEqual((await readNpy(file)).shape, [3]);
   * ```
   *
   * @returns A promise that settles when the header is written.
   * @throws {TypeError} (a rejection) once `close()` has been called, or
   * for an `atomic` writer, changing nothing: its header is the change's
   * commit point, written by `close()` only (NumPy reads all the appends,
   * or none).
   * @throws {Error} (a rejection) from the runtime (`ENOSPC` ...) naming
   * the path.
   */
  updateHeader(): Promise<void> {
    if (this.#sync) {
      try {
        this.#sync.updateHeader();
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const core = this.#async!.core;
    if (this.#closing) {
      return Promise.reject(
        new TypeError(
          `Cannot ${UPDATE_HEADER} ${core.shown}: the writer is closed`,
        ),
      );
    }
    return this.#runAsync(() => core.updateHeader());
  }

  /**
   * Waits for pending appends, writes the final header and closes the file
   * (if the writer opened it). Calling it again does nothing, except after
   * a failure to write the appends still held by `bufferBytes`: kept for
   * one more `close()`, then given up, the file released, the error saying
   * how many rows were lost (as {@linkcode NpyAppendArraySync.close}). A
   * final header that cannot be written leaves the writer closed and the
   * error says to run `recover`.
   *
   * @throws {Error} (a rejection) from the runtime (`ENOSPC` ...) naming
   * the path; or, for a path, when another program deleted the file (or
   * renamed another file over it) while this writer held it: its rows are
   * in no file; the writer is closed all the same.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArray } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const npy = await NpyAppendArray.open(new MemoryFile());
   * await npy.append([1]);
   * await npy.close();
   * await npy.close();
   * await assert.rejects(npy.append([2]), TypeError);
   * ```
   *
   * @returns A promise that settles when the file is closed.
   */
  close(): Promise<void> {
    return this.#close(false);
  }

  /** `close()`; `giveUp`: buffered rows that cannot be written are given up at once. */
  #close(giveUp: boolean): Promise<void> {
    if (this.#sync) {
      try {
        if (giveUp) this.#sync[Symbol.dispose]();
        else this.#sync.close();
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const core = this.#async!.core;
    // Closing, or closed; a close that could not write the buffered
    // appends left the writer open: this one tries again.
    if (this.#closing && core.closed) return this.#tail.then(() => {});
    this.#closing = true;
    const file = this.#async!.file;
    const done = this.#tail.then(async () => {
      // As the sync writer's close(): kept for another close() at the
      // first failure to write the buffered rows, given up at the next.
      await runAsync(core.flushForClose(giveUp), file);
      const lost = core.lostRows;
      let needsRecover = false;
      try {
        await runAsync(core.close(), file);
      } catch (e) {
        // Rows past a header the close could not write: recover.
        if (lost === 0 && !core.headerDirty) throw e;
        needsRecover = true;
        if (lost === 0) {
          throw closeError(e, core.label, {
            lost,
            held: core.shape?.[core.growthAxis] ?? 0,
            needsRecover,
          });
        }
      }
      if (lost > 0) {
        throw closeError(core.lostCause, core.label, {
          lost,
          held: core.shape?.[core.growthAxis] ?? 0,
          needsRecover,
          stray: core.broken,
        });
      }
    }).finally(() => {
      // Closed (the buffered rows written or given up): the object is free
      // for another writer of this process.
      if (core.closed) this.#async!.release();
    });
    this.#tail = done.catch(() => {});
    return done;
  }

  /**
   * Closes an `atomic` writer undoing every append since `open` (see
   * {@linkcode NpyAppendArraySync.abort}). It takes effect at once: a
   * `close()` or `append()` called before its promise settles finds the
   * writer closed.
   *
   * @example Undo a batch of appends
   * ```ts
   * import { NpyAppendArray, readNpy } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile({ suffix: ".npy" });
   * await Deno.remove(path);
   * const first = await NpyAppendArray.open(path);
   * await first.append(new Int32Array([1, 2]));
   * await first.close();
   * const npy = await NpyAppendArray.open(path, { atomic: true });
   * await npy.append(new Int32Array([3, 4]));
   * await npy.abort();
   * assert.deepEqual([...(await readNpy(path)).data as Int32Array], [1, 2]);
   * ```
   *
   * @returns A promise that settles when the file is back as it was.
   * @throws {TypeError} for a writer opened without `atomic: true`.
   */
  abort(): Promise<void> {
    if (this.#sync) {
      // At once, as close(): a close() or append() called after it must
      // not commit first.
      try {
        this.#sync.abort();
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return Promise.reject(
      new TypeError(
        `Cannot abort the writer of ${
          this.#async!.core.label
        }: it was opened without atomic: true; close() it instead`,
      ),
    );
  }

  /** Ends the writer after a failed or aborted stream. */
  #end(): Promise<void> {
    return this.#atomic ? this.abort() : this.close();
  }

  /**
   * A `WritableStream` that appends every chunk written to it; closing the
   * stream closes the writer; aborting it, or a chunk that cannot be
   * appended, closes the writer too, leaving a valid file with every chunk
   * written before (an `atomic` writer is aborted instead: the file is put
   * back as it was before `open`).
   *
   * @example Pipe a stream of rows into a file
   * ```ts
   * import { MemoryFile, NpyAppendArray, readNpy } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = await NpyAppendArray.open(file);
   * await ReadableStream.from([[[1, 2]], [[3, 4]]]).pipeTo(npy.writable);
   * assert.deepEqual((await readNpy(file)).shape, [2, 2]);
   * ```
   */
  get writable(): WritableStream<ArrayInput> {
    this.#writable ??= new WritableStream<ArrayInput>({
      // A failed chunk errors the stream for good: close the writer too,
      // so a file it opened is released and the header is final.
      write: (chunk) =>
        this.append(chunk).catch((e) =>
          this.#end().then(() => Promise.reject(e), () => Promise.reject(e))
        ),
      close: () => this.close(),
      abort: () => this.#end(),
    });
    return this.#writable;
  }

  /**
   * Closes the writer at the end of an `await using` block.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArray } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * {
   *   await using npy = await NpyAppendArray.open(file, { rewriteHeaderOnAppend: false });
   *   await npy.append([1, 2]);
   * }
   * assert.equal((await NpyAppendArray.open(file)).shape[0], 2);
   * ```
   *
   * @returns A promise that settles when the file is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    // No later call can come: buffered rows that cannot be written are
    // given up now (the error says how many).
    return this.#close(true);
  }
}
