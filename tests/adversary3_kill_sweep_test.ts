/**
 * Adversary round 3: SIGKILL after every file call, in turn, of a first
 * append with `fsync: true`, a first append larger than one write, a
 * stack crossing shard boundaries and groups (plain and of stacks)
 * creating their members. After each kill the next open (or recovery)
 * must work, and every acknowledged row must be there with its values;
 * the last state is checked by NumPy (and Dask's layout through np.load
 * of the shards).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
  recoverGroupSync,
  recoverStackSync,
  recoverSync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { killPoints, runKilledAt, sweepKills } from "./_kill_at.ts";

const SLOW = { timeout: 600_000 };
const CHILD = scriptCommand(new URL("./_adversary3_child.ts", import.meta.url));

/** Runs the child killed after call `n` (0: never). */
const killAt = (n: number, op: string, path: string) =>
  runKilledAt(CHILD, n, op, path);

function numpyRows(files: string[]): unknown {
  return JSON.parse(runPython(
    `
import sys, json, numpy as np
out = []
for p in sys.argv[1:]:
    a = np.load(p, mmap_mode="r")
    out.append(a.tolist())
print(json.dumps(out))
`,
    files,
  ));
}

describe("adversary 3: a kill after every file call", () => {
  test(
    "a new file with fsync: true: acknowledged rows stay, the rerun completes it",
    SLOW,
    () => {
      const paths = sweepKills(CHILD, "fsync", "x.npy", (path, acked, n) => {
        // After a kill: the file is missing, empty, complete or needs
        // recovery; a rerun of the same child (no kill) finishes it.
        if (existsSync(path) && acked > 0) {
          const got = readNpySync(path, { allowIncomplete: true });
          const rows = [...got.data as Int32Array];
          assert.ok(
            rows.length >= acked,
            `call ${n}: ${rows.length} < ${acked}`,
          );
          assert.deepEqual(
            rows.slice(0, acked),
            Array.from({ length: acked }, (_, i) => i),
          );
        }
        const again = killAt(0, "fsync", path);
        assert.ok(again.through, `call ${n}: the rerun failed`);
        assert.deepEqual(
          [...readNpySync(path).data as Int32Array],
          Array.from({ length: 12 }, (_, i) => i),
          `call ${n}`,
        );
        assert.deepEqual(readdirSync(join(path, "..")), ["x.npy"], `call ${n}`);
      });
      // The run that got through (each run's folder is its point): the
      // operation makes more than 5 file calls.
      assert.ok(Number(basename(dirname(paths[0]!))) > 5);
      if (hasNumpy()) {
        assert.deepEqual(
          numpyRows(paths.slice(0, 3)),
          paths.slice(0, 3).map(() => Array.from({ length: 12 }, (_, i) => i)),
        );
      }
    },
  );

  test(
    "a first append of several writes: acknowledged rows stay after recover",
    SLOW,
    () => {
      sweepKills(CHILD, "big", "x.npy", (path, acked, n) => {
        if (!existsSync(path)) {
          assert.equal(acked, 0);
          return;
        }
        recoverSync(path);
        const w = NpyAppendArraySync.open(path);
        const rows = w.shape?.[0] ?? 0;
        w.close();
        assert.ok(rows >= acked, `call ${n}: ${rows} < ${acked}`);
        if (rows > 0) {
          const data = readNpySync(path).data as Float64Array;
          for (let i = 0; i < rows; i++) {
            if (data[i] !== i) assert.fail(`call ${n}: row ${i} is ${data[i]}`);
          }
        }
      });
    },
  );

  test(
    "a stack crossing shard boundaries: reopen keeps every acknowledged row",
    SLOW,
    () => {
      const paths = sweepKills(CHILD, "stack", "s", (path, acked, n) => {
        if (!existsSync(path)) {
          assert.equal(acked, 0);
          return;
        }
        // The next writer's open recovers the live shard.
        NpyStackWriterSync.open(path).close();
        recoverStackSync(path);
        let rows: number[] = [];
        if (existsSync(join(path, "info"))) {
          rows = [...readNpyStackSync(path).data as Int32Array];
        }
        assert.ok(rows.length >= acked, `call ${n}: ${rows.length} < ${acked}`);
        assert.deepEqual(
          rows,
          Array.from({ length: rows.length }, (_, i) => i),
          `call ${n}`,
        );
        const again = killAt(0, "stack", path);
        assert.ok(again.through, `call ${n}: the rerun failed`);
      });
      if (hasNumpy()) {
        const dir = paths[0]!;
        const shards = readdirSync(dir).filter((f) => /^\d+\.npy$/.test(f))
          .sort((a, b) => parseInt(a) - parseInt(b)).map((f) => join(dir, f));
        assert.deepEqual(
          (numpyRows(shards) as number[][]).flat(),
          Array.from({ length: 12 }, (_, i) => i),
        );
      }
    },
  );

  test(
    "recover with zerofillIncomplete: a rerun after any kill gives the same file",
    SLOW,
    () => {
      const root = tempDir();
      const rows = 3000;
      const prepare = (path: string) => {
        const w = NpyAppendArraySync.open(path);
        w.append({
          data: Float64Array.from({ length: rows * 4 }, (_, i) => i + 0.5),
          shape: [rows, 4],
        });
        w.close();
        // Half of one more row (two of its four values), header not updated.
        writeFileSync(path, new Uint8Array(new Float64Array([-1, -2]).buffer), {
          flag: "a",
        });
      };
      const want = [
        ...Float64Array.from({ length: rows * 4 }, (_, i) => i + 0.5),
        -1,
        -2,
        0,
        0,
      ];
      for (const n of killPoints(1, 100)) {
        const path = join(root, `${n}.npy`);
        prepare(path);
        const { through } = killAt(n, "recover", path);
        recoverSync(path, { zerofillIncomplete: true });
        const got = readNpySync(path);
        assert.deepEqual(got.shape, [rows + 1, 4], `call ${n}`);
        assert.deepEqual([...got.data as Float64Array], want, `call ${n}`);
        if (through) {
          if (hasNumpy()) {
            assert.deepEqual(
              (numpyRows([path]) as number[][][])[0]!.flat(),
              want,
            );
          }
          return;
        }
      }
      assert.fail("recover never got through");
    },
  );

  for (const op of ["group", "gstack"]) {
    test(
      `a group${
        op === "gstack" ? " of stacks" : ""
      } creating its members: every acknowledged row stays`,
      SLOW,
      async () => {
        sweepKills(CHILD, op, "g", (path, acked, n) => {
          if (!existsSync(path)) {
            assert.equal(acked, 0);
            return;
          }
          // A kill before group.json appeared: nothing was acknowledged,
          // and the rerun below starts the group.
          if (existsSync(join(path, "group.json"))) {
            try {
              recoverGroupSync(path);
            } catch (e) {
              assert.fail(`call ${n}: recoverGroup: ${e}`);
            }
          } else assert.equal(acked, 0);
          let length: number;
          try {
            const w = NpyGroupWriterSync.open(path);
            length = w.length;
            w.close();
          } catch (e) {
            if (acked === 0 && !existsSync(join(path, "group.json"))) return;
            throw new Error(`call ${n} (acked ${acked}): reopen: ${e}`);
          }
          assert.ok(length >= acked, `call ${n}: ${length} < ${acked}`);
          const again = killAt(0, op, path);
          assert.ok(again.through, `call ${n}: the rerun failed`);
          // Groups of stacks make many calls: every 5th for time.
        }, { stride: op === "gstack" ? 5 : 1 });
        const dir = tempDir();
        const g = join(dir, "g");
        assert.ok(killAt(0, op, g).through);
        await using reader = await NpyGroupReader.open(g);
        const rows = reader.readSync();
        assert.deepEqual([...rows.a!.data as Int32Array], [
          0,
          1,
          2,
          3,
          4,
          5,
          6,
          7,
          8,
        ]);
      },
    );
  }
});
