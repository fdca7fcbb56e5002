/**
 * Stop 21 (h9): `/tmp`, where every writer and maintenance call of a file
 * by path takes the file's lock by device and inode, full (no space, no
 * inodes) or read-only, in a private mount namespace. A file with one
 * name is appended to and recovered all the same (the lock by identity is
 * skipped where it cannot be made: decided, see DECISIONS). A file with
 * several hard links needs that lock (without it, writers of two names
 * would both append), so it is refused, nothing changed and nothing left
 * in `/tmp`, naming `/tmp` and what is wrong with it: the message said
 * "free space on its disk" (the file's disk had room) and, read-only,
 * told a Deno user run with -A to pass --allow-read.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(
  new URL("./_stop21_tmp_faults_child.ts", import.meta.url),
);
const canUnshare = process.getuid?.() === 0 &&
  spawnSync("unshare", ["-m", "true"]).status === 0;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

const setups: [string, string, RegExp][] = [
  [
    "full (no space)",
    "mount -t tmpfs -o size=64k tmpfs /tmp && (dd if=/dev/zero of=/tmp/fill bs=1k count=100 2>/dev/null; true)",
    /"\/tmp" .*full/,
  ],
  [
    "full (no inodes)",
    "mount -t tmpfs -o size=64k,nr_inodes=16 tmpfs /tmp && i=0; while touch /tmp/f$i 2>/dev/null; do i=$((i+1)); done",
    /"\/tmp" .*full/,
  ],
  ["read-only", "mount -t tmpfs -o ro tmpfs /tmp", /"\/tmp" .*read-only/],
];

for (const [name, mount, told] of setups) {
  test(
    `/tmp ${name}: a file with one name is appended to, one with two links refused naming /tmp`,
    {
      skip: canUnshare ? undefined : "needs root and unshare",
      timeout: 120_000,
    },
    () => {
      // Outside /tmp (its own file system here): /tmp is mounted over.
      const dir = mkdtempSync("/var/tmp/npy-append-array-h9-");
      try {
        check(dir, mount, told);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

function check(dir: string, mount: string, told: RegExp): void {
  const r = spawnSync("unshare", [
    "-m",
    "sh",
    "-c",
    `${mount}; exec ${[CHILD[0], ...CHILD[1], dir].map(quote).join(" ")}`,
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<
    string,
    string
  >;
  assert.equal(got.one, "appended");
  assert.equal(got.oneRecover, "recovered");
  assert.equal(got.oneRows, "0,1,2");
  for (const said of [got.two!, got.twoRecover!]) {
    assert.match(said, told, said);
    assert.match(said, /several hard links/, said);
    assert.doesNotMatch(said, /on its disk|--allow-read/, said);
  }
  assert.equal(got.twoRows, "0");
  assert.equal(got.tmpLeft, "");
}
