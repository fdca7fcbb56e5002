/**
 * Adversary round 8: SIGKILL after every file call of a group of stacks
 * that is reopened and continued (its reopen starts new shards, appends
 * cross shard boundaries); the next open cuts the members a kill left
 * uneven, and must keep every acknowledged row.
 *
 * Found: a Fortran-order group whose 1-d member was cut there could not
 * be opened any more ("fortranOrder true does not match the file"). The
 * cut made the sealed shard holding the cut live again, keeping the
 * C-order header `np.save` writes for a 1-d shard (its own copy of that
 * step restored the Fortran-order header for 2-d shapes only), and the
 * live shard's writer refused it. The stack's undo of a failed append and
 * the group's cut now share one step, `reviveShard`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { killPoints, runKilledAt } from "./_kill_at.ts";

const SLOW = { timeout: 900_000 };
const CHILD = scriptCommand(new URL("./_adversary8_child.ts", import.meta.url));
const END = 15;

/** The group's rows `0 .. n` with its values checked. */
async function checkRows(
  dir: string,
  n: number,
  fortran: boolean,
  what: string,
) {
  await using reader = await NpyGroupReader.open(dir);
  assert.equal(reader.length, n, what);
  const got = reader.readSync();
  assert.equal(got.b!.fortranOrder, fortran, what);
  const a = got.a!.data as Int32Array;
  const b = got.b!.data as Float64Array;
  for (let i = 0; i < n; i++) {
    // Fortran order: the data of 2 x n in column order, as C order's n x 2.
    const bi = [b[2 * i], b[2 * i + 1]];
    if (a[i] !== i || bi[0] !== i || bi[1] !== -i) {
      assert.fail(`${what}: row ${i} is a ${a[i]}, b ${bi}`);
    }
  }
}

/** Every call for the Fortran-order group (where the fault was); every other for the rest, for time. */
const STRIDE: Record<string, number> = { gstack: 3, "gstack-async": 3 };

/** Rows of the group after its next open (which cuts uneven members). */
function reopenedLength(dir: string, what: string): number {
  try {
    const w = NpyGroupWriterSync.open(dir);
    const n = w.length;
    w.close();
    return n;
  } catch (e) {
    assert.fail(`${what}: reopen: ${e}`);
  }
}

for (const op of ["gstack", "fgstack", "gstack-async"]) {
  test(
    `adversary 8: a reopened group of stacks (${op}) killed after every file call keeps every acknowledged row`,
    SLOW,
    async () => {
      const fortran = op === "fgstack";
      const root = tempDir();
      const base = join(root, "base");
      // 6 rows: shards of 4 and 2 rows sealed by close().
      const r = runKilledAt(CHILD, 0, `${op}:6`, base);
      assert.ok(r.through);
      let through = false;
      let last = "";
      for (const n of killPoints(1, 800, STRIDE[op] ?? 1)) {
        if (through) break;
        const dir = join(root, String(n));
        last = dir;
        cpSync(base, dir, { recursive: true });
        const k = runKilledAt(CHILD, n, op, dir);
        through = k.through;
        const what = `call ${n}`;
        const len = reopenedLength(dir, what);
        assert.ok(
          len >= Math.max(k.acked, 6) && len <= END,
          `${what}: ${len} rows, ${k.acked} acknowledged`,
        );
        await checkRows(dir, len, fortran, what);
      }
      assert.ok(through);
      if (hasNumpy()) {
        // Dask reads each member of the last state as the group does.
        const out = runPython(
          `
import sys, numpy as np, dask.array as da
d, n, fortran = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
a = da.from_npy_stack(d + "/a").compute()
b = da.from_npy_stack(d + "/b").compute()
want_b = np.stack([np.arange(n), -np.arange(n)], axis=0 if fortran else 1)
ok = (a == np.arange(n)).all() and a.dtype == np.int32 and (b == want_b).all()
print("ok" if ok else f"BAD {a} {b}")
`,
          [last, String(END), fortran ? "1" : "0"],
        );
        assert.equal(out.trim(), "ok");
      }
    },
  );
}

/**
 * The state a kill leaves right after `reviveShard`'s rename (a group's
 * cut, or a stack's undo): the live shard still has the C-order header
 * `np.save` gives a sealed Fortran-order shard of a shape that reads the
 * same in both orders. Its next open refused it; it now restores the order.
 */
for (const shape of [[3], [1, 3], [1, 1, 3]]) {
  test(
    `adversary 8: a Fortran-order live shard of shape ${
      JSON.stringify(shape)
    } killed before its header was restored opens (stack and group)`,
    async () => {
      const root = tempDir();
      const data = () => ({
        data: new Int32Array([0, 1, 2]),
        shape,
        fortranOrder: true,
      });
      const s = join(root, "s");
      const w = NpyStackWriterSync.open(s, {
        fortranOrder: true,
        dtype: "<i4",
        shardRows: 3,
      });
      w.append(data());
      w.close();
      const g = join(root, "g");
      const gw = NpyGroupWriterSync.open(g, {
        members: { a: { dtype: "<i4", fortranOrder: true } },
        shardRows: 3,
      });
      gw.append({ a: data() });
      gw.close();
      for (const dir of [s, join(g, "a")]) {
        // The sealed shard has np.save's header, which says C order.
        assert.equal(readNpySync(join(dir, "0.npy")).fortranOrder, false);
        rmSync(join(dir, "info"));
        renameSync(join(dir, "0.npy"), join(dir, "0.npy.part"));
      }
      const again = NpyStackWriterSync.open(s, { fortranOrder: true });
      assert.deepEqual(again.shape, shape);
      again.append({
        data: new Int32Array([3]),
        shape: [...shape.slice(0, -1), 1],
        fortranOrder: true,
      });
      again.close();
      const got = readNpyStackSync(s);
      assert.deepEqual(got.shape, [...shape.slice(0, -1), 4]);
      assert.deepEqual([...got.data as Int32Array], [0, 1, 2, 3]);
      const gAgain = NpyGroupWriterSync.open(g);
      assert.equal(gAgain.length, 3);
      gAgain.append({
        a: {
          data: new Int32Array([3]),
          shape: [...shape.slice(0, -1), 1],
          fortranOrder: true,
        },
      });
      gAgain.close();
      await checkColumn(g, shape);
    },
  );
}

async function checkColumn(g: string, shape: number[]) {
  await using reader = await NpyGroupReader.open(g);
  const got = reader.readSync();
  assert.deepEqual(got.a!.shape, [...shape.slice(0, -1), 4]);
  assert.deepEqual([...got.a!.data as Int32Array], [0, 1, 2, 3]);
  if (hasNumpy()) {
    const out = runPython(
      `
import sys, numpy as np, dask.array as da
a = da.from_npy_stack(sys.argv[1] + "/a").compute()
print(a.reshape(-1).tolist())
`,
      [g],
    );
    assert.equal(out.trim(), "[0, 1, 2, 3]");
  }
}

/**
 * The next open's cut itself, killed after each of its file calls: member
 * `a` holds `extra` rows more than the 6 acknowledged, `b` one more, so the
 * cut lands inside a sealed shard of `a`, which is made live again
 * (`reviveShard`). A kill right after that rename left a 1-d Fortran-order
 * live shard with `np.save`'s C-order header, and every later open failed
 * ("fortranOrder true does not match the file").
 */
for (
  const [op, extra] of [["fgstack", 3], ["fgstack", 7], ["gstack", 3]] as const
) {
  test(
    `adversary 8: the cut of an uneven group of stacks (${op}, ${extra} rows more) killed after every file call`,
    SLOW,
    async () => {
      const fortran = op === "fgstack";
      const root = tempDir();
      const base = join(root, "base");
      assert.ok(runKilledAt(CHILD, 0, `${op}:6`, base).through);
      const more = (
        m: string,
        data: Int32Array | Float64Array,
        shape: number[],
      ) => {
        const w = NpyStackWriterSync.open(join(base, m), {
          shardRows: 4,
          fortranOrder: fortran,
        });
        w.append({ data, shape, fortranOrder: fortran });
        w.close();
      };
      more("a", Int32Array.from({ length: extra }, (_, i) => 6 + i), [extra]);
      more("b", new Float64Array([6, -6]), fortran ? [2, 1] : [1, 2]);
      let through = false;
      for (const m of killPoints(1, 400)) {
        if (through) break;
        const dir = join(root, String(m));
        cpSync(base, dir, { recursive: true });
        // END 0: the child only opens (and so cuts) the group, and closes it.
        through = runKilledAt(CHILD, m, `${op}:0`, dir).through;
        const what = `cut killed after call ${m}`;
        assert.equal(reopenedLength(dir, what), 7, what);
        await checkRows(dir, 7, fortran, what);
      }
      assert.ok(through);
    },
  );
}
