/**
 * Stop 21: the CLI's own words for a disk without room name the fix. A
 * `to-csv` out of inodes (a tmpfs with `nr_inodes`: pages free, no inode
 * for the temporary beside OUT) said only "the disk is full", which `df`
 * then contradicts and which says nothing of what to do.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { fillInodes, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";

test(
  "stop 21: to-csv out of inodes: exit 1 naming OUT, the inodes and the fix, nothing left",
  tmpfsTestOptions(120_000),
  withTmpfs("size=2m,nr_inodes=16", (dir) => {
    const npy = join(dir, "a.npy");
    const w = NpyAppendArraySync.open(npy);
    w.append({ data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] });
    w.close();
    const free = fillInodes(dir);
    const before = readdirSync(dir).sort();
    const out = join(dir, "out.csv");
    const r = cli(["to-csv", npy, out], ALL_PERMISSIONS);
    free();
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(out), r.stderr);
    assert.match(r.stderr, /inodes/);
    assert.match(r.stderr, /then run it again/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.ok(before.length > 1);
    assert.deepEqual(readdirSync(dir), ["a.npy"]);
  }),
);
