/**
 * Adversary round 6, SIGKILL after every file call in turn:
 *
 * - An `atomic` writer of a new file (sync and async): killed after it
 *   created the file and before its change record appeared, it left an
 *   empty file that nothing rolled back (no `.npy`: `np.load` and the
 *   readers refuse it); killed later, `recover` (the README's
 *   `needsRecovery` then `recover`) rolled the creation back, removed the
 *   file, and then threw `ENOENT` for it. Now the record comes first, and
 *   `recover` of a creation it rolls back returns `true` with no file.
 *   All or nothing: no file, or all 6 rows. And a kill while that
 *   rollback (or an `abort()`) removed the file came between removing the
 *   record and removing the emptied file: an empty file, no record. The
 *   file now goes first.
 * - A Fortran-order stack (sync and async) killed before its first seal:
 *   `recoverStack` opened the live shard as C order and threw ("fortranOrder
 *   false does not match the file (true)"). Now the live shard's order is
 *   kept when no sealed shard or option tells it. And a one-row
 *   Fortran-order stack killed between sealing a shard and giving it
 *   np.save's C-order header was recovered as a C-order stack of the
 *   wrong shape (its info said (4, 4) for 4 values); a Fortran-order
 *   header on such a shard now tells the order.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  needsRecoverySync,
  NpyAppendArraySync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
  recoverStackSync,
  recoverSync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { killPoints, runKilledAt, sweepKills } from "./_kill_at.ts";

const SLOW = { timeout: 600_000 };
const CHILD = scriptCommand(new URL("./_adversary6_child.ts", import.meta.url));

/** Runs the child killed after call `n` (0: never). */
const killAt = (n: number, op: string, path: string) =>
  runKilledAt(CHILD, n, op, path);

/** NumPy's view: each path's values, flattened in C order. */
function numpyValues(files: string[], code: string): unknown {
  return JSON.parse(runPython(
    `
import sys, json, numpy as np
${code}
`,
    files,
  ));
}

test(
  "a Fortran-order stack of one row killed between sealing a shard and giving it np.save's header: recoverStack keeps the order",
  () => {
    // What the kill leaves: `0.npy` with the live shard's Fortran-order
    // header for shape (1, 4) (which np.save writes as C order), no info.
    // recoverStack counted it as 4 rows of a C-order stack and wrote an
    // info of shape (4, 4) for its 4 values.
    const dir = join(tempDir(), "s");
    mkdirSync(dir);
    const w = NpyAppendArraySync.open(join(dir, "0.npy"), {
      fortranOrder: true,
    });
    w.append({ data: Int32Array.from([0, 1, 2, 3]), shape: [1, 4] });
    w.close();
    assert.deepEqual(recoverStackSync(dir), [1, 4]);
    assert.deepEqual(readNpyStackSync(dir).shape, [1, 4]);
    const next = NpyStackWriterSync.open(dir, {
      fortranOrder: true,
      shardRows: 4,
    });
    next.append({ data: Int32Array.from([4, 5]), shape: [1, 2] });
    next.close();
    const got = readNpyStackSync(dir);
    assert.deepEqual(got.shape, [1, 6]);
    assert.deepEqual([...got.data as Int32Array], [0, 1, 2, 3, 4, 5]);
    if (hasNumpy()) {
      assert.deepEqual(
        numpyValues(
          [dir],
          "import dask.array as da\nprint(json.dumps(da.from_npy_stack(sys.argv[1]).compute().tolist()))",
        ),
        [[0, 1, 2, 3, 4, 5]],
      );
    }
  },
);

describe("adversary 6: a kill after every file call", () => {
  for (const op of ["atomic", "atomic-async"]) {
    test(
      `an atomic writer of a new file (${op}): after recover, no file or all of it; recover never fails`,
      SLOW,
      () => {
        const paths = sweepKills(CHILD, op, "x.npy", (path, acked, n) => {
          // The README's restart: recover what needs it.
          if (existsSync(path) || existsSync(`${path}.journal`)) {
            try {
              if (needsRecoverySync(path)) {
                assert.equal(recoverSync(path), true);
              }
            } catch (e) {
              assert.fail(`call ${n}: ${e}`);
            }
          }
          if (!existsSync(path)) {
            assert.equal(acked, 0, `call ${n}: acknowledged rows lost`);
          } else {
            let rows: number[];
            try {
              rows = [...readNpySync(path).data as Int32Array];
            } catch (e) {
              assert.fail(`call ${n}: not a whole file: ${e}`);
            }
            assert.deepEqual(rows, [0, 1, 2, 3, 4, 5], `call ${n}`);
          }
        }, { rerun: true });
        // The run that got through (its folder is its point) made more
        // than 10 file calls.
        const calls = Number(basename(dirname(paths[0]!)));
        assert.ok(calls > 10, `${calls} calls`);
        if (hasNumpy()) {
          // After the rerun: 6 rows more, all or nothing again.
          const got = numpyValues(
            paths.slice(0, 3),
            "print(json.dumps([np.load(p).tolist() for p in sys.argv[1:]]))",
          ) as number[][];
          for (const rows of got) {
            assert.ok(rows.length === 6 || rows.length === 12);
            assert.deepEqual(rows, rows.map((_, i) => i));
          }
        }
      },
    );
  }

  for (const op of ["recover", "atomic-abort"]) {
    test(
      `${
        op === "recover"
          ? "recover of an atomic writer's killed creation"
          : "an atomic writer's abort() of its new file"
      }, killed: never a file without its record, and no file after recover`,
      SLOW,
      () => {
        const root = tempDir();
        for (const n of killPoints(1, 200)) {
          const sub = join(root, String(n));
          mkdirSync(sub);
          const path = join(sub, "x.npy");
          // The state to recover: a writer killed holding its creation.
          if (op === "recover") killAt(0, "atomic-die", path);
          const { through } = killAt(n, op, path);
          const names = readdirSync(sub);
          // An empty file with no record would stay for good: no reader
          // or np.load takes it, and nothing rolls it back.
          if (names.includes("x.npy")) {
            assert.ok(names.includes("x.npy.journal"), `call ${n}: ${names}`);
          }
          // Recovered when needed (a void record, size 0, is no change).
          const record = statSync(`${path}.journal`, { throwIfNoEntry: false });
          if (
            existsSync(path) ? needsRecoverySync(path) : (record?.size ?? 0) > 0
          ) assert.equal(recoverSync(path), true);
          assert.ok(!existsSync(path), `call ${n}`);
          // The next writer removes the kill's temporaries; closed unused,
          // it leaves nothing.
          NpyAppendArraySync.open(path).close();
          assert.deepEqual(readdirSync(sub), [], `call ${n}`);
          if (through) return;
        }
        assert.fail(`${op} never got through`);
      },
    );
  }

  for (const op of ["fstack", "fstack-async"]) {
    test(
      `a Fortran-order stack (${op}): recoverStack never fails, every acknowledged column stays`,
      SLOW,
      () => {
        const paths = sweepKills(CHILD, op, "s", (path, acked, n) => {
          if (!existsSync(path)) {
            assert.equal(acked, 0);
            return;
          }
          let shape: number[];
          try {
            shape = recoverStackSync(path);
          } catch (e) {
            assert.fail(`call ${n}: recoverStack: ${e}`);
          }
          if (shape.length > 0) assert.equal(shape[0], 2, `call ${n}`);
          // The next writer seals what recoverStack kept live.
          NpyStackWriterSync.open(path).close();
          let cols = 0;
          if (existsSync(join(path, "info"))) {
            const got = readNpyStackSync(path);
            assert.equal(got.fortranOrder, true, `call ${n}`);
            cols = got.shape[1]!;
            assert.deepEqual(
              [...got.data as Int32Array],
              Array.from({ length: cols }, (_, j) => [j, j === 0 ? 0 : -j])
                .flat(),
              `call ${n}`,
            );
          }
          assert.ok(cols >= acked, `call ${n}: ${cols} < ${acked}`);
        }, { rerun: true });
        // The run that got through (its folder is its point) made more
        // than 10 file calls.
        const calls = Number(basename(dirname(paths[0]!)));
        assert.ok(calls > 10, `${calls} calls`);
        if (hasNumpy()) {
          const dir = paths[0]!;
          const shards = readdirSync(dir).filter((f) => /^\d+\.npy$/.test(f))
            .sort((a, b) => parseInt(a) - parseInt(b)).map((f) => join(dir, f));
          assert.deepEqual(
            numpyValues(
              shards,
              "print(json.dumps(np.concatenate([np.load(p) for p in sys.argv[1:]], axis=1).tolist()))",
            ),
            [
              Array.from({ length: 12 }, (_, j) => j),
              Array.from({ length: 12 }, (_, j) => j === 0 ? 0 : -j),
            ],
          );
        }
      },
    );
  }
});
