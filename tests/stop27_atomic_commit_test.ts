/**
 * Stop 27 (h1): the atomic commit point. An `atomic` writer's `close()`
 * writes the header, then removes its change record. Killed in between,
 * the file read by `np.load` held the whole change, which the next open
 * or `recover` then rolled back: rows NumPy had read vanished. And
 * `updateHeader()` on an atomic writer wrote the header mid-change (NumPy
 * read part of it, a kill then rolled back). Now the header is the commit
 * point for every reader: settling a record keeps a change whose header
 * `close()` wrote, and `updateHeader()` on an atomic writer is refused.
 * A kill at every file call: NumPy reads the rows before the change or
 * all of them, and `recover` (or a plain open) keeps exactly what NumPy
 * read.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { ints, killPoints, runKilledAt } from "./_kill_at.ts";
import { tempDir } from "./_numpy.ts";
import { numpyRampRows } from "./_numpy_ramp_rows.ts";

const CHILD = scriptCommand(
  new URL("./_stop27_commit_child.ts", import.meta.url),
);

/** What each op's file holds before and after the whole change. */
const OPS: Record<string, { old: string; all: string; start: number }> = {
  grow: { old: "1000", all: "2000", start: 0 },
  create: { old: "missing", all: "1000", start: 1000 },
  fsync: { old: "1000", all: "2000", start: 0 },
  async: { old: "1000", all: "2000", start: 0 },
  fortran: { old: "1000", all: "2000", start: 0 },
  zero: { old: "1000", all: "1000", start: 0 },
};

/** The file an op starts from (none for `create`). */
function setUp(op: string, path: string): void {
  if (op === "create") return;
  const w = NpyAppendArraySync.open(path, { fortranOrder: op === "fortran" });
  if (op === "fortran") {
    const data = new Int32Array(3000);
    for (let i = 0; i < 3; i++) data.set(ints(0, 1000), i * 1000);
    w.append({ data, shape: [3, 1000] });
  } else w.append(ints(0, 1000));
  w.close();
}

/** Copies the file and its record (as a kill left them) into `dir`. */
function copyState(path: string, dir: string): string {
  mkdirSync(dir);
  const to = join(dir, "x.npy");
  for (const ext of ["", ".journal"]) {
    if (existsSync(path + ext)) copyFileSync(path + ext, to + ext);
  }
  return to;
}

/** Settles `path` by `recover`, or by a plain open and close (`byOpen`). */
function settleOne(path: string, byOpen: boolean): void {
  if (!existsSync(path) && !existsSync(`${path}.journal`)) return;
  if (byOpen) NpyAppendArraySync.open(path).close();
  else recoverSync(path);
}

/**
 * Settles `path` by `recover` and its copy `twin` by a plain open, or the
 * other way round (`swap`). A copy of a new file is another file than the
 * one its record names (by device and inode): settling leaves it as it is,
 * so for `create` the twin is not checked (`null`).
 */
function settle(path: string, twin: string, op: string, swap = false) {
  settleOne(path, swap);
  if (op === "create") return null;
  settleOne(twin, !swap);
  return twin;
}

for (const op of ["grow", "create", "fsync", "async", "fortran"]) {
  test(
    `stop 27: an atomic ${op} killed after close() wrote the header, before the record's removal: kept, as NumPy read it`,
    { timeout: 120_000 },
    () => {
      const { all, start } = OPS[op]!;
      // `create`: once settled by recover, once by an open (see `settle`).
      for (const swap of op === "create" ? [false, true] : [false]) {
        const root = tempDir();
        const path = join(root, "x.npy");
        setUp(op, path);
        const r = runKilledAt(CHILD, -1, op, path);
        assert.ok(!r.through, "the child was not killed at the commit");
        assert.ok(existsSync(`${path}.journal`), "the record is left");
        const snap = copyState(path, join(root, "snap"));
        const twin = copyState(path, join(root, "twin"));
        let refusal = "read";
        try {
          readNpySync(path);
        } catch (e) {
          refusal = (e as Error).message;
        }
        const other = settle(path, twin, op, swap) ?? path;
        assert.deepEqual(numpyRampRows(start, snap, path, other), [
          all,
          all,
          all,
        ]);
        // The library's readers still refuse, saying what recover does.
        assert.match(refusal, /unfinished atomic append.*keeps the change/);
        assert.ok(!existsSync(`${path}.journal`));
        assert.ok(!existsSync(`${other}.journal`));
      }
    },
  );
}

test("stop 27: updateHeader() on an atomic writer is refused; NumPy reads the rows before the change until close()", async () => {
  const root = tempDir();
  const path = join(root, "x.npy");
  setUp("grow", path);
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append(ints(1000, 500));
  assert.throws(() => w.updateHeader(), {
    name: "TypeError",
    message: /atomic.*commit point.*close\(\)/,
  });
  assert.deepEqual(numpyRampRows(0, path), ["1000"]);
  w.append(ints(1500, 500));
  w.close();
  assert.deepEqual(numpyRampRows(0, path), ["2000"]);
  const a = await NpyAppendArray.open(path, { atomic: true });
  await a.append(ints(2000, 100));
  await assert.rejects(a.updateHeader(), TypeError);
  assert.deepEqual(numpyRampRows(0, path), ["2000"]);
  await a.close();
  assert.deepEqual(numpyRampRows(0, path), ["2100"]);
  // Killed after the refused updateHeader(): as before the change, kept so.
  const other = join(root, "y.npy");
  setUp("grow", other);
  const { acked } = runKilledAt(CHILD, 0, "update", other);
  assert.equal(acked, 1, "updateHeader() refused by a TypeError");
  const before = numpyRampRows(0, other);
  recoverSync(other);
  assert.deepEqual([...before, ...numpyRampRows(0, other)], ["1000", "1000"]);
});

for (const op of Object.keys(OPS)) {
  test(
    `stop 27: an atomic ${op} killed at every file call: NumPy reads the rows before or all of them, and recover or an open keeps what it read`,
    { timeout: 600_000 },
    () => {
      const { old, all, start } = OPS[op]!;
      const root = tempDir();
      let through = false;
      let visit = 0;
      for (const k of killPoints(1, 300)) {
        const dir = join(root, String(k));
        mkdirSync(dir);
        const path = join(dir, "x.npy");
        setUp(op, path);
        through = runKilledAt(CHILD, k, op, path).through;
        const snap = copyState(path, join(dir, "snap"));
        const twin = copyState(path, join(dir, "twin"));
        // `create`: by recover and by an open in turn (see `settle`).
        const other = settle(path, twin, op, visit++ % 2 === 1) ?? path;
        const [before, after, reopened] = numpyRampRows(
          start,
          snap,
          path,
          other,
        );
        // A new file NumPy refuses (spoilt, empty) is no file.
        const read = before === "refused" && op === "create" ? old : before;
        assert.ok([old, all].includes(read!), `call ${k}: NumPy ${before}`);
        assert.equal(after, read, `call ${k}: settled`);
        assert.equal(reopened, read, `call ${k}: settled the other way`);
        assert.ok(!existsSync(`${path}.journal`), `call ${k}`);
        if (through) break;
      }
      assert.ok(through, "the writer never got through");
    },
  );
}
