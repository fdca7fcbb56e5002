/**
 * How messages name the fix for a group's lost `group.json`, for both
 * kinds of user: the library's call and the command line's.
 *
 * @module
 */

/**
 * The call that rebuilds a lost `group.json`, for messages: the library's
 * and the command line's (whose plain `recover DIR` does not take a
 * folder without `group.json` for a group).
 *
 * @param dir The group folder.
 * @returns The words.
 */
export function groupRebuildCall(dir: string): string {
  return `recoverGroup(${
    JSON.stringify(dir)
  }) (command line: "npy-append-array recover --group ${dir}")`;
}
