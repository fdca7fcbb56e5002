/**
 * Power loss on paths (README, "Guarantees"): with `fsync: true`, every
 * byte and every name a writer acknowledges is on the disk when it
 * acknowledges it. Seen in the system calls of a child (`strace -f -y`),
 * which prints `ack` after each acknowledged call (`_fsync_child.ts`;
 * `begin` ends its own set-up):
 *
 * - a file written before an `ack` is synced (`fsync`/`fdatasync`) after
 *   its last write and before the `ack`, unless it was removed;
 * - a file renamed or linked to another name is synced before that;
 * - a folder where a name was made, renamed or removed is synced after
 *   that and before the `ack`.
 *
 * Lock files (`x.npy.lock` and its temporaries) are exempt: a lock lost to
 * a power cut is a lock whose holder is gone. With `fsync: false` the same
 * checks fail (they can fail). `power_loss_test.ts` checks what a cut
 * leaves on a model of a disk; this checks the calls that make a real
 * disk keep it.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "./_numpy.ts";
import { straceLines, straceOptions } from "./_strace.ts";

const options = straceOptions;

/** What `_fsync_child.ts` can run. */
const KINDS = [
  "append",
  "append-async",
  "atomic",
  "replace",
  "stack",
  "group",
  "group-stacks",
  "ensure",
  "ensure-inplace",
] as const;

const CALLS = [
  "openat",
  "write",
  "pwrite64",
  "writev",
  "pwritev",
  "pwritev2",
  "ftruncate",
  "fsync",
  "fdatasync",
  "rename",
  "renameat",
  "renameat2",
  "link",
  "linkat",
  "unlink",
  "unlinkat",
  "mkdir",
  "mkdirat",
  "rmdir",
];

/** A file's path as `-y` shows it, without ` (deleted)`. */
function clean(path: string): string {
  return path.replace(/\(deleted\)$/, "").replace(/\/$/, "");
}

/** The quoted paths of a call, resolved against the folders before them. */
function quotedPaths(args: string): string[] {
  const out: string[] = [];
  const re = /(?:<([^>]*)>, )?"([^"]*)"/g;
  for (const m of args.matchAll(re)) {
    const [, base, p] = m as unknown as [string, string | undefined, string];
    out.push(p.startsWith("/") || base === undefined ? p : join(base, p));
  }
  return out;
}

/**
 * The failures of the rules above in the trace of `kind`, as sentences.
 */
function unsynced(kind: string, fsync: boolean): string[] {
  const dir = realpathSync(tempDir());
  const lines = straceLines(
    new URL("./_fsync_child.ts", import.meta.url),
    [dir, String(fsync), kind],
    CALLS,
  );
  const mine = (p: string) =>
    p.startsWith(dir + "/") && !/\.lock(\.[^/]*)?$/.test(p);
  const dirtyFiles = new Set<string>();
  const dirtyFolders = new Set<string>();
  const failures: string[] = [];
  let acks = 0;
  for (const line of lines) {
    if (/ = -1 /.test(line)) continue;
    const call = /^(\w+)\((.*)$/.exec(line);
    if (call === null) continue;
    const [, name, rest] = call as unknown as [string, string, string];
    const fd = /^(\d+)<([^>]*)>/.exec(rest);
    if (/^(write|pwrite64|writev|pwritev2?|ftruncate)$/.test(name)) {
      if (fd?.[1] === "1" && rest.includes('"begin')) {
        // The child's own set-up before it: not the library's to sync.
        dirtyFiles.clear();
        dirtyFolders.clear();
      } else if (fd?.[1] === "1" && rest.includes('"ack')) {
        acks++;
        for (const f of dirtyFiles) failures.push(`ack ${acks}: ${f} unsynced`);
        for (const d of dirtyFolders) {
          failures.push(`ack ${acks}: folder ${d} unsynced`);
        }
        dirtyFiles.clear();
        dirtyFolders.clear();
      } else if (fd !== null && mine(clean(fd[2]!))) {
        dirtyFiles.add(clean(fd[2]!));
      }
    } else if (name === "fsync" || name === "fdatasync") {
      if (fd !== null) {
        dirtyFiles.delete(clean(fd[2]!));
        dirtyFolders.delete(clean(fd[2]!));
      }
    } else if (name === "openat") {
      const made = / = \d+<([^>]*)>$/.exec(rest);
      if (made && /O_CREAT/.test(rest) && mine(clean(made[1]!))) {
        dirtyFolders.add(dirname(clean(made[1]!)));
      }
    } else if (/^(rename|renameat2?|link|linkat)$/.test(name)) {
      const [from, to] = quotedPaths(rest);
      if (from === undefined || to === undefined || !mine(to)) continue;
      if (dirtyFiles.has(from)) {
        failures.push(`${from} ${name} to ${to} before its bytes were synced`);
      }
      if (name.startsWith("rename")) {
        dirtyFiles.delete(from);
        dirtyFiles.delete(to); // the file it replaced is gone
      }
      dirtyFolders.add(dirname(from));
      dirtyFolders.add(dirname(to));
    } else if (/^(unlink|unlinkat|rmdir|mkdir|mkdirat)$/.test(name)) {
      const [p] = quotedPaths(rest);
      if (p === undefined || !mine(p)) continue;
      dirtyFiles.delete(p);
      dirtyFolders.add(dirname(p));
    }
  }
  assert.ok(acks > 0, `${kind}: no ack in the trace`);
  return failures;
}

describe("fsync: true makes acknowledged bytes and names durable", () => {
  for (const kind of KINDS) {
    test(`${kind}: synced before every ack`, options, () => {
      assert.deepEqual(unsynced(kind, true), []);
    });
  }

  test(
    "fsync: false leaves them unsynced (the check can fail)",
    options,
    () => {
      // ensureAppendable has no fsync option: it always syncs.
      for (const kind of KINDS.filter((k) => !k.startsWith("ensure"))) {
        assert.notDeepEqual(unsynced(kind, false), [], kind);
      }
    },
  );
});
