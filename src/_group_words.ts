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
  return `recoverGroup(${JSON.stringify(dir)}) ${
    commandLineRecover(dir, true)
  }`;
}

/**
 * The command line's `recover` of `dir`, for messages, in parentheses
 * after the library's call: with `--group` where it must rebuild a lost
 * `group.json`, without where the folder already has one (written by
 * hand) or is a stack's.
 *
 * @param dir The folder.
 * @param rebuild Whether `group.json` is to be rebuilt (`--group`).
 * @returns The words.
 */
export function commandLineRecover(dir: string, rebuild: boolean): string {
  return `(command line: "npy-append-array recover ${
    rebuild ? "--group " : ""
  }${dir}")`;
}
