/**
 * Stacks with `fsync: true` sync their folder after each rename (a shard
 * sealed, `info` replaced), so that a power cut keeps the new names: seen
 * in the system calls of a child traced by `strace -f -y`, never by timing.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { tempDir } from "./_numpy.ts";
import { straceLines, straceOptions } from "./_strace.ts";

const options = straceOptions;

interface Call {
  kind: "rename" | "sync";
  /** rename: the new name; sync: the synced file or folder. */
  path: string;
}

/** The renames and fsyncs of a child writing a stack, in order. */
function trace(dir: string, fsync: boolean, group = false): Call[] {
  const lines = straceLines(
    new URL("./_stack_fsync_child.ts", import.meta.url),
    [dir, String(fsync), ...(group ? ["group"] : [])],
    ["fsync", "fdatasync", "rename", "renameat", "renameat2"],
  );
  const calls: Call[] = [];
  for (const line of lines) {
    if (/ = -1 /.test(line)) continue;
    const sync = /\b(?:fsync|fdatasync)\(\d+<([^>]*)>/.exec(line);
    if (sync) calls.push({ kind: "sync", path: sync[1]! });
    const ren = /\brename(?:at2?)?\(.*"([^"]*)"/.exec(line);
    if (ren && !sync) calls.push({ kind: "rename", path: ren[1]! });
  }
  return calls;
}

/**
 * For each rename into `dir` (or a folder in it), whether that folder is
 * synced before the next rename.
 */
function syncedAfterRenames(calls: Call[], dir: string): boolean[] {
  const out: boolean[] = [];
  calls.forEach((c, i) => {
    if (c.kind !== "rename" || !c.path.startsWith(dir + "/")) return;
    const folder = c.path.slice(0, c.path.lastIndexOf("/"));
    let synced = false;
    for (const d of calls.slice(i + 1)) {
      if (d.kind === "rename") break;
      if (d.path === folder) synced = true;
    }
    out.push(synced);
  });
  return out;
}

test(
  "fsync: true syncs the stack folder after every shard seal and info replace",
  options,
  () => {
    const dir = realpathSync(tempDir());
    const calls = trace(dir, true);
    const renamed = calls.filter((c) =>
      c.kind === "rename" && c.path.startsWith(dir + "/")
    ).map((c) => c.path.slice(dir.length + 1));
    // Three shards sealed (2, 2, 1 rows), info replaced after each.
    assert.deepEqual(renamed, [
      "0.npy",
      "info",
      "1.npy",
      "info",
      "2.npy",
      "info",
    ]);
    assert.deepEqual(syncedAfterRenames(calls, dir), Array(6).fill(true));
  },
);

test(
  "fsync: false leaves the folder unsynced (the check above can fail)",
  options,
  () => {
    const dir = realpathSync(tempDir());
    const calls = trace(dir, false);
    const after = syncedAfterRenames(calls, dir);
    assert.equal(after.length, 6);
    assert.deepEqual(after, Array(6).fill(false));
  },
);

test(
  "a group of stacks with fsync: true syncs each folder after its renames (group.json, shards, info)",
  options,
  () => {
    const dir = realpathSync(tempDir());
    const calls = trace(dir, true, true);
    const renamed = calls.filter((c) =>
      c.kind === "rename" && c.path.startsWith(dir + "/")
    ).map((c) => c.path.slice(dir.length + 1));
    // group.json at creation and when the dtypes are recorded; per member
    // three shards sealed and info replaced after each.
    assert.equal(renamed.filter((p) => p === "group.json").length, 1);
    assert.equal(renamed.filter((p) => p.startsWith("x/")).length, 6);
    assert.equal(renamed.filter((p) => p.startsWith("y/")).length, 6);
    const after = syncedAfterRenames(calls, dir);
    assert.deepEqual(after, Array(renamed.length).fill(true));
    const off = syncedAfterRenames(
      trace(dir + "-off", false, true),
      dir + "-off",
    );
    assert.equal(off.length, renamed.length);
    assert.deepEqual(off, Array(renamed.length).fill(false));
  },
);
