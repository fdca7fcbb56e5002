/**
 * The checks and clean-up of opening a group (`GroupCore.open`): declared
 * members against `group.json`, the stack rotation asked for against the
 * group's, and the removal of a group started afresh.
 *
 * @module
 */

import { parseDType } from "./dtype.ts";
import { NpyFormatError } from "./errors.ts";
import { statPath } from "./_path_meta.ts";
import {
  fileSize,
  type GroupInfo,
  memberPath,
  pathOf,
  readGroupJson,
  rotation,
  type StackRotation,
  writeGroupJson,
} from "./_group_layout.ts";
import { pathFs } from "./_path_fs.ts";
import { StackCore } from "./_stack_core.ts";
import { checkShardOption } from "./_stack_options.ts";
import type {
  GroupMemberOptions,
  NpyGroupWriterOptions,
} from "./_group_options.ts";

/** Refuses declared members (names, dtypes, order) that differ from the group's. */
export function checkDeclared(
  dir: string,
  info: GroupInfo,
  declared: Map<string, GroupMemberOptions>,
  unsized: Map<string, TypeError> = new Map(),
): void {
  if (declared.size === 0) return;
  const have = info.members.map((m) => m.name);
  const same = have.length === declared.size &&
    have.every((n) => declared.has(n));
  if (!same) {
    throw new RangeError(
      `Cannot open group "${dir}": it has members ${have.join(", ")}, not ${
        [...declared.keys()].join(", ")
      }; pass the same members or leave members out to continue it (a file listed in group.json that is no member: move it out of the folder and off the list), or use deleteIfExists to start over without any member's rows`,
    );
  }
  for (const m of info.members) {
    const o = declared.get(m.name)!;
    const u = unsized.get(m.name);
    if (u && (m.dtype === null || parseDType(o.dtype!).str !== m.dtype)) {
      throw u;
    }
    if (o.dtype !== undefined && m.dtype !== null) {
      const want = parseDType(o.dtype).str;
      if (want !== m.dtype) {
        throw new TypeError(
          `Cannot open group "${dir}": member "${m.name}" has dtype "${m.dtype}", not "${want}"; pass "${m.dtype}" or leave the dtype out to continue it, or use deleteIfExists`,
        );
      }
    }
    if (o.fortranOrder !== undefined && o.fortranOrder !== m.fortranOrder) {
      throw new TypeError(
        `Cannot open group "${dir}": member "${m.name}" has fortranOrder ${m.fortranOrder}, not ${o.fortranOrder}; pass ${m.fortranOrder} or leave it out to continue it, or use deleteIfExists`,
      );
    }
  }
}

/**
 * Removes a group's member files and stacks (those named and those its
 * `group.json` lists). Its commit point comes first: `group.json`
 * rewritten with no member's dtype recorded, so a member removed before a
 * kill reads as one never appended to (the group's length 0), not as lost
 * beside the others' rows (the group refused as damaged); it stays until
 * the new `group.json` is renamed over it, so there is no moment without
 * one. A `group.json` that cannot be read is removed last.
 */
export function removeGroup(
  dir: string,
  names: string[],
  fsync: boolean,
): void {
  const old = (() => {
    try {
      return readGroupJson(dir);
    } catch {
      return null;
    }
  })();
  const all = new Set([...names, ...(old?.members.map((m) => m.name) ?? [])]);
  const fs = pathFs();
  if (old !== null) {
    writeGroupJson(dir, {
      ...old,
      members: old.members.map((m) => ({ ...m, dtype: null })),
    }, fsync);
  }
  for (const name of all) {
    const path = memberPath(dir, name);
    if (fileSize(path) >= 0) fs.remove(path);
    const folder = memberPath(dir, name, true);
    if (holdsStack(folder)) {
      new StackCore(folder, { deleteIfExists: true }, "write").close();
    }
  }
  const json = `${dir}/group.json`;
  if (old === null && fileSize(json) >= 0) fs.remove(json);
}

/** Whether a folder holds (part of) a stack: `info`, `0.npy` or `0.npy.part`. */
export function holdsStack(path: string): boolean {
  return ["info", "0.npy", "0.npy.part"].some((f) =>
    fileSize(`${path}/${f}`) >= 0
  );
}

/** The stack rotation the options ask for, `undefined` for plain files. */
export function groupRotation(
  dir: string,
  options: NpyGroupWriterOptions,
): StackRotation | undefined {
  const what = `open group "${dir}"`;
  const rows = checkShardOption(options.shardRows, "shardRows", what);
  const bytes = checkShardOption(options.shardBytes, "shardBytes", what);
  return rows === undefined && bytes === undefined
    ? undefined
    : rotation(rows, bytes);
}

/** An existing group continues as it was written: files or stacks, same rotation. */
export function checkRotation(
  dir: string,
  info: GroupInfo,
  rot: StackRotation | undefined,
): void {
  if (rot === undefined) return;
  for (const m of info.members) {
    const have = m.stack;
    if (
      have === undefined || have.shardRows !== rot.shardRows ||
      have.shardBytes !== rot.shardBytes
    ) {
      throw new TypeError(
        `Cannot open group "${dir}": member "${m.name}" is ${
          have === undefined
            ? "one .npy file, not a stack"
            : `a stack with ${JSON.stringify(have)}, not ${JSON.stringify(rot)}`
        }; leave shardRows and shardBytes out to continue it as written, or use deleteIfExists`,
      );
    }
  }
}

/**
 * Refuses a group two of whose members are one file (or one stack
 * folder): a hard link or a symlink between them. Each member's writer
 * would append to the other's rows; the lock, by device and inode, said
 * only "this process holds it". Checked before anything is changed.
 *
 * @throws {NpyFormatError} naming both members, their paths and the fix.
 */
export function refuseOneFile(dir: string, info: GroupInfo, verb: string) {
  const seen = new Map<string, number>();
  info.members.forEach((m, i) => {
    const path = pathOf(dir, m);
    let id: string | null;
    try {
      id = statPath(path, verb).id;
    } catch {
      return; // missing or unreadable: the member checks say so
    }
    if (id === null) return;
    const j = seen.get(id);
    if (j === undefined) {
      seen.set(id, i);
      return;
    }
    const other = info.members[j]!;
    const otherPath = pathOf(dir, other);
    const [what, fix] = m.stack !== undefined
      ? [
        "stack folder",
        "replace the one that is a symlink by a copy of the folder",
      ]
      : [
        "file",
        `copy "${otherPath}" to a new name in the folder and rename the copy over "${path}"`,
      ];
    throw new NpyFormatError(
      "damaged-group",
      `members "${other.name}" ("${otherPath}") and "${m.name}" ("${path}") are one ${what} (a hard link or symlink joins them), so an append to one would write into the other; give "${m.name}" a ${what} of its own: ${fix} (nothing was changed)`,
      { file: dir, verb: `${verb} group`, label: `"${dir}"` },
    );
  });
}
