/**
 * The synchronous writer.
 *
 * @module
 */

import { finishedButLocked } from "./_lock_release.ts";
import { refuseNew } from "./_no_new.ts";
import type { FileLikeSync, Target } from "./file_like.ts";
import type { ArrayInput } from "./array_input.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import {
  openSyncTarget,
  type SyncWriterFile,
  syncWriterHooks,
} from "./_writer_target.ts";
import { endAppend } from "./_journal_atomic.ts";
import { runSync } from "./_io.ts";
import { ReentryGuard, WRITING_FILE } from "./_reentry.ts";
import { AppendCore, UPDATE_HEADER } from "./_append_core.ts";
import { closeError } from "./_close_error.ts";

/**
 * Grows a `.npy` file by appending arrays along the growth axis (axis 0,
 * or the last axis in Fortran order), with synchronous I/O: the fastest
 * way to log many small rows.
 *
 * @example The seed's example
 * ```ts
 * import { NpyAppendArraySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const path = Deno.makeTempFileSync({ suffix: ".npy" });
 * using npy = NpyAppendArraySync.open(path, { deleteIfExists: true });
 * npy.append([[1, 2], [3, 4]]);
 * npy.append({ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] });
 * assert.deepEqual(npy.shape, [5, 2]);
 * assert.equal(npy.dtype, "<f8");
 * ```
 */
export class NpyAppendArraySync implements Disposable {
  readonly #w: SyncWriterFile;
  /** Refuses calls back from the file object while this writer uses it. */
  readonly #io = new ReentryGuard();
  /** An append threw (bad input or I/O): see `#close` on replacing. */
  #failed = false;

  private constructor(w: SyncWriterFile) {
    refuseNew(
      w?.core instanceof AppendCore,
      "NpyAppendArraySync.open(target, options)",
    );
    this.#w = w;
  }

  static {
    syncWriterHooks.cutBack = (writer, rows) => {
      const { core, file } = (writer as NpyAppendArraySync).#w;
      return file === null ? undefined : runSync(core.cutBack(rows), file);
    };
  }

  /**
   * Opens a file for appending. A missing file is created by the first
   * `append` (its folder must exist now); an existing one must be
   * appendable and complete. A path is locked from `open` to `close` on
   * every runtime (the lock file `<path>.lock`), so a second writer fails
   * at once; file objects are not locked.
   *
   * @example Open, append, close
   * ```ts
   * import { MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = NpyAppendArraySync.open(file, { dtype: "<f4" });
   * npy.append(new Float32Array([1, 2]));
   * npy.close();
   * assert.equal(NpyAppendArraySync.open(file).shape[0], 2);
   * ```
   *
   * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
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
  static open(
    target: Target,
    options: NpyAppendArrayOptions = {},
  ): NpyAppendArraySync {
    return new NpyAppendArraySync(openSyncTarget(target, options));
  }

  /** The current shape, growth axis included; `[]` before the first append. */
  get shape(): number[] {
    return [...(this.#w.core.shape ?? [])];
  }

  /** The descr text of the dtype, as the header holds it; `""` before it is known. */
  get dtype(): string {
    return this.#w.core.dtype?.str ?? "";
  }

  /**
   * Whether the file grows along its last axis (its header's Fortran
   * order): the `fortranOrder` option until the file is made; `false` for
   * a 1-d file, as `np.save` writes it (see the option).
   */
  get fortranOrder(): boolean {
    return this.#w.core.fortranOrder;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#w.core.closed;
  }

  #file(): FileLikeSync {
    const w = this.#w;
    if (w.file === null) {
      w.core.checkOpen();
      w.file = w.create!();
    }
    return w.file;
  }

  /**
   * Appends an array along the growth axis (axis 0, or the last axis in
   * Fortran order), as `np.concatenate([a, array], axis)`: `array` has
   * the file's number of axes and its lengths on every other axis (the
   * first append sets them), its values cast to the file's dtype under the
   * `casting` option. A refused or failed append writes nothing (the file
   * keeps its rows).
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const npy = NpyAppendArraySync.open(new MemoryFile());
   * npy.append({ data: new Int16Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
   * npy.append([[7, 8, 9]]);
   * assert.deepEqual(npy.shape, [3, 3]);
   * assert.throws(() => npy.append([[1, 2]]), RangeError);
   * ```
   *
   * @param array Any {@linkcode ArrayInput}.
   * @throws {TypeError} for an unusable input, a cast the `casting` option forbids (`np.can_cast`) or a closed writer.
   * @throws {RangeError} for another number of axes or other lengths than the file's, or a value the dtype cannot hold.
   * @throws {Error} with the system's `code` (`ENOSPC`, `EIO` ...) when the disk fails: the append is undone.
   */
  append(array: ArrayInput): void {
    const core = this.#w.core;
    core.checkOpen();
    // #busy's guard and the append, inline: no closure or extra frames on
    // the hot path, so errors' stacks (10 frames) still reach this method.
    this.#io.check("append to", core.shown);
    const before = this.#io.enter(WRITING_FILE);
    try {
      const file = this.#w.file;
      if (file !== null) {
        core.appendSync(array, file);
        return;
      }
      // Convert first, so that bad input creates no file.
      const steps = core.append(array);
      const first = steps.next();
      if (first.done) return;
      let created: FileLikeSync;
      try {
        created = this.#file();
      } catch (e) {
        // The append changed nothing yet: its state changes follow its I/O.
        steps.return(undefined);
        throw e;
      }
      runSync(steps, created, first.value);
    } catch (e) {
      this.#failed = true;
      throw e;
    } finally {
      this.#io.leave(before);
    }
  }

  /**
   * Runs `io` (a call's reads and writes), refusing calls back into this
   * writer meanwhile: a file object's method calling `append` wrote rows
   * between an append's data and its header (a file needing `recover`).
   */
  #busy<T>(verb: string, io: () => T): T {
    this.#io.check(verb, this.#w.core.shown);
    return this.#io.run(io, WRITING_FILE);
  }

  /**
   * Writes the header for the current shape now (needed only with
   * `rewriteHeaderOnAppend: false`).
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync, readNpySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * const npy = NpyAppendArraySync.open(file, { rewriteHeaderOnAppend: false });
   * npy.append(new Float64Array([1]));
   * npy.append(new Float64Array([2]));
   * npy.updateHeader();
   * assert.deepEqual(readNpySync(file).shape, [2]);
   * ```
   *
   * @throws {TypeError} for a closed writer (its file may be another's now),
   * or an `atomic` one, changing nothing: its header is the change's commit
   * point, written by `close()` only (NumPy reads all the appends, or none).
   * @throws {Error} from the runtime (`ENOSPC` ...) naming the path.
   */
  updateHeader(): void {
    const { core, file } = this.#w;
    core.checkOpen(UPDATE_HEADER);
    this.#busy(UPDATE_HEADER, () => {
      if (file === null) return;
      if (!core.updateHeaderDirect(file)) runSync(core.updateHeader(), file);
    });
  }

  /**
   * Writes the final header and closes the file (if the writer opened
   * it). Calling it again does nothing, except after a failure to write
   * the appends still held by `bufferBytes` (a full disk): the writer then
   * stays open, lock and buffer kept, the error says how many rows wait,
   * and `close()` again writes them; if that fails too, the rows are given
   * up (the file keeps the rows before them, an `atomic` change is rolled
   * back), the file closed and its lock released, and the error says how
   * many rows were lost. The end of a `using` block gives them up at once.
   * A failed close of an `atomic` writer says whether its change was
   * committed, rolled back, or is left for the next open to roll back.
   * A final header that cannot be written (or the sync before it, with
   * `fsync: true`) leaves the writer closed, its rows in the file past a
   * header that does not cover them: the error says to run `recover`.
   *
   * @throws {Error} from the runtime (`ENOSPC` ...) naming the path; or,
   * for a path, when another program deleted the file (or renamed another
   * file over it) while this writer held it: its rows are in no file; the
   * writer is closed and its lock released all the same.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const npy = NpyAppendArraySync.open(new MemoryFile());
   * npy.append([1, 2, 3]);
   * npy.close();
   * npy.close();
   * assert.throws(() => npy.append([4]), TypeError);
   * ```
   */
  close(): void {
    this.#w.core.checkIdle("close");
    this.#busy("close", () => this.#close(false));
  }

  /** `close()`; `giveUp`: buffered rows that cannot be written are given up at once. */
  #close(giveUp: boolean): void {
    const w = this.#w;
    const core = w.core;
    core.checkIdle("close");
    if (core.closed) return;
    // Buffered appends were acknowledged: when they cannot be written, the
    // first close() keeps everything for another; then they are given up.
    if (w.file !== null) runSync(core.flushForClose(giveUp), w.file);
    // A change to commit or roll back (none before a new file's creation).
    const atomic = (w.journal != null || w.replace != null) && w.file !== null;
    const lost = core.lostRows;
    let committed = !atomic;
    let failure: unknown = lost > 0 ? core.lostCause : null;
    let needsRecover = false;
    try {
      if (w.file !== null) runSync(core.close(), w.file);
      // An atomic change missing rows is not committed: it rolls back; so
      // does a replacement whose every append failed (nothing to put in
      // the old file's place: it stays, as after abort()).
      if (
        !committed && lost === 0 &&
        !(this.#failed && w.replace?.empty() === true)
      ) {
        const done = () => {
          committed = true;
        };
        if (w.replace != null) w.replace.commit(done);
        else {
          const record = w.record!;
          w.record = null;
          endAppend(w.file!, w.journal!, true, core.fsync, record, {
            committed: done,
          });
        }
        committed = true;
      }
      w.checkPath?.();
    } catch (e) {
      if (failure === null) failure = e;
      else needsRecover = !atomic;
      // Rows past a header the close could not write.
      if (!atomic && core.headerDirty) needsRecover = true;
    }
    let undone = false;
    try {
      core.markClosed();
      this.#finish(committed, () => {
        undone = true;
      });
    } catch (e) {
      // An atomic writer's lock not released still says what became of
      // its change.
      if (failure === null && !atomic) {
        throw finishedButLocked(e, "close", core.label);
      }
      failure ??= e;
    }
    if (failure === null) return;
    if (!atomic && lost === 0 && !needsRecover) throw failure;
    throw closeError(failure, core.label, {
      lost,
      held: core.shape?.[core.growthAxis] ?? 0,
      needsRecover,
      stray: !atomic && core.broken,
      ...(atomic
        ? {
          change: committed ? "committed" : undone ? "rolled back" : "pending",
        } as const
        : {}),
    });
  }

  /**
   * Releases the file; an atomic writer not committed rolls back first,
   * then calls `undone`.
   */
  #finish(committed: boolean, undone: () => void = () => {}): void {
    const w = this.#w;
    try {
      if (!committed && w.replace != null) {
        w.replace.discard();
        undone();
      } else if (!committed && w.file !== null && w.journal != null) {
        // No open record when a commit failed part-way: the one at the
        // name, if any. A new file rolled back is removed (under the lock,
        // before its record is voided).
        const record = w.record ?? w.journal.open();
        w.record = null;
        if (record !== null) {
          endAppend(w.file, w.journal, false, false, record, {
            removeFile: w.removePath,
          });
        }
        undone();
      }
    } finally {
      w.release();
    }
  }

  /**
   * Closes an `atomic` writer undoing every append since `open`: the file
   * is put back as it was (a file the writer created is removed). Calling
   * it after `close()` does nothing.
   *
   * @example Undo a batch of appends
   * ```ts
   * import { NpyAppendArraySync, readNpySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const path = Deno.makeTempFileSync({ suffix: ".npy" });
   * Deno.removeSync(path);
   * const first = NpyAppendArraySync.open(path);
   * first.append(new Int32Array([1, 2]));
   * first.close();
   * const npy = NpyAppendArraySync.open(path, { atomic: true });
   * npy.append(new Int32Array([3, 4]));
   * npy.abort();
   * assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2]);
   * ```
   *
   * @throws {TypeError} for a writer opened without `atomic: true`.
   */
  abort(): void {
    const w = this.#w;
    w.core.checkIdle("abort");
    if (w.core.closed) return;
    if (w.journal == null && w.replace == null) {
      throw new TypeError(
        `Cannot abort the writer of ${w.core.shown}: it was opened without atomic: true; close() it instead`,
      );
    }
    this.#io.check("abort", w.core.shown);
    w.core.markClosed();
    this.#busy("abort", () => this.#finish(false));
  }

  /**
   * Closes the writer at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const file = new MemoryFile();
   * {
   *   using npy = NpyAppendArraySync.open(file, { rewriteHeaderOnAppend: false });
   *   npy.append([1, 2]);
   * }
   * assert.equal(NpyAppendArraySync.open(file).shape[0], 2);
   * ```
   */
  [Symbol.dispose](): void {
    // No later call can come: buffered rows that cannot be written are
    // given up now, the file released (the error says how many).
    this.#w.core.checkIdle("close");
    this.#busy("close", () => this.#close(true));
  }
}
