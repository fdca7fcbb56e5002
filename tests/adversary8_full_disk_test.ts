/**
 * Adversary round 8: a group of stacks on a real full disk (a tmpfs, root
 * only), the free space swept page by page, in both orders, with a first
 * append that stays in one shard and one that crosses a shard boundary.
 *
 * Found: a failed first append could not be undone, and every later
 * append was refused ("an earlier write failed and could not be undone").
 * The group writes each new member's header-only live shard first; when a
 * later member's data hit the full disk, undoing removed the header-only
 * live shards of the members whose rows were 0 (the stack's `close` with
 * `keepLive` removed a live shard of 0 rows, and the stack's own undo of a
 * crossing append did too), and the group's cut then took such a member
 * for lost beside one whose data had reached the disk. A live shard of 0
 * rows now stays where the caller asked to keep it.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NpyGroupReader, NpyGroupWriterSync } from "../mod.ts";
import { hasNumpy, runPython } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(300_000);
const ROWS = 2000;

function batch(at: number, n: number, fortran: boolean) {
  const b = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    // Row (or Fortran-order column) i is [i, -i].
    b[2 * i] = at + i;
    b[2 * i + 1] = -(at + i);
  }
  return {
    a: {
      data: Int32Array.from({ length: n }, (_, i) => at + i),
      shape: [n],
      fortranOrder: fortran,
    },
    b: { data: b, shape: fortran ? [2, n] : [n, 2], fortranOrder: fortran },
  };
}

for (const fortran of [false, true]) {
  for (const step of [250, 400]) {
    for (let pages = 0; pages <= 16; pages++) {
      test(
        `adversary 8: a ${
          fortran ? "Fortran-order " : ""
        }group of stacks, appends of ${step} rows, ${pages} free pages: a failed append is undone, its retry lands once`,
        OPTS,
        withTmpfs("size=1m", async (mnt) => {
          const dir = join(mnt, "g");
          mkdirSync(dir);
          const filler = fillDisk(mnt, pages * 4096);
          const open = () =>
            NpyGroupWriterSync.open(dir, {
              members: {
                a: { dtype: "<i4", fortranOrder: fortran },
                b: { dtype: "<f8", fortranOrder: fortran },
              },
              shardRows: 300,
            });
          let g: NpyGroupWriterSync;
          try {
            g = open();
          } catch (e) {
            assert.equal((e as { code?: string }).code, "ENOSPC", String(e));
            rmSync(filler);
            g = open();
          }
          let acked = 0;
          let failed = false;
          while (acked < ROWS) {
            const n = Math.min(step, ROWS - acked);
            try {
              g.append(batch(acked, n, fortran));
            } catch (e) {
              assert.equal((e as { code?: string }).code, "ENOSPC", String(e));
              assert.equal(
                g.length,
                acked,
                "the failed append changed the length",
              );
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
            if (a[i] !== i || b[2 * i] !== i || b[2 * i + 1] !== -i) {
              assert.fail(`row ${i}: a ${a[i]}, b ${b[2 * i]} ${b[2 * i + 1]}`);
            }
          }
          if (hasNumpy() && (pages === 8 || pages === 11)) {
            const out = runPython(
              `
import sys, numpy as np, dask.array as da
d, n, fortran = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
a = da.from_npy_stack(d + "/a").compute()
b = da.from_npy_stack(d + "/b").compute()
want_b = np.stack([np.arange(n), -np.arange(n)], axis=0 if fortran else 1)
print("ok" if (a == np.arange(n)).all() and (b == want_b).all() else "BAD")
`,
              [dir, String(ROWS), fortran ? "1" : "0"],
            );
            assert.equal(out.trim(), "ok");
          }
        }),
      );
    }
  }
}
