/**
 * Member names: the characters a member's name may hold, the group's own
 * file names a stack member cannot take, and the names a new group must
 * not take for the file systems it may be copied to (Windows, macOS):
 * device names, a final `.`, names that differ only in case.
 *
 * @module
 */

import {
  fileSize,
  groupJsonPath,
  isMemberName,
  STACK_CLASH,
} from "./_group_layout.ts";

/** Windows device names: there `con.npy` (any suffix) is the console. */
const DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * Checks the member names of a group being created for other file
 * systems: no Windows device name (`con`, `nul.x`), no final `.` (Windows
 * drops it), no two names that differ only in case (one file on macOS and
 * Windows), unless `group.json` exists and is kept (not `fresh`).
 *
 * @throws {RangeError} naming the folder, the name and the fix.
 */
export function checkPortableNames(
  dir: string,
  names: string[],
  fresh: boolean,
): void {
  try {
    if (!fresh && fileSize(groupJsonPath(dir)) >= 0) return;
  } catch {
    return; // not a file: refused when read
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const other = seen.get(name.toLowerCase());
    const why = DEVICE.test(name)
      ? "is a device name on Windows (no file can have it)"
      : name.endsWith(".")
      ? 'ends in ".", which Windows drops'
      : other !== undefined
      ? `differs from ${
        JSON.stringify(other)
      } only in case (one file on macOS and Windows)`
      : undefined;
    if (why !== undefined) {
      throw new RangeError(
        `Cannot create group "${dir}": member name ${
          JSON.stringify(name)
        } ${why}; use another name`,
      );
    }
    seen.set(name.toLowerCase(), name);
  }
}

/**
 * Checks a member name: letters, digits, `_`, `-`, `.` (not first), at
 * most 100 characters, so that `<name>.npy` is a plain file in the folder;
 * in a group of stacks (`stack`), no name of the group's own files.
 *
 * @throws {RangeError} for a name that is not usable.
 */
export function checkMemberName(
  dir: string,
  name: string,
  stack: boolean = false,
): void {
  if (!isMemberName(name)) {
    throw new RangeError(
      `Cannot open group "${dir}": member name ${
        JSON.stringify(name)
      } is not usable; use letters, digits, "_", "-" and "." (not first), at most 100 characters`,
    );
  }
  if (stack && STACK_CLASH.test(name)) {
    throw new RangeError(
      `Cannot open group "${dir}": member name ${
        JSON.stringify(name)
      } is the name of one of the group's own files in a group of stacks (group.json, a member's <name>.lock); use another name`,
    );
  }
}
