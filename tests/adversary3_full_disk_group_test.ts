/**
 * Adversary round 3: a group created and filled on a real full disk (a
 * tmpfs, root only), the free space swept page by page so that the disk
 * fills at every step: the lock files, `group.json` and its temporary,
 * the member files' creation, their first data and headers. Two faults
 * were found:
 *
 * - `open` failing while it records the dtypes (`group.json` on a full
 *   disk) kept the member files' locks, so this process could not open
 *   the group again ("this process holds it") until it exited;
 * - a first append whose data was written but whose dtypes could not be
 *   recorded in `group.json` threw, yet its rows stayed (the writer's
 *   length and the files): retrying it, as one does after a full disk,
 *   wrote the rows twice.
 *
 * After every failure here: the error is ENOSPC naming a file of the
 * group, the writer's length is unchanged, and after space is freed the
 * retried append lands once; the next open sees exactly the acknowledged
 * rows with their values, and NumPy loads them.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NpyGroupReader, NpyGroupWriterSync } from "../mod.ts";
import { hasNumpy, runPython } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(300_000);

function batch(at: number, n: number) {
  return {
    a: Int32Array.from({ length: n }, (_, i) => at + i),
    b: Float64Array.from({ length: n }, (_, i) => (at + i) / 2),
  };
}

function isFullDisk(e: unknown, dir: string): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === "ENOSPC" && (err.message ?? "").includes(dir);
}

const ROWS = 2000;

for (let pages = 0; pages <= 14; pages++) {
  test(
    `a group on a full disk with ${pages} free pages: no lock kept, no append twice`,
    OPTS,
    withTmpfs("size=1m", async (mnt) => {
      const dir = join(mnt, "g");
      mkdirSync(dir);
      const filler = fillDisk(mnt, pages * 4096);
      const open = () =>
        NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: {} } });
      let g: NpyGroupWriterSync;
      try {
        g = open();
      } catch (e) {
        assert.ok(isFullDisk(e, dir), String(e));
        rmSync(filler);
        // No lock of the failed open is left: this process opens it again.
        g = open();
      }
      let acked = 0;
      let failed = false;
      while (acked < ROWS) {
        const n = Math.min(500, ROWS - acked);
        try {
          g.append(batch(acked, n));
        } catch (e) {
          assert.ok(isFullDisk(e, dir), String(e));
          assert.equal(g.length, acked, "the failed append changed the length");
          assert.equal(failed, false, "failed again after space was freed");
          failed = true;
          rmSync(filler, { force: true });
          continue;
        }
        acked += n;
        assert.equal(g.length, acked);
      }
      g.close();
      await using reader = await NpyGroupReader.open(dir);
      assert.equal(reader.length, ROWS);
      const rows = reader.readSync();
      const a = rows.a!.data as Int32Array;
      const b = rows.b!.data as Float64Array;
      for (let i = 0; i < ROWS; i++) {
        if (a[i] !== i || b[i] !== i / 2) {
          assert.fail(`row ${i}: a ${a[i]}, b ${b[i]}`);
        }
      }
      assert.deepEqual(readdirSync(dir).sort(), [
        "a.npy",
        "b.npy",
        "group.json",
      ]);
      if (hasNumpy()) {
        const out = runPython(
          `
import sys, json, numpy as np
d = sys.argv[1]
info = json.load(open(d + "/group.json"))
m = {e["name"]: np.load(d + "/" + e["file"]) for e in info["members"]}
n = int(sys.argv[2])
ok = (m["a"] == np.arange(n)).all() and (m["b"] == np.arange(n) / 2).all()
print("ok" if ok and m["b"].dtype == np.float64 else "BAD")
`,
          [dir, String(ROWS)],
        );
        assert.equal(out.trim(), "ok");
      }
    }),
  );
}
