/**
 * Opening the files of a stack folder: what is not a regular file there,
 * or an `info` far larger than any stack's, is a damaged stack, refused
 * with the path and the fix; cutting the live shard in place.
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
