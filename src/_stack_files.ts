/**
 * Opening the files of a stack folder: what is not a regular file there,
 * or an `info` far larger than any stack's, is a damaged stack, refused
 * with the path and the fix; cutting the live shard in place; shard paths;
 * shards left past `info` by a rewrite, refused, and the touch at a seal
 * that keeps a killed writer's shards from looking so.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { kindName, type PathFs } from "./_path_fs.ts";
import { CHUNK_SIZE, recoverSteps } from "./_maintenance.ts";
import { runSync } from "./_io.ts";

/** The error of a stack folder that cannot be opened as it is. */
export function stackError(
  dir: string,
  code: NpyFormatError["code"],
  reason: string,
): NpyFormatError {
  return new NpyFormatError(code, reason, {
    file: dir,
    verb: "open the stack",
    label: `"${dir}"`,
  });
}

/**
 * Opens a file of the stack folder to read it. What is not a regular file
 * there (a folder, a FIFO) is a damaged stack, not a wrong argument: the
 * caller passed the folder.
 *
 * @throws {NpyFormatError} naming the path and the fix.
 */
export function openStackFile(
  dir: string,
  fs: PathFs,
  path: string,
  fix: string,
): ReturnType<PathFs["open"]> {
  try {
    return fs.open(path, "read");
  } catch (e) {
    const kind = e instanceof TypeError ? fs.kind(path) : "file";
    if (kind === "file" || kind === "missing") throw e;
    throw stackError(
      dir,
      "damaged-stack",
      `"${path}" is ${
        kindName(kind)
      }, not a file; move it out of the stack folder${fix}`,
    );
  }
}

export const RESTORE_SHARD = " and restore the shard";

/**
 * Largest `info` read: it lists a few bytes a shard, so this is millions of
 * shards (a sparse 20 GB one was allocated and read whole).
 */
const MAX_INFO_BYTES = 64 * 1024 * 1024;

/** Reads `info` whole. @throws {NpyFormatError} past {@linkcode MAX_INFO_BYTES}. */
export function readInfoBytes(
  fs: PathFs,
  dir: string,
  path: string,
): Uint8Array {
  const f = openStackFile(
    dir,
    fs,
    path,
    " and run recoverStack, which writes info again from the shards",
  );
  try {
    const size = f.sizeSync();
    if (size > MAX_INFO_BYTES) {
      throw stackError(
        dir,
        "damaged-stack",
        `"${path}" has ${size} bytes, more than any stack's info (at most ${MAX_INFO_BYTES}); remove it and run recoverStack, which writes it again from the shards`,
      );
    }
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

/**
 * Cuts the live shard `path` to `rows` rows in place, with no lock file of
 * its own: the caller holds the stack's lock (a stack writer undoing a
 * failed append, on a disk that may be out of inodes for a lock file).
 *
 * @param fs The file system.
 * @param path The live shard.
 * @param rows Rows to keep.
 */
export function cutLiveShard(fs: PathFs, path: string, rows: number): void {
  const f = fs.open(path, "write");
  try {
    runSync(recoverSteps(path, false, undefined, CHUNK_SIZE, rows), f);
  } finally {
    f.closeSync();
  }
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

/**
 * Which shards past `info` a scan takes in as rows: `"none"` (readers, a
 * writer's open: Dask's leftovers refused, see `refuseOlder`), `"ours"`
 * (a group's recovery: shards older than our `info`, which its own cut
 * leaves when killed, but not those beside Dask's), `"all"`
 * (`recoverStack`, the user's choice).
 */
export type TakeLeftovers = "none" | "ours" | "all";

/**
 * Whether `info`'s bytes are this library's: pickle protocol 2, which
 * `pickleStackInfo` writes. Dask's `to_npy_stack` pickles with Python's
 * default protocol (4 or 5), and our writer rewrites such an `info` as
 * its own when it opens the stack, before any seal (see `StackCore`).
 */
export function ourInfo(bytes: Uint8Array): boolean {
  return bytes[0] === 0x80 && bytes[1] === 2;
}

/**
 * Whether `info`, read again now, is still not ours: a writer beside may
 * have made it its own since the scan read it (its shards are then its).
 */
function stillForeign(fs: PathFs, dir: string): boolean {
  let f: ReturnType<PathFs["open"]>;
  try {
    f = fs.open(join(dir, "info"), "read");
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
  try {
    const b = new Uint8Array(2);
    const got = b.subarray(0, f.readSync(b, 0) ?? 0);
    // Empty or zeros (a power cut): read as no info at all, not another's.
    return got.some((x) => x !== 0) && !ourInfo(got);
  } finally {
    f.closeSync();
  }
}

/** Whether an error says that the file is not there. */
export function isMissing(e: unknown): boolean {
  const err = e as { code?: string; name?: string };
  return err?.code === "ENOENT" || err?.name === "NotFound";
}

/**
 * Refuses the unlisted shard `k` left by an earlier stack that Dask's
 * `to_npy_stack` wrote over with fewer shards (it writes `info` first,
 * then its shards, and leaves the old ones past them), not sealed by a
 * writer killed before it rewrote `info`:
 *
 * - beside an `info` this library did not write (`foreign`, see
 *   `ourInfo`), whatever the times: our writer makes `info` its own
 *   before its first seal, so the shard is not its; times do not tell
 *   (a shard and `info` in one tick, a copy with new times);
 * - beside ours, when older than `info` (modified at `infoTime`): its
 *   writer touches a shard as it seals it, after the `info` before (see
 *   `freshenShard`); equal times (a coarse file system) are a killed
 *   writer's.
 *
 * @throws {NpyFormatError} naming the shards and the fix.
 */
export function refuseOlder(
  dir: string,
  fs: PathFs,
  k: number,
  listed: number,
  infoTime: number,
  foreign: boolean,
  take: TakeLeftovers,
): void {
  if (foreign) {
    if (!stillForeign(fs, dir)) return;
  } else if (take === "ours") {
    return;
  } else {
    const t = fs.modifiedMs(shardPath(dir, k));
    if (t === null || t >= infoTime) return;
  }
  let last = k;
  while (fs.exists(shardPath(dir, last + 1))) last++;
  const one = last === k;
  const names = one ? `${k}.npy` : `${k}.npy .. ${last}.npy`;
  const shards = listed === 1 ? "1 shard" : `${listed} shards`;
  const why = foreign
    ? ", an info this library's writer did not write"
    : ", older than info";
  throw stackError(
    dir,
    "damaged-stack",
    `its info lists ${shards} but "${shardPath(dir, k)}"${
      one ? " follows" : ` and the ${last - k} after it follow`
    }${why}: left over, it seems, from an earlier stack that dask.array.to_npy_stack wrote over (Dask reads the listed ${shards} only); remove (or move out) ${names} to read what Dask reads, or run recoverStack to take ${
      one ? "it" : "them"
    } in as rows`,
  );
}

/**
 * Refuses the live shard `{n}.npy.part` (`n`: the shards the folder
 * holds) beside an `info` this library did not write: a writer of ours
 * killed before Dask's `to_npy_stack` wrote over its stack with as many
 * shards left it, and Dask never reads it (our writer makes `info` its
 * own before it makes a live shard).
 *
 * @throws {NpyFormatError} naming the live shard and the fix.
 */
export function refuseForeignPart(dir: string, fs: PathFs, n: number): void {
  const part = partPath(dir, n);
  if (!fs.exists(part) || !stillForeign(fs, dir)) return;
  throw stackError(
    dir,
    "damaged-stack",
    `"${part}" is a live shard of this library's writer beside an info it did not write: left over, it seems, from a stack that dask.array.to_npy_stack wrote over (Dask never reads it); remove (or move out) ${n}.npy.part to read what Dask reads, or run recoverStack to take its rows in`,
  );
}

/**
 * Touches the live shard `{n}.npy.part` just before it is sealed (writes
 * its magic again, the same bytes): its time is then past the `info`
 * written before, even when its last rows came before that `info` (a seal
 * at `close()`), so a kill before `info` is rewritten leaves a shard
 * `scanStack` reads, not one it refuses as older (see `refuseOlder`).
 * When the shard is still older than `info` (the clock stepped back since
 * `info` was written), `rewriteInfo` writes `info` again (the shards it
 * lists) and the shard is touched again, after it.
 */
export function freshenShard(
  fs: PathFs,
  dir: string,
  n: number,
  fsync: boolean,
  rewriteInfo: () => void,
): void {
  const path = partPath(dir, n);
  refuseWrittenOver(dir, fs, n);
  touchShard(fs, path, fsync);
  const infoTime = fs.modifiedMs(join(dir, "info"));
  const t = fs.modifiedMs(path);
  if (infoTime === null || t === null || t >= infoTime) return;
  rewriteInfo();
  touchShard(fs, path, fsync);
}

/**
 * Refuses to seal the live shard `{n}.npy.part` when another program
 * wrote over the stack while its writer held it (Dask's `to_npy_stack`
 * knows no lock): `{n}.npy` is already there (the rename would replace
 * it), or `info` is not ours (the next `info` would list our shards over
 * the other program's). Nothing is changed; the live shard keeps its rows.
 *
 * @throws {NpyFormatError} naming the files and the fix.
 */
function refuseWrittenOver(dir: string, fs: PathFs, n: number): void {
  const shard = shardPath(dir, n);
  const there = fs.exists(shard);
  if (!there && !stillForeign(fs, dir)) return;
  const what = there
    ? `"${shard}" is already there`
    : `its info "${join(dir, "info")}" is not this writer's`;
  throw new NpyFormatError(
    "damaged-stack",
    `${what}: another program, such as dask.array.to_npy_stack, wrote over the stack while this writer held it; nothing was changed, and this writer's rows since its last seal stay in "${
      partPath(dir, n)
    }" (a .npy file np.load reads). Close this writer, then remove that file to keep what the other program wrote, or move it out to keep its rows`,
    { file: dir, verb: "seal the live shard of the stack", label: `"${dir}"` },
  );
}

function touchShard(fs: PathFs, path: string, fsync: boolean): void {
  const f = fs.open(path, "write");
  try {
    const magic = new Uint8Array(6);
    if (f.readSync(magic, 0) === 6) {
      f.writeSync(magic, 0);
      if (fsync) f.syncSync?.();
    }
  } finally {
    f.closeSync();
  }
}
