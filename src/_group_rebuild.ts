/**
 * A group folder without its `group.json` (removed, or moved away because
 * it was a FIFO, a folder or a device): `recoverGroup` rebuilds it from the
 * member files when they are unambiguous, as `recoverStack` rebuilds a
 * stack's `info` from its shards; the reader and the writer name that way
 * out.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import type { NpyHeader } from "./header.ts";
import { kindName, pathFs } from "./_path_fs.ts";
import { infoSteps, onTargetSync } from "./_maintenance.ts";
import {
  GROUP_FORMAT,
  GROUP_VERSION,
  type GroupInfo,
  groupJsonPath,
  type GroupMemberInfo,
  isMemberName,
  join,
  memberInfo,
  readGroupJson,
  writeGroupJson,
} from "./_group_layout.ts";
import { memberRowsSync } from "./_group_cut.ts";
import { holdsStack } from "./_group_open.ts";
import { commandLineRecover, groupRebuildCall } from "./_group_words.ts";
import { evenIfLockLeft } from "./_lock_release.ts";

/**
 * What to say where a folder has no `group.json`: `""` for a folder
 * holding no member file (`<name>.npy`, a stack member's folder), else
 * the way out from `"; "`: `recoverGroup`, or for a stack member (which
 * it cannot rebuild) `group.json` by hand, then `recoverGroup`.
 */
export function lostGroupJsonHint(dir: string): string {
  let names: string[];
  try {
    names = pathFs().list(dir);
  } catch {
    return "";
  }
  const lost = `; if it is a group whose group.json was lost, `;
  // A stack member's rotation is in no file: the rebuild refuses it.
  if (names.some((e) => isMemberName(e) && holdsStack(join(dir, e)))) {
    return `${lost}write group.json by hand (README "Groups" shows its format, a stack member with "stack": {"shardRows": N}), then run recoverGroup(${
      JSON.stringify(dir)
    }) ${commandLineRecover(dir, false)}, keeping every row`;
  }
  const some = names.some((e) =>
    /\.npy$/.test(e) && isMemberName(e.slice(0, -4))
  );
  return some
    ? `${lost}${
      groupRebuildCall(dir)
    } rebuilds it from the member files, keeping every row`
    : "";
}

/**
 * Refuses a group path that is no folder (a `.npy` file), a stack's folder
 * (`info` and no `group.json`: Ray would read the members as shards), or,
 * unless `mayBeMissing`, a missing folder; each a `TypeError` saying what
 * to open instead.
 *
 * @param dir The group folder.
 * @param verb What the caller does: `"open"`, `"read"`.
 * @param mayBeMissing True where the caller makes the folder (writers).
 */
export function checkGroupFolder(
  dir: string,
  verb: string,
  mayBeMissing: boolean,
): void {
  const fs = pathFs();
  const head = `Cannot ${verb} group "${dir}": `;
  const kind = fs.kind(dir);
  if (kind === "missing" && mayBeMissing) return;
  if (kind === "missing") {
    throw new TypeError(`${head}the folder does not exist; check the path`);
  }
  if (kind !== "directory") {
    throw new TypeError(
      `${head}it is ${
        kindName(kind)
      }, not a folder; a group is a folder of .npy files, so pass a folder path (a .npy file is read by readNpy or NpyReader, written by NpyAppendArray)`,
    );
  }
  if (
    fs.kind(groupJsonPath(dir)) === "missing" &&
    fs.kind(join(dir, "info")) === "file"
  ) {
    throw new TypeError(
      `${head}it is a stack's folder (it holds info, Dask's npy-stack); open it with NpyStackWriter or NpyStackReader, or pass another folder`,
    );
  }
}

/** Reads `group.json`, refusing a folder that is not a group. */
export function requireGroupJson(dir: string, verb: string): GroupInfo {
  const info = readGroupJson(dir, verb);
  if (info === null) {
    const hint = lostGroupJsonHint(dir);
    throw new NpyFormatError(
      "damaged-group",
      `it has no group.json${hint}; ${
        hint === "" ? "" : "otherwise "
      }pass the folder that NpyGroupWriter wrote`,
      { file: dir, verb: `${verb} group`, label: `"${dir}"` },
    );
  }
  return info;
}

/**
 * Writes `group.json` again from the member files of a folder that has
 * none (the caller holds the group's lock): each `<name>.npy` is a member
 * with the dtype and order its header holds (not a 0-d one or one of
 * Python objects: no writer makes them), in name order (JavaScript's
 * sort: by UTF-16 code units), written atomically and durably. Refused,
 * nothing written, where that is not unambiguous: a stack's folder, a
 * stack member (its rotation is in no file), a member file that is empty,
 * not a `.npy` file or not a regular file, members holding different
 * rows, no member at all. A member's lock file not removed after its
 * header was read goes into `left` (see `evenIfLockLeft`).
 *
 * @throws {NpyFormatError} naming the file and the fix.
 */
export function rebuildGroupJson(
  dir: string,
  maxHeaderSize: number | undefined,
  left: unknown[],
): GroupInfo {
  const fail = (why: string, e?: unknown): never => {
    throw new NpyFormatError(
      "damaged-group",
      `it has no group.json${why}; nothing was changed`,
      {
        file: dir,
        verb: "recover group",
        label: `"${dir}"`,
        ...(e !== undefined ? { cause: e } : {}),
      },
    );
  };
  const byHand =
    `write group.json by hand (README "Groups" shows its format), then run recoverGroup again ${
      commandLineRecover(dir, false)
    }`;
  if (holdsStack(dir)) {
    fail(
      `, and it is a stack's folder (it holds info, 0.npy or 0.npy.part): run recoverStack on it (command line: "npy-append-array recover ${dir}", without --group); if it is a group with a member "0", ${byHand}`,
    );
  }
  const fs = pathFs();
  const members: GroupMemberInfo[] = [];
  for (const e of fs.list(dir).sort()) {
    const path = join(dir, e);
    const plain = /\.npy$/.test(e) && isMemberName(e.slice(0, -4));
    if (!plain && !isMemberName(e)) continue;
    const kind = fs.kind(path);
    if (kind === "directory") {
      if (holdsStack(path)) {
        fail(
          `, and "${path}" holds a stack, a member of a group of stacks: its rotation (shardRows, shardBytes) is in no file, so ${byHand}, with "stack": {"shardRows": N} in that member's entry`,
        );
      }
      continue;
    }
    if (!plain) continue;
    const again = `move it out of the folder, then run ${
      groupRebuildCall(dir)
    } again`;
    if (kind !== "file") {
      fail(
        `, and "${path}" is ${
          kind === "missing" ? "a symlink to nothing" : kindName(kind)
        }, not a regular file; if it is not a member, ${again}`,
      );
    }
    if ((fs.size(path) ?? 0) === 0) {
      fail(
        `, and "${path}" is empty (a member whose writer was killed as it created it, or not a member): ${again}`,
      );
    }
    let header: NpyHeader;
    try {
      header = evenIfLockLeft<NpyHeader>(
        (finished) =>
          onTargetSync(path, "read", "recover", function* (label) {
            return finished(
              (yield* infoSteps("recover", label, maxHeaderSize)).header,
            );
          }),
        left,
      );
    } catch (err) {
      if (!(err instanceof NpyFormatError)) throw err;
      fail(
        `, and "${path}" cannot be read as a member (${err.message}); if it is not a member, ${again}`,
        err,
      );
    }
    // No group writer makes a 0-d array (no axis to grow) or one of
    // Python objects: a user's file, which as a member would block every
    // writer (and whose pickle's bytes are no count of rows).
    if (header!.shape.length === 0 || header!.dtype.hasObject) continue;
    members.push(
      memberInfo(e.slice(0, -4), header!.dtype.str, header!.fortranOrder),
    );
  }
  if (members.length === 0) {
    fail(
      " and no member files (<name>.npy); pass the folder that NpyGroupWriter wrote",
    );
  }
  const info = { format: GROUP_FORMAT, version: GROUP_VERSION, members };
  const rows = memberRowsSync(
    dir,
    info,
    maxHeaderSize,
    "recover",
    [],
    left,
  );
  if (rows.some((n) => n !== rows[0])) {
    const list = members.map((m, i) =>
      `"${m.file}" ${i === 0 ? `holds ${rows[i]} rows` : rows[i]}`
    );
    const last = list.pop()!;
    fail(
      `, and its member files hold different rows: ${
        list.join(", ")
      } and ${last}; move every file that is not a member out of the folder, then run ${
        groupRebuildCall(dir)
      } again; if all are members (a kill between their appends), ${byHand}, and it cuts them to the fewest rows`,
    );
  }
  writeGroupJson(dir, info, true);
  return info;
}
