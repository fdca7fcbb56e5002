/**
 * Kills around commit points: a child SIGKILLed right after each file
 * call in turn of a multi-step change (see `tests/_commit_kill_child.ts`)
 * leaves the old state or the new one, readable, and nothing that the
 * next writer or a recover does not remove: no temporary, no lock
 * record's temporary, no guard (a stale lock of the killed process is
 * taken over by the next opener and removed when it closes).
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import {
  needsRecoverySync,
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
import { ints, killPoints, runKilledAt } from "./_kill_at.ts";

/** Many child processes: more than `bun test`'s 5 s default. */
const SLOW = { timeout: 600_000 };

const CHILD = scriptCommand(
  new URL("./_commit_kill_child.ts", import.meta.url),
);

/**
 * Kills `op` after each file call in turn on a copy of `base` (named
 * `s` in a fresh folder `root/<n>`), and calls `check(path, sub, n)`
 * after each (each runtime runs a third of the points:
 * `killPoints`).
 *
 * @returns The number of calls of a run that got through.
 */
function sweepFrom(
  base: string,
  op: string,
  check: (path: string, sub: string, n: number) => void,
  root = tempDir(),
): number {
  for (const n of killPoints(1, 600)) {
    const sub = join(root, String(n));
    mkdirSync(sub);
    const path = join(sub, "s");
    cpSync(base, path, { recursive: true });
    const { through } = runKilledAt(CHILD, n, op, path);
    check(path, sub, n);
    if (through) return n;
  }
  throw new Error(`${op} never got through`);
}

/** A closed stack of 5 int32 rows (0 to 4), 4 rows a shard. */
function fiveRowStack(): string {
  const dir = join(tempDir(), "base");
  const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
  w.append(ints(0, 5));
  w.close();
  return dir;
}

/**
 * What `da.from_npy_stack(dir).compute()` gives for each of `dirs`, run by
 * Dask itself, as lists of values; `"refused"` where a file is missing,
 * `"error: ..."` where Dask refuses it otherwise.
 */
function daskValues(dirs: string[]): Array<number[] | string> {
  const out = runPython(
    `
import json, sys
import dask.array as da
res = []
for d in json.load(sys.stdin):
    try:
        x = da.from_npy_stack(d)
        res.append([int(v) for v in x.compute(scheduler="synchronous").ravel()])
    except FileNotFoundError:
        res.append("refused")
    except Exception as e:
        res.append("error: %r" % (e,))
print(json.dumps(res))
`,
    [],
    new TextEncoder().encode(JSON.stringify(dirs)),
  );
  return JSON.parse(out);
}

/** Every name in `dir` and its subfolders, as `sub/name`. */
function names(dir: string, at = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? names(join(dir, e.name), `${at}${e.name}/`)
      : [`${at}${e.name}`]
  ).sort();
}

describe("kills around commit points leave nothing behind", () => {
  for (const op of ["stack", "stack-fsync"]) {
    test(
      `a ${op} append crossing seals: the next writer or recoverStack leaves only shards and info`,
      SLOW,
      () => {
        const base = fiveRowStack();
        const n = sweepFrom(base, op, (path, sub, n) => {
          // A live shard's lock taken by a writer killed meanwhile left
          // its record's temporary: the next writer (or recover) of the
          // stack removes it, whichever shard is live next.
          // Recover or the next writer in turn, by pairs of points: Node
          // and Bun run every other point (killPoints), and each of them
          // still tries both.
          const recover = (n >> 1) % 2 === 0;
          if (recover) recoverStackSync(path);
          else NpyStackWriterSync.open(path).close();
          const left = names(sub).filter((f) =>
            !/^s\/(?:\d+\.npy|info)$/.test(f) &&
            !(recover && /^s\/\d+\.npy\.part$/.test(f))
          );
          assert.deepEqual(left, [], `call ${n}`);
          const got = [...readNpyStackSync(path).data as Int32Array];
          assert.ok(got.length >= 5 && got.length <= 14, `call ${n}`);
          assert.deepEqual(got, [...ints(0, got.length)], `call ${n}`);
        });
        assert.ok(n > 20);
      },
    );
  }

  test(
    "a stack replaced (deleteIfExists): readers, Dask, recoverStack and the next writer see the old stack whole, an empty one or the new one",
    SLOW,
    () => {
      const base = join(tempDir(), "base");
      const w = NpyStackWriterSync.open(base, { shardRows: 4, dtype: "<i4" });
      w.append(ints(100, 10));
      w.close();
      const old = [...ints(100, 10)];
      /** Old whole, or a prefix of the new rows (0, 1, ...), or none. */
      const oldOrNew = (got: number[], what: string) =>
        assert.deepEqual(
          got,
          got[0] === 100 ? old : [...ints(0, got.length)],
          what,
        );
      const ours = (path: string): number[] => {
        try {
          return [...readNpyStackSync(path).data as Int32Array];
        } catch (e) {
          // No shard at all: an empty stack (the new one not yet appended).
          assert.match(String(e), /holds no shard yet/);
          return [];
        }
      };
      const snaps: string[] = [];
      const snapRoot = tempDir();
      const n = sweepFrom(base, "stack-replace", (path, sub, n) => {
        // A kill while the old shards were removed (info first, the last
        // shard first) left a prefix of the old rows to our readers, and
        // a stack Dask refused.
        oldOrNew(ours(path), `call ${n}: readers`);
        const snap = join(snapRoot, String(n));
        cpSync(path, snap, { recursive: true });
        snaps.push(snap);
        // Recover or the next writer in turn, by pairs of points (Node
        // and Bun run every other point: each still tries both).
        if ((n >> 1) % 2 === 0) recoverStackSync(path);
        else NpyStackWriterSync.open(path).close();
        oldOrNew(ours(path), `call ${n}: after the next writer`);
        assert.ok(runKilledAt(CHILD, 0, "stack-replace", path).through);
        assert.deepEqual(ours(path), [...ints(0, 14)], `call ${n}`);
        assert.deepEqual(
          names(sub).filter((f) => !/^s\/(?:\d+\.npy|info)$/.test(f)),
          [],
          `call ${n}`,
        );
      });
      assert.ok(n > 10);
      if (!hasNumpy()) return;
      daskValues(snaps).forEach((got, i) => {
        const what = `call ${basename(snaps[i]!)}: Dask`;
        if (got === "refused") {
          // No info: a new stack killed before its first info (our
          // readers read its shards), never old shards left.
          const rows = ours(snaps[i]!);
          assert.ok(rows[0] !== 100, `${what}: ${rows}`);
        } else if (typeof got === "string") {
          // A stack being cleared: its info lists no shard, which Dask
          // refuses as it refuses any stack with no row; ours read none.
          assert.match(got, /Empty tuples are not allowed in chunks/, what);
          assert.deepEqual(ours(snaps[i]!), [], what);
        } else {
          oldOrNew(got, what);
        }
      });
    },
  );

  for (const op of ["group-replace", "gstack-replace"]) {
    test(
      `a group replaced (${op}): the old rows, none or the new ones, never a lost member`,
      SLOW,
      () => {
        const stacks = op === "gstack-replace" ? { shardRows: 4 } : {};
        const base = join(tempDir(), "base");
        const w = NpyGroupWriterSync.open(base, {
          members: { a: "<i4", b: "<f8" },
          ...stacks,
        });
        w.append({ a: ints(100, 5), b: Float64Array.from(ints(100, 5)) });
        w.close();
        const n = sweepFrom(base, op, (path, sub, n) => {
          // A kill while the old members were removed left group.json
          // recording a dtype for one that is gone beside one with rows:
          // readers, recoverGroup and the next writer refused the group
          // as damaged (restore the member, or recover by hand).
          let rows: number[] = [];
          if (existsSync(join(path, "group.json"))) {
            const r = NpyGroupReader.openSync(path);
            if (r.length > 0) rows = [...r.readSync().a!.data as Int32Array];
            r.closeSync();
            recoverGroupSync(path);
          }
          const old = rows[0] === 100;
          assert.deepEqual(
            rows,
            [...ints(old ? 100 : 0, rows.length)],
            `call ${n}`,
          );
          assert.ok(!old || rows.length === 5, `call ${n}: ${rows.length}`);
          // The rerun replaces it and leaves only the group.
          assert.ok(runKilledAt(CHILD, 0, op, path).through);
          assert.deepEqual(
            names(sub).filter((f) =>
              !/^s\/(?:group\.json|[ab]\.npy|[ab]\/(?:\d+\.npy|info))$/.test(f)
            ),
            [],
            `call ${n}`,
          );
        });
        assert.ok(n > 10);
      },
    );
  }

  for (const op of ["file-replace", "atomic-replace", "concat-overwrite"]) {
    test(
      `a file replaced (${op}): the old rows whole, none or the new ones, and the next writer opens it`,
      SLOW,
      () => {
        const dir = tempDir();
        const base = join(dir, "base");
        const w = NpyAppendArraySync.open(base);
        w.append({ data: new Float64Array(5).fill(-1), shape: [5, 1] });
        w.close();
        const input = NpyAppendArraySync.open(join(dir, "in.npy"));
        input.append({ data: Float64Array.from(ints(0, 20)), shape: [20, 1] });
        input.close();
        const read = (path: string): number[] | null => {
          try {
            return [...readNpySync(path).data as Float64Array];
          } catch (e) {
            // Only an old file removed (deleteIfExists), a new one killed
            // before its first header (none, or empty) or in an append
            // (as any new file: its next writer recovers it).
            assert.ok(
              !existsSync(path) || statSync(path).size < 128 ||
                /call recover/.test(`${e}`),
              `${e}`,
            );
            return null;
          }
        };
        const n = sweepFrom(base, op, (path, sub, n) => {
          const got = read(path) ?? [];
          assert.deepEqual(
            got,
            got[0] === -1 ? Array(5).fill(-1) : [...ints(0, got.length)],
            `call ${n}`,
          );
          // The README's restart: recover what needs it.
          if (existsSync(path) && needsRecoverySync(path)) recoverSync(path);
          NpyAppendArraySync.open(path).close();
          const next = read(path) ?? [];
          assert.deepEqual(
            next,
            next[0] === -1 ? Array(5).fill(-1) : [...ints(0, next.length)],
            `call ${n}: after the next writer`,
          );
          assert.ok(runKilledAt(CHILD, 0, op, path).through);
          assert.deepEqual(names(sub), ["s"], `call ${n}`);
        }, dir);
        assert.ok(n > 5);
      },
    );
  }

  test(
    "a replacing writer (from-csv --overwrite): old or whole new file, its record left only by a kill right after the rename",
    SLOW,
    () => {
      const dir = tempDir();
      const base = join(dir, "base");
      const w = NpyAppendArraySync.open(base);
      w.append({ data: new Float64Array(5).fill(-1), shape: [5, 1] });
      w.close();
      writeFileSync(
        join(dir, "in.csv"),
        Array.from({ length: 100 }, (_, i) => `${i}\n`).join(""),
      );
      const recordLeft: number[] = [];
      const n = sweepFrom(base, "from-csv-overwrite", (path, sub, n) => {
        const got = [...readNpySync(path).data as Float64Array];
        if (got.length === 5) {
          assert.deepEqual(got, Array(5).fill(-1), `call ${n}`);
        } else {
          assert.deepEqual(got, [...ints(0, 100)], `call ${n}`);
          // The record only named the temporary, which the rename
          // consumed: it went right after the rename, before the folder's
          // sync (three calls), so only a kill at the rename leaves it.
          if (existsSync(`${path}.journal`)) recordLeft.push(n);
        }
        NpyAppendArraySync.open(path).close();
        assert.deepEqual(names(sub), ["s"], `call ${n}`);
      }, dir);
      assert.ok(n > 10);
      assert.ok(recordLeft.length <= 1, `calls ${recordLeft}`);
    },
  );
});
