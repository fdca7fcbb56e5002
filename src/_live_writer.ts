/**
 * Whether a writer is appending to a file a reader opens: a file holding
 * more bytes than its header counts is an append in progress while a
 * writer holds its lock (the writer rewrites the header after the data),
 * and a crash otherwise.
 *
 * @module
 */

import { judge } from "./_lock.ts";
import { lockPathOf, lockTarget } from "./_lock_names.ts";
import { parseHolder } from "./_lock_text.ts";
import { LOCK_BYTES, unreadable } from "./_lock_refusal.ts";
import { pathFs } from "./_path_fs.ts";

/**
 * For a reader of `path` (`null`: a file object, never followed): a check,
 * made only when the file holds more bytes than its header counts, of
 * whether a writer holds its lock now (alive, on another host, or unknown:
 * Deno without `--allow-run`). A garbage or half-written lock is no
 * writer; another user's lock that this one may not read is one. Never
 * throws.
 *
 * @param path The file opened for reading.
 * @returns `false`, or the check.
 */
export function liveWriter(path: string | null): boolean | (() => boolean) {
  return path !== null && (() => {
    try {
      const fs = pathFs();
      const lockPath = lockPathOf(lockTarget(path));
      const text = fs.readText(lockPath, LOCK_BYTES);
      if (parseHolder(text) === null) return false;
      const verdict = judge(fs, lockPath, text);
      return verdict === "held" || verdict === "unknown";
    } catch (e) {
      // Another user's private lock: its writer may be appending.
      return unreadable(e);
    }
  });
}
