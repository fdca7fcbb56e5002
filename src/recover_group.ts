/**
 * Repairing a group after a crash: every member cut to the rows that all
 * of them hold.
 *
 * @module
 */

import { checkOptions } from "./_options_check.ts";
import { HEADER_OPTIONS } from "./_option_kinds.ts";
import type { ParseHeaderOptions } from "./header.ts";
import { toPath } from "./_path_fs.ts";
import { acquireFolderLock } from "./_folder_lock.ts";
import { afterFinished, finishedButLocked } from "./_lock_release.ts";
import { readGroupJson } from "./_group_layout.ts";
import { cutGroupSync } from "./_group_cut.ts";
import { rebuildGroupJson } from "./_group_rebuild.ts";

/**
 * Synchronous {@linkcode recoverGroup}.
 *
 * @example Cut the member that got ahead
 * ```ts
 * import { NpyAppendArraySync, NpyGroupWriterSync, recoverGroupSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const group = NpyGroupWriterSync.open(dir, { members: { x: "<f8", y: "<i4" } });
 * group.append({ x: [1, 2], y: new Int32Array([1, 2]) });
 * group.close();
 * // A crash between two members' appends leaves x one row ahead.
 * const x = NpyAppendArraySync.open(`${dir}/x.npy`);
 * x.append([3]);
 * x.close();
 * assert.equal(recoverGroupSync(dir), 2);
 * ```
 *
 * @param dir The group folder: a path or a `file:` URL.
 * @param options `maxHeaderSize`.
 * @returns The rows every member holds afterwards.
 * @throws {NpyLockedError} when a writer holds the group.
 * @throws {NpyFormatError} when the folder is not a group, a member is not a valid `.npy` file, or a member is lost (missing, empty or not a file) while another holds rows; when `group.json` is missing and cannot be rebuilt.
 * @throws {TypeError} when `group.json` is not a regular file (move it away, then call this again).
 * @throws {RangeError} when a member's header has no room to grow (call `ensureAppendable` on it).
 */
export function recoverGroupSync(
  dir: string | URL,
  options: ParseHeaderOptions = {},
): number {
  options = checkOptions(options, "recover", dir, HEADER_OPTIONS);
  const path = toPath(dir);
  const lock = acquireFolderLock(path, "recover");
  // A member's lock file not removed after its step (a failing disk):
  // the rest goes on, then the finished call says so, as for a file.
  const left: unknown[] = [];
  const rows = afterFinished(
    () => {
      const info = readGroupJson(path, "recover") ??
        rebuildGroupJson(path, options.maxHeaderSize, left);
      return cutGroupSync(
        path,
        info,
        options.maxHeaderSize,
        false,
        "recover",
        Infinity,
        left,
      );
    },
    () => lock.release(),
    "recover",
    path,
  );
  if (left.length > 0) throw finishedButLocked(left[0], "recover", path);
  return rows;
}

/**
 * Repairs a group after a crash: cuts every member to the rows that all
 * of them hold, so the members are aligned again; every acknowledged
 * append survives (a group append writes every member's data before any
 * header). A member file that is missing or empty holds 0 rows only
 * while `group.json` has no dtype for it (a crash inside the first
 * append); once it has, such a member (or one replaced by a folder) is
 * lost and the group is refused, changing nothing, if another member holds
 * rows. Takes the
 * group's lock. Like NumPy's own files, members are plain `.npy`: this is
 * `recover` applied to each, with the shortest member's length.
 *
 * A group folder whose `group.json` is gone (removed, or moved away
 * because it was a FIFO, a folder or a device, which is refused) gets it
 * written again from its member files, as `recoverStack` writes a stack's
 * `info` from its shards: each `<name>.npy` is a member with the dtype and
 * order its header holds, ordered by name. Only where that is unambiguous;
 * otherwise it is refused, nothing written, naming the fix: a member file
 * that is empty or not a `.npy` file, members holding different rows, a
 * stack member (its `shardRows`/`shardBytes` are in no file: write
 * `group.json` by hand), a stack's folder.
 *
 * @example After a crash
 * ```ts
 * import { NpyGroupWriterSync, recoverGroup } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const group = NpyGroupWriterSync.open(dir, { members: { x: "<f4" } });
 * group.append({ x: new Float32Array([1, 2, 3]) });
 * group.close();
 * assert.equal(await recoverGroup(dir), 3);
 * ```
 *
 * @param dir The group folder: a path or a `file:` URL.
 * @param options `maxHeaderSize`.
 * @returns The rows every member holds afterwards.
 * @throws {NpyLockedError} when a writer holds the group.
 * @throws {NpyFormatError} when the folder is not a group, a member is not a valid `.npy` file, or a member is lost (missing, empty or not a file) while another holds rows; when `group.json` is missing and cannot be rebuilt.
 * @throws {TypeError} when `group.json` is not a regular file (move it away, then call this again).
 * @throws {RangeError} when a member's header has no room to grow.
 */
export function recoverGroup(
  dir: string | URL,
  options: ParseHeaderOptions = {},
): Promise<number> {
  try {
    return Promise.resolve(recoverGroupSync(dir, options));
  } catch (e) {
    return Promise.reject(e);
  }
}
