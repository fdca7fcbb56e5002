/**
 * The stack folder, shared by the stack writers, the reader and
 * `recoverStack`: Dask's `to_npy_stack` layout (`0.npy`, `1.npy`, ...,
 * `info`) plus the live shard `{n}.npy.part`.
 *
 * @module
 */

import type { ArrayInput, TypedArray } from "./array_input.ts";
import { prepareArray } from "./array_input.ts";
import type { NpyAppendArrayOptions } from "./_append_core.ts";
import { type DType, parseDType } from "./dtype.ts";
import { NpyFormatError } from "./errors.ts";
import { growthAxis } from "./_layout.ts";
import { encodeHeader, headerLengthFromPreamble } from "./header.ts";
import { NpyAppendArraySync } from "./npy_append_array_sync.ts";
import { NpyReader } from "./npy_reader.ts";
import { needsRecoverySync, recoverSync } from "./maintenance.ts";
import { type PathFs, pathFs, toPath } from "./_path_fs.ts";
import { acquireLock, type HeldLock } from "./_lock.ts";
import { pickleStackInfo, unpickleStackInfo } from "./_pickle.ts";

/** Options of `NpyStackWriter.open` and `NpyStackWriterSync.open`. */
export interface NpyStackWriterOptions extends NpyAppendArrayOptions {
  /**
   * Rows (items along the growth axis) per sealed shard: an append that
   * crosses the boundary is split, so every sealed shard but the last
   * holds exactly this many.
   */
  shardRows?: number;
  /**
   * Seal the live shard at the first row boundary where its data reaches
   * this many bytes.
   */
  shardBytes?: number;
}

/** Joins a folder and a file name. */
export function join(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}

/** `{n}.npy`. */
export function shardPath(dir: string, n: number): string {
  return join(dir, `${n}.npy`);
}

/** `{n}.npy.part`. */
export function partPath(dir: string, n: number): string {
  return join(dir, `${n}.npy.part`);
}

function readAll(fs: PathFs, path: string): Uint8Array {
  const f = fs.open(path, "read");
  try {
    const size = f.sizeSync();
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = f.readSync(out.subarray(at), at);
      if (n === null || n === 0) break;
      at += n;
    }
    return out.subarray(0, at);
  } finally {
    f.closeSync();
  }
}

/** What the header of one shard says. */
export interface ShardHead {
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
}

/** Reads a shard's header (the whole items of a live shard). */
export function shardHead(path: string): ShardHead {
  const r = NpyReader.openSync(path, { allowIncomplete: true });
  try {
    return { shape: r.shape, dtype: r.dtype, fortranOrder: r.fortranOrder };
  } finally {
    r.closeSync();
  }
}

/**
 * Whether a shard of this shape reads the same in both orders (at most
 * one axis longer than 1): `np.save` then writes `fortran_order: False`,
 * so a Fortran-order stack's such shards carry a C-order header.
 */
export function ambiguousOrder(shape: readonly number[]): boolean {
  return shape.filter((n) => n !== 1).length <= 1;
}

/**
 * The rows of a shard along the stack's growth axis.
 *
 * @param head The shard's header.
 * @param fortran The stack's order when known.
 * @returns The rows.
 */
export function shardRows(
  head: ShardHead,
  fortran: boolean | undefined,
): number {
  const f = head.fortranOrder ||
    (fortran === true && ambiguousOrder(head.shape));
  return head.shape[growthAxis(f, head.shape.length)] ?? 0;
}

/** The sealed part of a stack as its files show it. */
export interface StackScan {
  /** Rows of each sealed shard. */
  chunks: number[];
  /** The shape of the last sealed shard (or of the info), `null` if none. */
  shape: number[] | null;
  dtype: DType | undefined;
  fortranOrder: boolean | undefined;
  /** Whether `info` lists fewer shards than exist (a kill before it was rewritten). */
  infoStale: boolean;
}

/**
 * Reads `info` and finds sealed shards it does not list yet.
 *
 * @param dir The stack folder.
 * @param fs The path operations.
 * @returns What the folder holds.
 * @throws {NpyFormatError} for a broken info or a missing shard.
 */
export function scanStack(dir: string, fs: PathFs): StackScan {
  const infoPath = join(dir, "info");
  let chunks: number[] = [];
  let shape: number[] | null = null;
  let dtype: DType | undefined;
  let fortranOrder: boolean | undefined;
  if (fs.exists(infoPath)) {
    const info = unpickleStackInfo(readAll(fs, infoPath), `"${infoPath}"`);
    const rank = info.chunks.length;
    if (info.axis !== 0 && info.axis !== rank - 1) {
      throw new NpyFormatError(
        `Cannot open the stack "${dir}": it grows along axis ${info.axis} of ${rank}; only axis 0 (C order) or the last axis (Fortran order) can be continued`,
      );
    }
    chunks = [...info.chunks[info.axis]!];
    shape = info.chunks.map((c) => c.reduce((a, b) => a + b, 0));
    dtype = info.dtype;
    if (rank > 1) fortranOrder = info.axis === rank - 1;
  }
  const listed = chunks.length;
  // Every listed shard must exist and hold what info says: a shard that
  // lies would shift every row after it (info is Dask's only source).
  const infoDType = dtype;
  const infoShape = shape;
  for (let k = 0; k < listed; k++) {
    const path = shardPath(dir, k);
    if (!fs.exists(path)) {
      throw new NpyFormatError(
        `Cannot open the stack "${dir}": its info lists ${listed} shards but "${path}" is missing; restore the file, or remove info and run recoverStack`,
      );
    }
    const head = shardHead(path);
    checkShard(dir, path, head, infoDType, infoShape, fortranOrder);
    const rows = shardRows(head, fortranOrder);
    if (rows !== chunks[k]) {
      throw new NpyFormatError(
        `Cannot open the stack "${dir}": its info says "${path}" holds ${
          chunks[k]
        } rows but the shard holds ${rows}; remove info and run recoverStack to rebuild it from the shards`,
      );
    }
    if (k === listed - 1) {
      dtype = parseDType(head.dtype);
      if (!ambiguousOrder(head.shape)) fortranOrder ??= head.fortranOrder;
    }
  }
  let n = listed;
  while (fs.exists(shardPath(dir, n))) {
    const path = shardPath(dir, n);
    const head = shardHead(path);
    checkShard(dir, path, head, dtype, shape, fortranOrder);
    chunks.push(shardRows(head, fortranOrder));
    shape = head.shape;
    dtype = parseDType(head.dtype);
    if (!ambiguousOrder(head.shape)) fortranOrder = head.fortranOrder;
    n++;
  }
  return { chunks, shape, dtype, fortranOrder, infoStale: n > listed };
}

/**
 * Throws when a shard does not continue the stack: another dtype, rank
 * or extent along an axis other than the growth axis.
 */
function checkShard(
  dir: string,
  path: string,
  head: ShardHead,
  dtype: DType | undefined,
  shape: readonly number[] | null,
  fortran: boolean | undefined,
): void {
  const got = parseDType(head.dtype);
  if (dtype !== undefined && got.str !== dtype.str) {
    throw new NpyFormatError(
      `Cannot open the stack "${dir}": "${path}" holds "${got.str}" but the stack holds "${dtype.str}"; restore the shard or write a new stack`,
    );
  }
  if (shape === null) return;
  const rank = head.shape.length;
  // Without a known order, a shard that reads the same in both orders
  // cannot tell its growth axis; its rows are counted along axis 0.
  if (
    rank === shape.length && fortran === undefined && ambiguousOrder(head.shape)
  ) return;
  const f = head.fortranOrder ||
    (fortran === true && ambiguousOrder(head.shape));
  const g = growthAxis(fortran ?? f, rank);
  const rest = (s: readonly number[]) => s.filter((_, i) => i !== g).join(",");
  if (rank !== shape.length || rest(head.shape) !== rest(shape)) {
    throw new NpyFormatError(
      `Cannot open the stack "${dir}": "${path}" has shape (${head.shape}) which does not continue the stack's shape (${shape}); restore the shard or write a new stack`,
    );
  }
}

/** Writes `info` atomically: a temporary file renamed over it. */
export function writeInfo(
  dir: string,
  fs: PathFs,
  info: { chunks: number[][]; dtype: DType; axis: number },
  fsync: boolean,
): void {
  const bytes = pickleStackInfo(info);
  const tmp = join(dir, "info.tmp");
  const f = fs.open(tmp, "create");
  try {
    f.truncateSync?.(0);
    f.writeSync(bytes, 0);
    if (fsync) f.syncSync?.();
  } finally {
    f.closeSync();
  }
  fs.rename(tmp, join(dir, "info"));
}

function checkCount(
  value: unknown,
  name: string,
  dir: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot open the stack "${dir}": ${name} must be a positive integer, not ${
        JSON.stringify(value) ?? String(value)
      }`,
    );
  }
  return value;
}

/** The rows of an input along the growth axis, when it is cheap to tell. */
function quickRows(
  input: ArrayInput,
  rank: number,
  fortran: boolean,
): number | undefined {
  if (ArrayBuffer.isView(input)) {
    return rank === 1 ? (input as { length: number }).length : undefined;
  }
  if (Array.isArray(input)) {
    if (fortran && rank > 1) return undefined;
    let depth = 0;
    for (let x: unknown = input; Array.isArray(x); x = x[0]) depth++;
    return depth === rank ? input.length : undefined;
  }
  const shape = (input as { shape?: unknown }).shape;
  if (!Array.isArray(shape) || shape.length !== rank || rank === 0) {
    return undefined;
  }
  const n = shape[growthAxis(fortran, rank)];
  return typeof n === "number" ? n : undefined;
}

/**
 * Bytes of the stack's dtype as `append` takes them back: raw bytes, but
 * unsigned integers wider than a byte as their values (a `Uint8Array`
 * there means values, not bytes).
 */
function piece(bytes: Uint8Array, dtype: DType): Uint8Array | TypedArray {
  if (dtype.kind !== "u" || dtype.itemsize === 1) return bytes;
  const le = dtype.byteOrder !== ">";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = bytes.length / dtype.itemsize;
  if (dtype.itemsize === 2) {
    return Uint16Array.from({ length: n }, (_, i) => view.getUint16(i * 2, le));
  }
  if (dtype.itemsize === 4) {
    return Uint32Array.from({ length: n }, (_, i) => view.getUint32(i * 4, le));
  }
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getBigUint64(i * 8, le);
  return out;
}

/** The writer behind `NpyStackWriter` and `NpyStackWriterSync`. */
export class StackCore {
  readonly dir: string;
  readonly #fs: PathFs;
  readonly #lock: HeldLock;
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
  closed = false;

  constructor(
    target: string | URL,
    options: NpyStackWriterOptions,
    verb: string,
  ) {
    const dir = toPath(target);
    this.dir = dir;
    const { shardRows, shardBytes, deleteIfExists, ...rest } = options;
    this.#shardRows = checkCount(shardRows, "shardRows", dir);
    this.#shardBytes = checkCount(shardBytes, "shardBytes", dir);
    const want = rest.dtype === undefined ? undefined : parseDType(rest.dtype);
    this.#fs = pathFs();
    const fs = this.#fs;
    fs.mkdir(dir);
    this.#lock = acquireLock(dir, verb);
    try {
      if (deleteIfExists) clearStack(dir, fs);
      // A temporary info left by a kill while info was rewritten.
      if (fs.exists(join(dir, "info.tmp"))) fs.remove(join(dir, "info.tmp"));
      const scan = scanStack(dir, fs);
      this.chunks = scan.chunks;
      this.#sealedRows = scan.chunks.reduce((a, b) => a + b, 0);
      this.dtype = scan.dtype;
      this.fortranOrder = scan.fortranOrder ?? rest.fortranOrder ?? false;
      if (scan.shape !== null && scan.chunks.length > 0) {
        if (
          want !== undefined && scan.dtype !== undefined &&
          want.str !== scan.dtype.str
        ) {
          throw new TypeError(
            `Cannot append to the stack "${dir}": its dtype is "${scan.dtype.str}", not "${want.str}"; drop the dtype option or write a new stack`,
          );
        }
        if (
          scan.fortranOrder !== undefined &&
          rest.fortranOrder !== undefined &&
          rest.fortranOrder !== this.fortranOrder
        ) {
          throw new TypeError(
            `Cannot append to the stack "${dir}": its shards are ${
              this.fortranOrder ? "" : "not "
            }in Fortran order; drop the fortranOrder option or write a new stack`,
          );
        }
        this.#setTail(scan.shape);
      } else {
        this.#tail = null;
        this.dtype = want;
      }
      this.#options = {
        ...rest,
        ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
        fortranOrder: this.fortranOrder,
      };
      if (scan.infoStale) this.#writeInfo();
      this.#openPart();
    } catch (e) {
      this.#live?.close();
      this.#lock.release();
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
    const f = fs.open(path, "read");
    const size = f.sizeSync();
    f.closeSync();
    if (size === 0) {
      fs.remove(path);
      return;
    }
    if (needsRecoverySync(path)) recoverSync(path);
    const live = NpyAppendArraySync.open(path, this.#options);
    this.#live = live;
    this.#adopt(live);
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

  checkOpen(): void {
    if (this.closed) {
      throw new TypeError(
        `Cannot append to the stack "${this.dir}": the writer is closed; open it again to continue`,
      );
    }
  }

  #liveWriter(): NpyAppendArraySync {
    if (this.#live === null) {
      this.#live = NpyAppendArraySync.open(
        partPath(this.dir, this.chunks.length),
        { ...this.#options, deleteIfExists: true },
      );
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

  append(input: ArrayInput): void {
    this.checkOpen();
    const limit = this.#shardRows;
    const rank = this.#tail?.length;
    if (limit === undefined) {
      this.#appendLive(
        input,
        rank === undefined
          ? undefined
          : quickRows(input, rank, this.fortranOrder),
      );
      if (
        this.#shardBytes !== undefined &&
        this.#liveRows * this.#rowBytes >= this.#shardBytes
      ) this.seal();
      return;
    }
    const rows = rank === undefined
      ? undefined
      : quickRows(input, rank, this.fortranOrder);
    if (rows !== undefined && this.#liveRows + rows <= limit) {
      this.#appendLive(input, rows);
      if (this.#liveRows >= limit) this.seal();
      return;
    }
    // Crossing a boundary (or of unknown length): convert once, then
    // write the rows in pieces.
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

  #writeInfo(): void {
    if (this.#tail === null || this.dtype === undefined) return;
    const axis = this.axis(this.#tail.length);
    writeInfo(
      this.dir,
      this.#fs,
      {
        chunks: this.#tail.map((n, i) => i === axis ? this.chunks : [n]),
        dtype: this.dtype,
        axis,
      },
      this.#options.fsync ?? false,
    );
  }

  /**
   * Gives a sealed Fortran-order shard that reads the same in C order the
   * C-order header `np.save` writes for it (same length, same data).
   */
  #asNpSaves(path: string): void {
    const shape = this.#tail === null ? [] : [...this.#tail];
    if (shape.length === 0 || this.dtype === undefined) return;
    shape[this.axis(shape.length)] = this.#liveRows;
    if (!ambiguousOrder(shape)) return;
    const header = encodeHeader({
      dtype: this.dtype,
      fortranOrder: false,
      shape,
    });
    const f = this.#fs.open(path, "write");
    try {
      const pre = new Uint8Array(12);
      f.readSync(pre, 0);
      if (headerLengthFromPreamble(pre) === header.length) {
        f.writeSync(header, 0);
      }
    } finally {
      f.closeSync();
    }
  }

  /** Ends the live shard: renames it to `{n}.npy` and rewrites `info`. */
  seal(): void {
    this.checkOpen();
    const live = this.#live;
    if (live === null) return;
    if (this.#liveRows === 0) return;
    live.close();
    this.#live = null;
    const n = this.chunks.length;
    this.#fs.rename(partPath(this.dir, n), shardPath(this.dir, n));
    if (this.fortranOrder) this.#asNpSaves(shardPath(this.dir, n));
    this.chunks.push(this.#liveRows);
    this.#sealedRows += this.#liveRows;
    this.#liveRows = 0;
    this.#writeInfo();
  }

  /** Seals a live shard holding rows (unless `keepLive`), releases the lock. */
  close(keepLive = false): void {
    if (this.closed) return;
    try {
      if (this.#live !== null) {
        if (this.#liveRows > 0 && !keepLive) this.seal();
        else {
          this.#live.close();
          const part = partPath(this.dir, this.chunks.length);
          if (this.#liveRows === 0 && this.#fs.exists(part)) {
            this.#fs.remove(part);
          }
        }
      }
    } finally {
      this.closed = true;
      this.#live = null;
      this.#lock.release();
    }
  }
}

/** Removes a stack's files: `info`, the shards and the live shard. */
function clearStack(dir: string, fs: PathFs): void {
  for (const name of ["info", "info.tmp"]) {
    if (fs.exists(join(dir, name))) fs.remove(join(dir, name));
  }
  for (let n = 0;; n++) {
    const a = shardPath(dir, n), b = partPath(dir, n);
    const has = fs.exists(a), hasPart = fs.exists(b);
    if (!has && !hasPart) break;
    if (has) fs.remove(a);
    if (hasPart) fs.remove(b);
  }
}
