/**
 * Test helper: writers killed on a file that a full disk (tmpfs) then
 * leaves without room, and NumPy's verdict on the file after `recover`
 * (`stop26_full_disk_recover_test.ts`, `stop26_merged_locks_test.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  recoverGroupSync,
  recoverStackSync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { ints } from "./_kill_at.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";
import { runPython } from "./_numpy.ts";

/** The child that writes and kills itself (`_stop26_full_disk_child.ts`). */
export const CHILD: [string, string[]] = scriptCommand(
  new URL("./_stop26_full_disk_child.ts", import.meta.url),
);

/** What NumPy makes of the file: `right`, `wrong` or `refused`. */
const NP_VERDICT = `
import sys
import numpy as np
try:
    a = np.load(sys.argv[1])
except Exception:
    print("refused")
else:
    want = np.array(eval(sys.argv[2]), dtype="<i4")
    print("right" if a.shape == want.shape and (a == want).all() else "wrong")
`;

/** The rows a kind of killed writer acknowledged, as Python text. */
export const WANT: Record<string, string> = {
  atomic: "range(1000)", // an atomic writer killed before close: none of its
  plain: "range(1500)", // a plain writer's appends survive the kill
  shift: "[i * 3 + 1 for i in range(50000)]",
  moved: "[i * 3 + 1 for i in range(50000)]",
};

/** NumPy's verdict on `path` against the rows `kind` acknowledged. */
export function verdict(path: string, kind: string): string {
  return runPython(NP_VERDICT, [path, WANT[kind]!]).trim();
}

/** Leaves a writer of `kind` killed on `root/x.npy`, its lock (and record) left. */
export function killedWriter(root: string, kind: string): string {
  const path = join(root, "x.npy");
  if (kind === "shift" || kind === "moved") {
    // An in-place ensureAppendable killed as its move began (byte 0
    // spoilt), or once a chunk moved.
    writeFileSync(path, oldNpyBytes(ramp(50_000)));
    const r = spawnSync(CHILD[0], [...CHILD[1], kind, path]);
    assert.equal(r.signal, "SIGKILL", String(r.stderr));
    assert.equal(readFileSync(path)[0], 0);
    return path;
  }
  const w = NpyAppendArraySync.open(path);
  w.append(ints(0, 1000));
  w.close();
  const r = spawnSync(CHILD[0], [...CHILD[1], kind, path], {
    encoding: "utf8",
  });
  assert.equal(r.signal, "SIGKILL", r.stderr);
  assert.match(r.stdout, /ack 1/);
  return path;
}

/**
 * Only the file and the fillers are left (and the test's own files that
 * `also` matches).
 */
export function onlyFile(root: string, also: RegExp | null = null): void {
  assert.deepEqual(
    readdirSync(root).filter((n) =>
      n !== "filler" && !/^inode-/.test(n) && !(also?.test(n) ?? false)
    ),
    ["x.npy"],
  );
}

/**
 * Recovers the group or stack `dir` (in `root/g`) of a writer killed
 * before the disk filled, and checks it: the rows kept (a group 3, a stack
 * 5 in its last shard), nothing left beside it or inside it but its files,
 * NumPy's total of rows (6, 4), and a next open on the full disk.
 */
export function recoverFolderOnFullDisk(
  root: string,
  dir: string,
  kind: string,
): void {
  const rows = kind === "group"
    ? recoverGroupSync(dir)
    : recoverStackSync(dir)[0];
  assert.equal(rows, kind === "group" ? 3 : 5);
  assert.deepEqual(readdirSync(root).sort(), ["filler", "g"]);
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes(".lock")), []);
  const files = readdirSync(dir).filter((n) => n.endsWith(".npy")).sort();
  const got = runPython(
    "import sys, numpy as np\nprint(sum(len(np.load(p)) for p in sys.argv[1:]))",
    files.map((n) => join(dir, n)),
  ).trim();
  assert.equal(got, kind === "group" ? "6" : "4");
  (kind === "group"
    ? NpyGroupWriterSync.open(dir)
    : NpyStackWriterSync.open(dir)).close();
}
