/**
 * Stop 23 (h2): a writer of ours appending to a stack Dask wrote, killed
 * after each of its file calls in turn (its open rewrites Dask's `info`
 * as its own, then it appends, seals and rewrites `info`): every row an
 * append acknowledged is read back once, by our reader at once and by
 * Dask once a writer reopened and closed the stack; Dask reads a prefix
 * of ours meanwhile; nothing is refused. The runtimes share the points
 * (`killPoints`).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { NpyStackWriterSync, readNpyStackSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { killPoints, runKilledAt } from "./_kill_at.ts";
import { scriptCommand } from "./_runtime.ts";

const DASK_READ =
  "import sys, json, dask.array as da; print(json.dumps([da.from_npy_stack(d).compute().tolist() for d in sys.argv[1:]]))";

test(
  "a writer appending to a Dask-written stack, killed at each file call: every acknowledged row read once, by us and by Dask",
  { ...numpyTestOptions(), timeout: 600_000 },
  () => {
    const root = tempDir();
    const template = join(root, "template");
    runPython(
      "import sys, numpy as np, dask.array as da; da.to_npy_stack(sys.argv[1], da.from_array(np.arange(4, dtype='<i4'), chunks=2))",
      [template],
    );
    const child = scriptCommand(
      new URL("./_stop23_dask_kill_child.ts", import.meta.url),
    );
    const done: { dir: string; acked: number }[] = [];
    let through = false;
    for (const n of killPoints(1, 400)) {
      const sub = join(root, String(n));
      mkdirSync(sub);
      const dir = join(sub, "s");
      assert.equal(spawnSync("cp", ["-a", template, dir]).status, 0);
      const r = runKilledAt(child, n, "append", dir);
      const v = [...readNpyStackSync(dir).data as Int32Array];
      assert.ok(v.length >= Math.max(r.acked, 4), `call ${n}: ${v}`);
      assert.deepEqual(v, Array.from({ length: v.length }, (_, i) => i));
      done.push({ dir, acked: r.acked });
      if (r.through) {
        through = true;
        break;
      }
    }
    assert.ok(through, "the append never got through");
    // Dask reads a prefix of ours (its listed shards) ...
    const before = JSON.parse(runPython(DASK_READ, done.map((d) => d.dir)));
    done.forEach((d, i) => {
      const ours = [...readNpyStackSync(d.dir).data as Int32Array];
      assert.deepEqual(before[i], ours.slice(0, before[i].length));
    });
    // ... and every acknowledged row once a writer closed the stack.
    for (const d of done) NpyStackWriterSync.open(d.dir).close();
    const after = JSON.parse(runPython(DASK_READ, done.map((d) => d.dir)));
    done.forEach((d, i) => {
      assert.ok(after[i].length >= Math.max(d.acked, 4), d.dir);
      assert.deepEqual(
        after[i],
        Array.from({ length: after[i].length }, (_, j) => j),
      );
    });
  },
);
