/**
 * The stack folder, shared by the stack writers, the reader and
 * `recoverStack`: Dask's `to_npy_stack` layout (`0.npy`, `1.npy`, ...,
 * `info`) plus the live shard `{n}.npy.part`.
 *
 * @module
 */

import { type ArrayInput, prepareArray } from "./array_input.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import {
  checkAgainstShards,
  checkShardOption,
  type NpyStackWriterOptions,
  type StackMark,
} from "./_stack_options.ts";
import { type DType, parseDType } from "./dtype.ts";
import { growthAxis } from "./_layout.ts";
import { piece, quickRows } from "./_stack_input.ts";
import { statPath } from "./_path_meta.ts";
import { NpyAppendArraySync } from "./npy_append_array_sync.ts";
import { openAsStackShard } from "./_writer_target.ts";
import { checkWriterOptions } from "./_options_check.ts";
import { needsRecoverySync, recoverSync } from "./maintenance.ts";
import { undoRefusal, withoutRecoverAdvice } from "./_close_error.ts";
import { type PathFs, pathFs, syncDir, toPath } from "./_path_fs.ts";
import type { HeldLock } from "./_lock.ts";
import { lockMadeFolder, removeMadeFolder } from "./_folder_lock.ts";
import { refuseLongName } from "./_lock_names.ts";
import {
  blankPart,
  checkStackFolder,
  freshenShard,
  join,
  partPath,
  reviveShard,
  setShardOrder,
  shardHead,
  shardPath,
  writeInfo,
} from "./_stack_scan.ts";
import { cutLiveShard, type TakeLeftovers } from "./_stack_files.ts";
import { clearStack, scanFinishingClear } from "./_stack_clear.ts";
import { removeLiveLocks } from "./_stack_live_locks.ts";
import { folderId, folderMoved, movedFolderError } from "./_stack_folder.ts";
import { releaseAfterFailure, releaseFinished } from "./_lock_release.ts";

export {
  ambiguousOrder,
  checkStackFolder,
  join,
  partPath,
  reviveShard,
  scanStack,
  setShardOrder,
  type ShardHead,
  shardHead,
  shardPath,
  shardRows,
  type StackScan,
  writeInfo,
} from "./_stack_scan.ts";

/** Opens a live shard as its stack writer (a plain writer is refused). */
const openShard = (path: string, options: NpyAppendArrayOptions) =>
  openAsStackShard(() => NpyAppendArraySync.open(path, options));

/** The writer behind `NpyStackWriter` and `NpyStackWriterSync`. */
export class StackCore {
  readonly dir: string;
  readonly #fs: PathFs;
  readonly #lock: HeldLock;
  /** The folder's identity at open (see `folderMoved`). */
  readonly #folderId: string | null;
  #options: NpyAppendArrayOptions;
  readonly #shardRows: number | undefined;
  readonly #shardBytes: number | undefined;
  /** Rows of each sealed shard. */
  readonly chunks: number[];
  #sealedRows: number;
  /** The shape of any shard with the growth axis set to 0; `null` before the first append. */
  #tail: number[] | null = null;
  dtype: DType | undefined;
  fortranOrder: boolean;
  #live: NpyAppendArraySync | null = null;
  #liveRows = 0;
  #rowBytes = 0;
  /** Set during `append`: its seals leave `info` to its end. */
  #deferInfo = false;
  /** A failed append could not be undone (why: `#brokenBy`). */
  #broken = false;
  #brokenBy: unknown = undefined;
  /** The live shard, cut by an undo, is opened by the next append. */
  #reopen = false;
  /** Shards the `info` on disk lists (a group's undo may rewrite it). */
  #infoChunks = 0;
  closed = false;

  constructor(
    target: string | URL,
    options: NpyStackWriterOptions,
    verb: string,
    take: TakeLeftovers = verb === "recover" ? "all" : "none",
  ) {
    const dir = toPath(target);
    this.dir = dir;
    const { shardRows, shardBytes, deleteIfExists, ...rest } = options;
    const stack = `the stack "${dir}"`, what = `open ${stack}`;
    this.#shardRows = checkShardOption(shardRows, "shardRows", what);
    this.#shardBytes = checkShardOption(shardBytes, "shardBytes", what);
    // Before any I/O (a truthy "no" as deleteIfExists cleared the stack).
    const { dtype: want, unsized } = checkWriterOptions(options, stack, true);
    if (options.atomic === true) {
      // Its live shard's appends went to a temporary until the seal: a
      // kill lost acknowledged rows, and left the temporary for good.
      throw new TypeError(
        `Cannot open the stack "${dir}": atomic is for single files; a stack's shards already appear whole, each named {n}.npy only once sealed, so drop the option`,
      );
    }
    this.#fs = pathFs();
    const fs = this.#fs;
    checkStackFolder(fs, dir, verb, true);
    refuseLongName(dir, verb);
    if (unsized && !fs.exists(dir)) throw unsized; // "S": an existing |S0 only
    const held = lockMadeFolder(dir, options.fsync ?? false, verb);
    this.#lock = held.lock;
    this.#folderId = folderId(dir);
    try {
      if (deleteIfExists) clearStack(dir, fs, options.fsync ?? false);
      // A temporary info left by a kill while info was rewritten.
      if (fs.exists(join(dir, "info.tmp"))) fs.remove(join(dir, "info.tmp"));
      removeLiveLocks(dir, fs);
      const scan = scanFinishingClear(
        dir,
        fs,
        options.fsync ?? false,
        options.maxHeaderSize,
        take,
      );
      if (unsized && scan.dtype?.str !== want?.str) throw unsized;
      this.chunks = scan.chunks;
      this.#sealedRows = scan.chunks.reduce((a, b) => a + b, 0);
      this.dtype = scan.dtype;
      this.fortranOrder = scan.fortranOrder ?? rest.fortranOrder ?? false;
      if (scan.shape !== null && scan.chunks.length > 0) {
        checkAgainstShards(dir, scan, want, rest.fortranOrder);
        this.#setTail(scan.shape);
      } else {
        this.#tail = null;
        this.dtype = want;
      }
      // An order no shard shows nor the caller gives is the live shard's,
      // if any (a Fortran-order stack killed before its first seal).
      const order = scan.fortranOrder ?? rest.fortranOrder;
      this.#options = {
        ...rest,
        ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
        ...(order !== undefined ? { fortranOrder: order } : {}),
      };
      // Dask's info made ours before any seal (see refuseForeignPart).
      if (scan.infoStale || scan.infoForeign) this.#writeInfo();
      this.#infoChunks = this.chunks.length;
      this.#openPart();
    } catch (e) {
      this.#live?.close();
      removeMadeFolder(dir, held.made); // still locked: no other writer's
      releaseAfterFailure(() => this.#lock.release());
      throw e;
    }
  }

  #setTail(shape: readonly number[]): void {
    const tail = [...shape];
    const axis = this.axis(tail.length);
    tail[axis] = 0;
    this.#tail = tail;
    this.#rowBytes = (this.dtype?.itemsize ?? 0) *
      tail.reduce((a, b, i) => i === axis ? a : a * b, 1);
  }

  axis(rank: number): number {
    return Math.max(growthAxis(this.fortranOrder, rank), 0);
  }

  /** Continues a live shard left by an earlier writer, recovering it first. */
  #openPart(): void {
    const path = partPath(this.dir, this.chunks.length);
    const fs = this.#fs;
    if (!fs.exists(path)) return;
    if (blankPart(fs, this.dir, path)) {
      fs.remove(path);
      return;
    }
    if (needsRecoverySync(path)) recoverSync(path);
    // A shard made live again by reviveShard, killed before its order was
    // restored, still has np.save's header of the other order.
    const order = this.#options.fortranOrder;
    const head = order === undefined
      ? undefined
      : shardHead(path, this.#options.maxHeaderSize);
    if (head !== undefined && head.fortranOrder !== order) {
      setShardOrder(fs, path, head.dtype, head.shape, order!);
    }
    const live = openShard(path, this.#options);
    this.#live = live;
    this.#adopt(live);
    // A live shard with other names (`cp -al`) is another stack's too:
    // sealed as close() would have, never appended to.
    if (this.#liveRows > 0 && statPath(path, "open").nlink > 1) this.seal();
  }

  #adopt(live: NpyAppendArraySync): void {
    const shape = live.shape;
    if (shape.length === 0) return;
    if (this.dtype === undefined || this.#tail === null) {
      this.dtype = parseDType(live.dtype);
      this.fortranOrder = live.fortranOrder;
      this.#options = {
        ...this.#options,
        dtype: this.dtype,
        fortranOrder: this.fortranOrder,
      };
      this.#setTail(shape);
    }
    this.#liveRows = shape[this.axis(shape.length)]!;
  }

  get shape(): number[] {
    if (this.#tail === null) return [];
    const s = [...this.#tail];
    s[this.axis(s.length)] = this.#sealedRows + this.#liveRows;
    return s;
  }

  checkOpen(verb = "append to"): void {
    if (this.closed) {
      throw new TypeError(
        `Cannot ${verb} the stack "${this.dir}": the writer is closed; open it again to continue`,
      );
    }
  }

  #liveWriter(): NpyAppendArraySync {
    if (this.#live === null) {
      this.#live = openShard(partPath(this.dir, this.chunks.length), {
        ...this.#options,
        deleteIfExists: true,
      });
    }
    return this.#live;
  }

  /**
   * Appends to the live shard, which must hold the whole of `input`
   * (`rows` long along the growth axis, when known).
   */
  #appendLive(input: ArrayInput, rows?: number): void {
    const live = this.#liveWriter();
    if (rows !== undefined && this.#tail !== null && this.#liveRows > 0) {
      // The common case: no shape copy per append.
      live.append(input);
      this.#liveRows += rows;
      return;
    }
    try {
      live.append(input);
    } catch (e) {
      if (live.shape.length === 0) {
        // Nothing was written: leave no empty live shard behind.
        live.close();
        this.#live = null;
        const part = partPath(this.dir, this.chunks.length);
        if (this.#fs.exists(part)) this.#fs.remove(part);
      }
      throw e;
    }
    this.#adopt(live);
  }

  /**
   * Appends all or nothing: a failure after some of the rows were written
   * (a crossing append whose next shard cannot be made, `info` that cannot
   * be rewritten) undoes them, so a retried append lands once. Seals made
   * meanwhile rewrite `info` once, at the end.
   */
  append(input: ArrayInput): void {
    this.checkOpen();
    if (this.#broken) {
      throw undoRefusal(
        this.#brokenBy,
        `Cannot append to the stack "${this.dir}": an earlier write failed and could not be undone; close the writer, then call recoverStack`,
      );
    }
    if (this.#reopen) {
      this.#openPart();
      this.#reopen = false;
    }
    const mark = this.mark();
    this.#deferInfo = true;
    try {
      this.#append(input);
      this.#deferInfo = false;
      if (this.chunks.length > mark.chunks) this.#writeInfo();
    } catch (e) {
      this.#deferInfo = false;
      this.undoTo(mark);
      throw this.#broken ? e : withoutRecoverAdvice(e); // undone: no recover
    }
  }

  /** The state {@linkcode undoTo} puts the stack back to. */
  mark(): StackMark {
    return {
      chunks: this.chunks.length,
      liveRows: this.#liveRows,
      // A live shard of 0 rows (a group's header-only first file) stays.
      hadLive: this.#live !== null || this.#reopen,
      tail: this.#tail,
      dtype: this.dtype,
      fortranOrder: this.fortranOrder,
      options: this.#options,
      rowBytes: this.#rowBytes,
    };
  }

  /**
   * Undoes the appends since `m` (this stack's that failed, or a group's
   * whose other member failed); returns why it could not, or `undefined`.
   * An `info` rewritten since (a group member's append done) is rewritten
   * first, as `cutStackSync` does, and is the one step that needs space:
   * when it fails nothing else changed, and the next call tries again.
   */
  undoTo(m: StackMark): unknown {
    if (this.#broken) return this.#brokenBy;
    if (this.#infoChunks > m.chunks) {
      try {
        this.#writeInfo(m.chunks);
      } catch (e) {
        return e;
      }
    }
    if (this.chunks.length !== m.chunks || this.#liveRows !== m.liveRows) {
      this.#undo(m.chunks, m.liveRows, m.hadLive);
    }
    if (this.chunks.length === 0 && this.#liveRows === 0) {
      this.#tail = m.tail;
      this.dtype = m.dtype;
      this.fortranOrder = m.fortranOrder;
      this.#options = m.options;
      this.#rowBytes = m.rowBytes;
    }
    return this.#broken ? this.#brokenBy : undefined;
  }

  /**
   * Puts the stack back to `chunks` sealed shards and `liveRows` live
   * rows (`hadLive`: a live shard existed, maybe of 0 rows): shards sealed
   * since are made live again (renamed back, their Fortran header
   * restored) and cut, new ones removed. Renames, removals, truncation and
   * in-place headers: no free space needed. When it fails, later appends
   * are refused.
   */
  #undo(chunks: number, liveRows: number, hadLive: boolean): void {
    const fs = this.#fs;
    try {
      this.#live?.close();
      this.#live = null;
      const now = this.chunks.length;
      if (now > chunks) {
        const newPart = partPath(this.dir, now);
        if (fs.exists(newPart)) fs.remove(newPart);
        for (let j = now - 1; j > chunks; j--) {
          fs.remove(shardPath(this.dir, j));
        }
        reviveShard(
          fs,
          this.dir,
          chunks,
          this.fortranOrder,
          this.#options.maxHeaderSize,
        );
        this.chunks.length = chunks;
        this.#sealedRows = this.chunks.reduce((a, b) => a + b, 0);
      }
      const part = partPath(this.dir, chunks);
      this.#liveRows = liveRows;
      if (liveRows === 0 && !hadLive) {
        if (fs.exists(part)) fs.remove(part);
        return;
      }
      cutLiveShard(fs, part, liveRows); // no lock file: inodes may be out
      this.#reopen = true;
    } catch (e) {
      this.#broken = true;
      this.#brokenBy = e;
    }
  }

  #append(input: ArrayInput): void {
    const limit = this.#shardRows;
    const rank = this.#tail?.length;
    const rows = rank === undefined
      ? undefined
      : quickRows(input, rank, this.fortranOrder);
    this.checkPlace(rows);
    if (limit === undefined) {
      this.#appendLive(input, rows);
      if (
        this.#shardBytes !== undefined &&
        this.#liveRows * this.#rowBytes >= this.#shardBytes
      ) this.seal();
      return;
    }
    if (rows !== undefined && this.#liveRows + rows <= limit) {
      this.#appendLive(input, rows);
      if (this.#liveRows >= limit) this.seal();
      return;
    }
    // Crossing a boundary (or of unknown length): converted once, in pieces.
    const p = prepareArray(input, {
      dtype: this.dtype,
      fortranOrder: this.fortranOrder,
      casting: this.#options.casting ?? "same_kind",
      label: `"${this.dir}"`,
    });
    const shape = [...p.shape];
    if (shape.length === 0) return this.#appendLive(input);
    const axis = this.axis(shape.length);
    const total = shape[axis]!;
    const rowBytes = total === 0 ? 0 : p.bytes.length / total;
    if (total === 0) return this.#appendLive(input);
    let done = 0;
    while (done < total) {
      // A live shard left longer than shardRows (by a writer with a larger
      // one, or none) is sealed as it is first.
      if (this.#liveRows >= limit) this.seal();
      const take = Math.min(total - done, limit - this.#liveRows);
      shape[axis] = take;
      this.#appendLive({
        data: piece(
          p.bytes.subarray(done * rowBytes, (done + take) * rowBytes),
          p.dtype,
        ),
        shape,
        dtype: p.dtype,
        fortranOrder: this.fortranOrder,
      });
      done += take;
      if (this.#liveRows >= limit) this.seal();
    }
  }

  /**
   * Refuses an append of `rows` (`undefined`: not known) that may seal the
   * live shard once the folder is not the one opened: a seal renames and
   * an undo cuts by path, so its rows would stay where the folder went.
   * Nothing is written; appends within the live shard go on through its
   * open file, which moved with the folder.
   */
  checkPlace(rows: number | undefined): void {
    const limit = this.#shardRows ?? Infinity;
    const bytes = this.#shardBytes ?? Infinity;
    if (
      (rows === undefined
        ? limit === Infinity && bytes === Infinity
        : this.#liveRows + rows < limit &&
          (this.#liveRows + rows) * this.#rowBytes < bytes) ||
      !folderMoved(this.#fs, this.dir, this.#folderId)
    ) return;
    const n = this.#sealedRows + this.#liveRows;
    throw movedFolderError(
      this.dir,
      "append to",
      `nothing of this append was written, and the ${n} rows before it are where the folder went; close this writer and open the stack there to go on`,
    );
  }

  /** Writes `info` listing the first `k` shards (none: removed). */
  #writeInfo(k = this.chunks.length): void {
    if (this.#tail === null || this.dtype === undefined) return;
    const axis = this.axis(this.#tail.length);
    const path = join(this.dir, "info");
    if (k === 0 && this.#fs.exists(path)) this.#fs.remove(path);
    if (k > 0) {
      const chunks = this.chunks.slice(0, k);
      writeInfo(
        this.dir,
        this.#fs,
        {
          chunks: this.#tail.map((n, i) => i === axis ? chunks : [n]),
          dtype: this.dtype,
          axis,
        },
        this.#options.fsync ?? false,
      );
    }
    this.#infoChunks = k;
  }

  /**
   * Gives a sealed Fortran-order shard that reads the same in C order the
   * C-order header `np.save` writes for it (same length, same data).
   */
  #asNpSaves(path: string): void {
    const shape = this.#tail === null ? [] : [...this.#tail];
    if (shape.length === 0 || this.dtype === undefined) return;
    shape[this.axis(shape.length)] = this.chunks.at(-1)!; // just sealed
    setShardOrder(this.#fs, path, this.dtype, shape, false);
  }

  /** Writes the live shard's header (when opened with `rewriteHeaderOnAppend: false`). */
  updateHeader(): void {
    this.#live?.updateHeader();
  }

  /** Ends the live shard: renames it to `{n}.npy` and rewrites `info`. */
  seal(verb = "seal"): void {
    this.checkOpen(verb);
    const live = this.#live;
    if (live === null && !this.#reopen) return;
    if (this.#liveRows === 0) return;
    if (folderMoved(this.#fs, this.dir, this.#folderId)) {
      // Closed where it is (its header through its open file), not sealed.
      live?.close();
      this.#live = null;
      this.#broken = true;
      throw movedFolderError(
        this.dir,
        verb,
        `its ${
          this.#sealedRows + this.#liveRows
        } rows are where the folder went, the last ${this.#liveRows} in its live shard; close this writer and open the stack there to go on`,
      );
    }
    live?.close();
    this.#live = null;
    this.#reopen = false;
    const n = this.chunks.length;
    freshenShard(this.#fs, this.dir, n, this.#options.fsync ?? false, () => {
      if (this.#infoChunks > 0) this.#writeInfo(this.#infoChunks);
    });
    this.#fs.rename(partPath(this.dir, n), shardPath(this.dir, n));
    // Counted once renamed: an append failing after it revives the shard.
    this.chunks.push(this.#liveRows);
    this.#sealedRows += this.#liveRows;
    this.#liveRows = 0;
    if (this.#options.fsync) syncDir(this.dir);
    if (this.fortranOrder) this.#asNpSaves(shardPath(this.dir, n));
    if (!this.#deferInfo) this.#writeInfo();
  }

  /**
   * Seals a live shard holding rows and removes an empty one, or with
   * `keepLive` leaves the live shard as it is (a group's member keeps its
   * header-only first file: counting its rows, or undoing a failed append,
   * removed it, and the member was then taken for lost); releases the lock.
   * A live shard whose first failed close kept its buffered rows (and lock)
   * keeps the stack open too; `giveUp` (a `using` end) gives them up.
   */
  close(keepLive = false, giveUp = false): void {
    if (this.closed) return;
    let kept = false;
    let failed = false;
    try {
      if (this.#live !== null || this.#reopen) {
        if (this.#liveRows > 0 && !keepLive) this.seal("close");
        else {
          this.#live?.close();
          const part = partPath(this.dir, this.chunks.length);
          if (!keepLive && this.#liveRows === 0 && this.#fs.exists(part)) {
            this.#fs.remove(part);
          }
        }
      }
    } catch (e) {
      failed = true;
      const live = this.#live;
      kept = live !== null && !live.closed;
      if (kept && giveUp) {
        kept = false;
        live![Symbol.dispose](); // throws what became of the rows
      }
      throw e;
    } finally {
      if (!kept) {
        this.closed = true;
        this.#live = null;
        const release = () => this.#lock.release();
        if (failed) releaseAfterFailure(release);
        else releaseFinished(release, "close", this.dir);
      }
    }
  }
}
