/**
 * A stack's replacing open (`deleteIfExists`), with its commit point:
 * `info` rewritten as a stack being cleared before any shard goes.
 *
 * @module
 */

import { type DType, parseDType } from "./dtype.ts";
import { type PathFs, pathFs, syncDir } from "./_path_fs.ts";
import { type StackInfo, unpickleStackInfo } from "./_pickle.ts";
import { join, scanStack, type StackScan, writeInfo } from "./_stack_scan.ts";
import type { TakeLeftovers } from "./_stack_files.ts";
import { readInfoBytes } from "./_stack_files.ts";

/** Shards and live shards, `{n}.npy` and `{n}.npy.part`. */
const SHARD = /^(?:0|[1-9]\d*)\.npy(?:\.part)?$/;

/**
 * Removes a stack's files. Its commit point comes first: `info` rewritten
 * (a temporary renamed over it) to list no shard, with the dtype it had,
 * and marked as a stack being cleared (`npy_append_array_clearing`, a key
 * Dask ignores). From then on no reader sees an old row, whatever shards
 * are left (ours: no shard yet; Dask refuses a stack listing no shard, as
 * for any stack with no row), and the next
 * writer or `recoverStack` finishes the removal (`scanFinishingClear`).
 * Then every shard and live shard goes, the last first, and `info` last,
 * so a new writer's shards never meet the mark. Before, `info` went first:
 * a kill part-way left shards `0 .. k`, a prefix of the old rows to our
 * readers and the next writer, and a stack Dask refused.
 *
 * @param dir The stack folder (its lock held).
 * @param fs The path operations.
 * @param fsync Whether the mark is synced before any shard goes.
 */
export function clearStack(dir: string, fs: PathFs, fsync: boolean): void {
  const shards = fs.list(dir).filter((f) => SHARD.test(f))
    .sort((a, b) => parseInt(b, 10) - parseInt(a, 10) || b.length - a.length);
  if (shards.length > 0) {
    writeInfo(dir, fs, {
      chunks: [[]],
      dtype: oldDType(fs, dir),
      axis: 0,
      clearing: true,
    }, fsync);
  }
  for (const name of shards) fs.remove(join(dir, name));
  for (const name of ["info.tmp", "info"]) {
    if (fs.exists(join(dir, name))) fs.remove(join(dir, name));
  }
  if (fsync && shards.length > 0) syncDir(dir);
}

/** `info` read back; `undefined` when missing or unreadable. */
function readInfo(fs: PathFs, dir: string): StackInfo | undefined {
  const info = join(dir, "info");
  try {
    return unpickleStackInfo(readInfoBytes(fs, dir, info), info);
  } catch {
    return undefined;
  }
}

/** The dtype `info` records, for the mark; `|u1` when it has none. */
function oldDType(fs: PathFs, dir: string): DType {
  const dtype = readInfo(fs, dir)?.dtype;
  return dtype !== undefined && !dtype.hasObject ? dtype : parseDType("|u1");
}

/**
 * Whether a stack's `info` marks it as being cleared (a group's reader
 * reads such a member as holding no row).
 */
export function isClearing(dir: string): boolean {
  const fs = pathFs();
  return readInfo(fs, dir)?.clearing === true;
}

/**
 * Scans a stack for its writer or `recoverStack`, first finishing the
 * removal of a stack whose replacing open was killed after its commit
 * point (its `info` marked as being cleared). `take`: which shards past
 * `info` are taken in, not refused (see `TakeLeftovers`).
 */
export function scanFinishingClear(
  dir: string,
  fs: PathFs,
  fsync: boolean,
  maxHeaderSize?: number,
  take: TakeLeftovers = "none",
): StackScan {
  const scan = scanStack(dir, fs, maxHeaderSize, take);
  if (!scan.clearing) return scan;
  clearStack(dir, fs, fsync);
  return scanStack(dir, fs, maxHeaderSize);
}

/**
 * Scans a stack for a reader: one whose replacing open was killed after
 * its commit point (or is under way) holds no shard yet.
 *
 * @throws {TypeError} for a stack being cleared.
 */
export function scanForReading(
  dir: string,
  fs: PathFs,
  maxHeaderSize?: number,
): StackScan {
  const scan = scanStack(dir, fs, maxHeaderSize);
  if (!scan.clearing) return scan;
  throw new TypeError(
    `Cannot read the stack "${dir}": it holds no shard yet (its info says a writer opened with deleteIfExists is removing the old shards, or was killed doing it; its next writer or recoverStack ends that); append to it first`,
  );
}
