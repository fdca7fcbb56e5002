/**
 * The sealed part of a stack folder: shard names, shard headers, `info`
 * read back and checked against the shards, and `info` written.
 *
 * @module
 */

import { type DType, type DTypeSpec, parseDType } from "./dtype.ts";
import { withFileName } from "./_error_label.ts";
import { ambiguousOrder, growthAxis } from "./_layout.ts";

export { ambiguousOrder };
import { NpyReader } from "./npy_reader.ts";
import {
  encodeHeader,
  headerLengthFromPreamble,
  parseHeader,
} from "./header.ts";
import { kindName, type PathFs, syncDir } from "./_path_fs.ts";
import type { NpyFormatError } from "./errors.ts";
import { pickleStackInfo, unpickleStackInfo } from "./_pickle.ts";
import {
  join,
  openStackFile,
  ourInfo,
  partPath,
  readInfoBytes,
  refuseForeignPart,
  refuseOlder,
  RESTORE_SHARD,
  shardPath,
  stackError,
  type TakeLeftovers,
} from "./_stack_files.ts";

export {
  freshenShard,
  isMissing,
  join,
  partPath,
  shardPath,
} from "./_stack_files.ts";

/** Reads `bytes.length` bytes at `at`; fewer only at the end of the file. */
function readAt(
  f: ReturnType<PathFs["open"]>,
  bytes: Uint8Array,
  at: number,
): Uint8Array {
  let got = 0;
  while (got < bytes.length) {
    const n = f.readSync(bytes.subarray(got), at + got);
    if (n === null || n === 0) break;
    got += n;
  }
  return bytes.subarray(0, got);
}

/**
 * Reads a sealed shard's header straight from the file (one open, two
 * reads: the scan reads every shard's) and checks the file holds every
 * item the header counts.
 *
 * @throws {NpyFormatError} for a broken header or a shard cut short.
 */
function sealedHead(
  dir: string,
  fs: PathFs,
  path: string,
  maxHeaderSize: number | undefined,
): ShardHead {
  const f = openStackFile(dir, fs, path, RESTORE_SHARD);
  try {
    const size = f.sizeSync();
    // One read holds the usual header (128 bytes); a longer one takes two.
    let bytes = readAt(f, new Uint8Array(Math.min(size, 4096)), 0);
    const len = headerLengthFromPreamble(bytes.subarray(0, 12));
    if (len > bytes.length && size > bytes.length) {
      bytes = readAt(f, new Uint8Array(Math.min(len, size)), 0);
    }
    const h = parseHeader(bytes, headerCapOption(maxHeaderSize));
    const need = h.headerLength +
      h.shape.reduce((a, b) => a * b, 1) * h.dtype.itemsize;
    if (size < need) {
      throw stackError(
        dir,
        "damaged-stack",
        `"${path}" has ${size} bytes but its header needs ${need}; restore the shard or write a new stack`,
      );
    }
    return {
      shape: [...h.shape],
      dtype: h.dtype.str,
      fortranOrder: h.fortranOrder,
    };
  } catch (e) {
    throw withFileName(e, "read", path, `"${path}"`);
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

/** `{ maxHeaderSize }` when given, else nothing (the readers' default). */
export function headerCapOption(
  maxHeaderSize: number | undefined,
): { maxHeaderSize?: number } {
  return maxHeaderSize === undefined ? {} : { maxHeaderSize };
}

/**
 * Reads a shard's header (the whole items of a live shard).
 *
 * @param path The shard.
 * @param maxHeaderSize The header size cap, as the stack was opened with.
 */
export function shardHead(path: string, maxHeaderSize?: number): ShardHead {
  const r = NpyReader.openSync(path, {
    allowIncomplete: true,
    ...headerCapOption(maxHeaderSize),
  });
  try {
    return { shape: r.shape, dtype: r.dtype, fortranOrder: r.fortranOrder };
  } finally {
    r.closeSync();
  }
}

/**
 * Rewrites in place the header of a shard whose shape reads the same in C
 * and Fortran order (see `ambiguousOrder`) to state `fortranOrder`, where
 * the new header has the old one's length (the data stays put): a sealed
 * Fortran-order shard gets the C-order header `np.save` writes for it, and
 * a shard made live again gets its Fortran-order header back.
 */
export function setShardOrder(
  fs: PathFs,
  path: string,
  dtype: DTypeSpec,
  shape: readonly number[],
  fortranOrder: boolean,
): void {
  if (!ambiguousOrder(shape)) return;
  const header = encodeHeader({ dtype, fortranOrder, shape });
  const f = fs.open(path, "write");
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

/**
 * Makes sealed shard `k` the live shard again (the undo of a failed stack
 * append, the cut of a group's member): renames `{k}.npy` to
 * `{k}.npy.part` and, in a Fortran-order stack, gives it back the
 * Fortran-order header its writer expects, for every shape that reads the
 * same in both orders (1-d included: `np.save`'s header of a sealed 1-d
 * shard says C order, and the live shard's writer refused it).
 *
 * @returns The live shard's path.
 */
export function reviveShard(
  fs: PathFs,
  dir: string,
  k: number,
  fortranOrder: boolean,
  maxHeaderSize?: number,
): string {
  const part = partPath(dir, k);
  fs.rename(shardPath(dir, k), part);
  if (fortranOrder) {
    const head = shardHead(part, maxHeaderSize);
    setShardOrder(fs, part, head.dtype, head.shape, true);
  }
  return part;
}

/**
 * Whether a live shard holds no readable row: empty (killed before its
 * header) or zeros where its magic goes (a power cut kept its name, not its
 * bytes; with `fsync` none of its rows was acknowledged, its header being
 * synced first).
 */
export function blankPart(fs: PathFs, dir: string, path: string): boolean {
  const f = openStackFile(dir, fs, path, "; the writer starts a new one");
  try {
    const magic = new Uint8Array(6);
    return magic.subarray(0, f.readSync(magic, 0)).every((b) => b === 0);
  } finally {
    f.closeSync();
  }
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
  /** Whether `info` is not this library's (Dask's): a writer rewrites it. */
  infoForeign: boolean;
  /**
   * Whether `info` marks the stack as being cleared by a replacing open
   * (see `clearStack`): empty, whatever shards are left.
   */
  clearing: boolean;
}

/**
 * Reads `info` and finds sealed shards it does not list yet.
 *
 * @param dir The stack folder.
 * @param fs The path operations.
 * @param maxHeaderSize The shards' header size cap, as the stack was
 *   opened with.
 * @param take Which shards past `info` are taken in, not refused.
 * @returns What the folder holds.
 * @throws {NpyFormatError} for a broken info or a missing shard.
 */
export function scanStack(
  dir: string,
  fs: PathFs,
  maxHeaderSize?: number,
  take: TakeLeftovers = "none",
): StackScan {
  const infoPath = join(dir, "info");
  let chunks: number[] = [];
  let shape: number[] | null = null;
  let dtype: DType | undefined;
  let fortranOrder: boolean | undefined;
  let infoAxis = 0;
  let infoForeign = false;
  // Before the bytes: an info a live writer rewrites meanwhile is newer
  // than this time, so none of its unlisted shards looks older.
  const infoTime = take === "all" ? null : fs.modifiedMs(infoPath);
  const infoBytes = fs.exists(infoPath)
    ? readInfoBytes(fs, dir, infoPath)
    : null;
  // Empty or zeros: a power cut kept the name of an info whose bytes never
  // reached the disk (`fsync: false`); rebuilt from the shards, as if
  // missing.
  if (infoBytes !== null && infoBytes.some((b) => b !== 0)) {
    const info = unpickleStackInfo(infoBytes, infoPath);
    infoForeign = !ourInfo(infoBytes);
    if (info.clearing) {
      return {
        chunks: [],
        shape: null,
        dtype: undefined,
        fortranOrder: undefined,
        infoStale: false,
        infoForeign: false,
        clearing: true,
      };
    }
    const rank = info.chunks.length;
    info.axis = oneShardAxis(dir, fs, info.chunks, info.axis, maxHeaderSize);
    if (info.axis !== 0 && info.axis !== rank - 1) {
      throw stackError(
        dir,
        "cannot-grow",
        `it grows along axis ${info.axis} of ${rank}; only axis 0 (C order) or the last axis (Fortran order) can be continued`,
      );
    }
    chunks = [...info.chunks[info.axis]!];
    infoAxis = info.axis;
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
      throw stackError(
        dir,
        "damaged-stack",
        `its info lists ${listed} shards but "${path}" is missing; restore the file, or remove info and run recoverStack`,
      );
    }
    const head = sealedHead(dir, fs, path, maxHeaderSize);
    if (otherOrder(head, fortranOrder)) {
      // Dask's to_npy_stack along the last axis of C-order chunks (or
      // along axis 0 of Fortran-order ones): "remove info and run
      // recoverStack" would have joined the shards along the wrong axis.
      throw stackError(
        dir,
        "cannot-grow",
        `its info joins the shards along axis ${infoAxis} but "${path}" is in ${
          head.fortranOrder ? "Fortran" : "C"
        } order; this library reads stacks joined along axis 0 of C-order shards or along the last axis of Fortran-order ones, so read this one with dask.array.from_npy_stack`,
      );
    }
    try {
      checkShard(dir, path, head, infoDType, infoShape, fortranOrder);
    } catch (e) {
      throw infoAtFault(dir, fs, listed, maxHeaderSize, fortranOrder, {
        dtype: infoDType,
        shape: infoShape,
      }) ?? e;
    }
    const rows = shardRows(head, fortranOrder);
    if (rows !== chunks[k]) {
      throw stackError(
        dir,
        "damaged-stack",
        `its info says "${path}" holds ${
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
  for (;;) {
    while (fs.exists(shardPath(dir, n))) {
      const path = shardPath(dir, n);
      if (listed > 0 && infoTime !== null) {
        refuseOlder(dir, fs, n, listed, infoTime, infoForeign, take);
      }
      const head = sealedHead(dir, fs, path, maxHeaderSize);
      checkShard(dir, path, head, dtype, shape, fortranOrder);
      chunks.push(shardRows(head, fortranOrder));
      shape = head.shape;
      dtype = parseDType(head.dtype);
      // A Fortran-order header on a shard that reads the same in both
      // orders is a Fortran-order stack's, sealed by a writer killed before
      // it gave the shard np.save's C-order header (np.save never writes
      // one there).
      if (
        !ambiguousOrder(head.shape) ||
        (head.fortranOrder && head.shape.length > 1)
      ) fortranOrder = head.fortranOrder;
      n++;
    }
    // A shard after a gap would be skipped now and read out of order once
    // a writer fills the gap. (A live writer that sealed `{n}.npy` since
    // the loop looked is no gap: look again.)
    const later = fs.list(dir).find((name) => {
      const k = /^(0|[1-9][0-9]*)\.npy$/.exec(name)?.[1];
      return k !== undefined && Number(k) > n;
    });
    if (later === undefined) {
      if (listed > 0 && infoTime !== null && infoForeign) {
        refuseForeignPart(dir, fs, n);
      }
      break;
    }
    if (fs.exists(shardPath(dir, n))) continue;
    throw stackError(
      dir,
      "damaged-stack",
      `"${shardPath(dir, n)}" is missing but "${
        join(dir, later)
      }" follows it; restore the missing shard, or move the later shards out of the folder`,
    );
  }
  return {
    chunks,
    shape,
    dtype,
    fortranOrder,
    infoStale: n > listed,
    infoForeign,
    clearing: false,
  };
}

/**
 * The growth axis of a stack whose `info` lists one shard (Dask's
 * `to_npy_stack(x, axis=-1)`): the join axis changes nothing, so the
 * shard's own (0 in C order, the last in Fortran order); else `axis`.
 */
function oneShardAxis(
  dir: string,
  fs: PathFs,
  chunks: number[][],
  axis: number,
  maxHeaderSize: number | undefined,
): number {
  const rank = chunks.length, path = shardPath(dir, 0);
  const one = chunks.every((c) => c.length === 1);
  if (rank < 2 || !one || !fs.exists(path)) return axis;
  const head = sealedHead(dir, fs, path, maxHeaderSize);
  if (ambiguousOrder(head.shape)) return axis === rank - 1 ? axis : 0;
  return head.fortranOrder ? rank - 1 : 0;
}

/**
 * When the listed shards agree with each other and `info` says otherwise
 * (`said`), the error that blames `info` (recoverStack rebuilds it from
 * the shards); `undefined` when a shard disagrees with the others.
 */
function infoAtFault(
  dir: string,
  fs: PathFs,
  listed: number,
  maxHeaderSize: number | undefined,
  fortran: boolean | undefined,
  said: { dtype: DType | undefined; shape: number[] | null },
): NpyFormatError | undefined {
  const heads = Array.from(
    { length: listed },
    (_, k) => sealedHead(dir, fs, shardPath(dir, k), maxHeaderSize),
  );
  const first = heads[0]!, dtype = parseDType(first.dtype);
  try {
    heads.forEach((h, k) =>
      checkShard(dir, shardPath(dir, k), h, dtype, first.shape, fortran)
    );
  } catch {
    return undefined;
  }
  const says = said.dtype !== undefined && said.dtype.str !== dtype.str
    ? `it says the stack holds "${said.dtype.str}" but its shards hold "${dtype.str}"`
    : `it says the stack has shape (${said.shape}) but its shards have shapes such as (${first.shape})`;
  return stackError(
    dir,
    "damaged-stack",
    `its info "${
      join(dir, "info")
    }" disagrees with all ${listed} shards (${says}); remove info and run recoverStack to rebuild it from the shards`,
  );
}

/**
 * Whether a shard's header states the other order than the stack's known
 * one (`fortran`), on a shape where the order matters.
 */
function otherOrder(head: ShardHead, fortran: boolean | undefined): boolean {
  return fortran !== undefined && !ambiguousOrder(head.shape) &&
    head.fortranOrder !== fortran;
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
  if (otherOrder(head, fortran)) {
    throw stackError(
      dir,
      "damaged-stack",
      `"${path}" is in ${
        head.fortranOrder ? "Fortran" : "C"
      } order but the stack's shards are in ${
        fortran ? "Fortran" : "C"
      } order; restore the shard or write a new stack`,
    );
  }
  const got = parseDType(head.dtype);
  if (dtype !== undefined && got.str !== dtype.str) {
    throw stackError(
      dir,
      "damaged-stack",
      `"${path}" holds "${got.str}" but the stack holds "${dtype.str}"; restore the shard or write a new stack`,
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
    throw stackError(
      dir,
      "damaged-stack",
      `"${path}" has shape (${head.shape}) which does not continue the stack's shape (${shape}); restore the shard or write a new stack`,
    );
  }
}

/** Writes `info` atomically: a temporary file renamed over it. */
export function writeInfo(
  dir: string,
  fs: PathFs,
  info: { chunks: number[][]; dtype: DType; axis: number; clearing?: boolean },
  fsync: boolean,
): void {
  const bytes = pickleStackInfo(info);
  const tmp = join(dir, "info.tmp");
  const f = fs.open(tmp, "create");
  try {
    try {
      f.truncateSync?.(0);
      f.writeSync(bytes, 0);
      if (fsync) f.syncSync?.();
    } finally {
      f.closeSync();
    }
  } catch (e) {
    // A write that failed (a full disk) leaves no temporary behind: the
    // folder stays as it was.
    try {
      fs.remove(tmp);
    } catch {
      // the write's failure is the one to report
    }
    throw e;
  }
  fs.rename(tmp, join(dir, "info"));
  if (fsync) syncDir(dir);
}

/**
 * Refuses a stack path that is not a folder (a file, a FIFO ...), that is
 * missing where a folder must exist (readers, `recoverStack`), or that is
 * a group's folder (its `0.npy` may be a member, not a shard).
 *
 * @param fs The path operations.
 * @param dir The stack folder.
 * @param verb What the caller does, for messages: `"read"`, `"recover"`.
 * @param mayBeMissing True where the caller creates the folder (writers).
 * @throws {TypeError} for a path that is not a folder, a missing one, or a
 *   group's.
 */
export function checkStackFolder(
  fs: PathFs,
  dir: string,
  verb: string,
  mayBeMissing: boolean,
): void {
  const kind = fs.kind(dir);
  if (kind === "directory" && fs.kind(join(dir, "group.json")) !== "missing") {
    throw new TypeError(
      `Cannot ${verb} the stack "${dir}": it is a group's folder (it holds group.json); open it with NpyGroupWriter or NpyGroupReader, or pass another folder`,
    );
  }
  if (kind === "directory" || (kind === "missing" && mayBeMissing)) return;
  throw new TypeError(
    kind === "missing"
      ? `Cannot ${verb} the stack "${dir}": the folder does not exist; check the path`
      : `Cannot ${verb} the stack "${dir}": it is ${
        kindName(kind)
      }, not a folder; a stack is a folder of .npy files, so pass a folder path`,
  );
}
