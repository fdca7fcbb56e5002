/**
 * Stack members of a group: counting the rows a member stack holds and
 * cutting it back to fewer rows (sealed shards and the live shard), as
 * `recoverGroup` and the next open of a group of stacks do.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { NpyReader } from "./npy_reader.ts";
import { NpyStackReader } from "./npy_stack_reader.ts";
import { isClearing } from "./_stack_clear.ts";
import { headerCapOption } from "./_stack_scan.ts";
import { fileSize, type GroupMemberInfo, pathOf } from "./_group_layout.ts";
import { evenIfLockLeft } from "./_lock_release.ts";
import { acquireFolderLock } from "./_folder_lock.ts";
import { pathFs, syncDir } from "./_path_fs.ts";
import { CHUNK_SIZE, onTargetSync, recoverSteps } from "./_maintenance.ts";
import {
  join,
  partPath,
  reviveShard,
  shardPath,
  StackCore,
  writeInfo,
} from "./_stack_core.ts";

/** What a member stack holds after its live shard is recovered. */
interface StackState {
  rows: number;
  chunks: number[];
  shape: number[];
  axis: number;
  core: StackCore;
}

/** Opens a member stack as `recoverStack` does (a cut-off live shard recovered, a stale info rewritten). */
function recovered(
  dir: string,
  fortranOrder: boolean,
  maxHeaderSize: number | undefined,
): StackState {
  const options = { fortranOrder, ...headerCapOption(maxHeaderSize) };
  const core = new StackCore(dir, options, "recover", "ours");
  const shape = core.shape;
  const axis = shape.length === 0 ? 0 : core.axis(shape.length);
  return {
    rows: shape[axis] ?? 0,
    chunks: [...core.chunks],
    shape,
    axis,
    core,
  };
}

/**
 * Drops a member stack's lock after finished work: a lock file not
 * removed goes into `left` (see `evenIfLockLeft`); any other failure is
 * thrown.
 */
function dropLock(release: () => void, left: unknown[]): void {
  evenIfLockLeft<void>((finished) => {
    finished();
    release();
  }, left);
}

/**
 * The whole rows a member stack holds: sealed shards plus the live shard's
 * whole rows (its cut-off tail dropped, as `recoverStack` does). A missing
 * folder holds 0. Its lock file not removed goes into `left`.
 */
export function stackRowsSync(
  dir: string,
  fortranOrder: boolean,
  maxHeaderSize: number | undefined,
  left: unknown[],
): { rows: number; chunks: number[] } {
  if (!pathFs().exists(dir)) return { rows: 0, chunks: [] };
  const s = recovered(dir, fortranOrder, maxHeaderSize);
  dropLock(() => s.core.close(true), left);
  return { rows: s.rows, chunks: s.chunks };
}

/**
 * Seals a member stack's live shard if it holds rows (`close()`'s seal,
 * finished for a member that a kill reached first).
 */
export function sealLiveSync(
  dir: string,
  fortranOrder: boolean,
  fsync: boolean,
  maxHeaderSize: number | undefined,
  left: unknown[],
): void {
  if (!pathFs().exists(dir)) return;
  const options = { fortranOrder, fsync, ...headerCapOption(maxHeaderSize) };
  const core = new StackCore(dir, options, "recover", "ours");
  try {
    core.seal();
  } finally {
    dropLock(() => core.close(true), left);
  }
}

/**
 * Cuts a member stack to `n` rows. `info` is rewritten first to list only
 * the shards that stay whole, then shards past the cut are removed from the
 * highest down, and the shard holding the cut becomes the live shard again
 * (renamed to `{k}.npy.part`) and is cut: a kill at any step leaves a stack
 * that reopens (extra shards are found again) and the next cut finishes.
 */
export function cutStackSync(
  dir: string,
  n: number,
  fortranOrder: boolean,
  maxHeaderSize: number | undefined,
  fsync: boolean,
  left: unknown[],
): void {
  const fs = pathFs();
  if (!fs.exists(dir)) return;
  const s = recovered(dir, fortranOrder, maxHeaderSize);
  const dtype = s.core.dtype;
  const fortran = s.core.fortranOrder;
  dropLock(() => s.core.close(true), left);
  if (s.rows <= n) return;
  const lock = acquireFolderLock(dir, "recover");
  try {
    const cutPart = (path: string, rows: number) =>
      evenIfLockLeft(
        (finished) =>
          onTargetSync(path, "write", "recover", function* (label) {
            return finished(
              yield* recoverSteps(
                label,
                false,
                maxHeaderSize,
                CHUNK_SIZE,
                rows,
              ),
            );
          }),
        left,
      );
    const starts = [0];
    for (const c of s.chunks) starts.push(starts[starts.length - 1]! + c);
    const sealed = starts[starts.length - 1]!;
    if (n >= sealed) {
      const part = partPath(dir, s.chunks.length);
      if (fs.exists(part)) cutPart(part, n - sealed);
      return;
    }
    let k = 0;
    while (starts[k + 1]! <= n) k++;
    if (dtype === undefined) {
      throw new NpyFormatError(
        "damaged-stack",
        "its dtype is unknown; run recoverStack on it",
        { file: dir, verb: "cut the stack", label: `"${dir}"` },
      );
    }
    if (k === 0) {
      if (fs.exists(join(dir, "info"))) fs.remove(join(dir, "info"));
    } else {
      writeInfo(dir, fs, {
        chunks: s.shape.map((d, i) =>
          i === s.axis ? s.chunks.slice(0, k) : [d]
        ),
        dtype,
        axis: s.axis,
      }, fsync);
    }
    const part = partPath(dir, s.chunks.length);
    if (fs.exists(part)) fs.remove(part);
    for (let j = s.chunks.length - 1; j > k; j--) fs.remove(shardPath(dir, j));
    const keep = n - starts[k]!;
    if (keep === 0) {
      fs.remove(shardPath(dir, k));
    } else {
      cutPart(reviveShard(fs, dir, k, fortran, maxHeaderSize), keep);
    }
    if (fsync) syncDir(dir);
  } finally {
    dropLock(() => lock.release(), left);
  }
}

/**
 * Opens a member as it is, `null` while it holds nothing: a file (which may
 * hold more data than its header covers, an append in progress: the reader
 * keeps to what the header covers) or a stack (sealed shards and the live
 * shard's covered rows).
 */
export function openMember(
  dir: string,
  m: GroupMemberInfo,
  options: { maxHeaderSize?: number },
): NpyReader | NpyStackReader | null {
  const path = pathOf(dir, m);
  if (m.stack !== undefined) {
    const some = ["info", "0.npy", "0.npy.part"].some((f) =>
      fileSize(`${path}/${f}`) > 0
    );
    // A member stack being cleared (its group replaced) holds no row.
    return some && !isClearing(path)
      ? NpyStackReader.openSync(path, headerCapOption(options.maxHeaderSize))
      : null;
  }
  if (fileSize(path) <= 0) return null;
  return NpyReader.openSync(path, {
    allowIncomplete: true,
    ...headerCapOption(options.maxHeaderSize),
  });
}
