/**
 * Adversary round 3: stack writers on a real full disk (a tmpfs, root
 * only), the free space swept page by page. An append that crosses a
 * shard boundary is split: its first piece filled and sealed the live
 * shard, and when the next shard could not be created (or `info` could
 * not be rewritten) the append threw with that piece kept. The writer's
 * length had grown by it, and retrying the append after freeing space (as
 * one does) wrote those rows twice. An append is now all or nothing: a
 * failure undoes the pieces written (the sealed shard is made live again
 * and cut back, new shards removed; none of it needs free space), and
 * `info` is rewritten once, at the end of the append.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NpyStackWriterSync, readNpyStackSync } from "../mod.ts";
import { hasNumpy, runPython } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(300_000);

const ROWS = 3000;

for (const fortranOrder of [false, true]) {
  for (let pages = 0; pages <= 9; pages++) {
    test(
      `a ${
        fortranOrder ? "Fortran-order " : ""
      }stack on a full disk with ${pages} free pages: a failed append leaves nothing, its retry lands once`,
      OPTS,
      withTmpfs("size=1m", (mnt) => {
        const dir = join(mnt, "s");
        const filler = fillDisk(mnt, pages * 4096);
        const open = () =>
          NpyStackWriterSync.open(dir, {
            shardRows: 700,
            dtype: "<i4",
            fortranOrder,
          });
        let w: NpyStackWriterSync;
        try {
          w = open();
        } catch (e) {
          assert.equal((e as { code?: string }).code, "ENOSPC", String(e));
          rmSync(filler);
          w = open();
        }
        const rows = () => {
          const s = w.shape;
          return s.length === 0 ? 0 : s[fortranOrder ? s.length - 1 : 0]!;
        };
        let acked = 0;
        let failed = false;
        while (acked < ROWS) {
          const n = Math.min(250, ROWS - acked);
          const data = Int32Array.from({ length: n }, (_, i) => acked + i);
          try {
            w.append({ data, shape: fortranOrder ? [1, n] : [n] });
          } catch (e) {
            assert.equal((e as { code?: string }).code, "ENOSPC", String(e));
            assert.ok(String(e).includes(dir), String(e));
            assert.equal(rows(), acked, "the failed append changed the length");
            assert.equal(failed, false, "failed again after space was freed");
            failed = true;
            rmSync(filler, { force: true });
            continue;
          }
          acked += n;
          assert.equal(rows(), acked);
        }
        w.close();
        const got = readNpyStackSync(dir);
        const values = got.data as Int32Array;
        assert.equal(values.length, ROWS);
        for (let i = 0; i < ROWS; i++) {
          if (values[i] !== i) assert.fail(`row ${i} is ${values[i]}`);
        }
        const names = readdirSync(dir).sort();
        assert.deepEqual(names, [
          "0.npy",
          "1.npy",
          "2.npy",
          "3.npy",
          "4.npy",
          "info",
        ]);
        if (hasNumpy()) {
          const out = runPython(
            `
import sys, numpy as np
d = sys.argv[1]
a = np.concatenate([np.load(f"{d}/{i}.npy").reshape(-1) for i in range(5)])
print("ok" if (a == np.arange(${ROWS})).all() else "BAD")
`,
            [dir],
          );
          assert.equal(out.trim(), "ok");
        }
      }),
    );
  }
}
