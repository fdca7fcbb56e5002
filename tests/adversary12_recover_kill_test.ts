/**
 * Adversary round 12: `recoverStack` and `recoverGroup` killed (SIGKILL)
 * after each of their file calls in turn, on stacks, groups and groups of
 * stacks that a kill left in the middle of an append. After each kill, a
 * recovery run to the end must give exactly what an uninterrupted one
 * gives (every acknowledged row, values intact), and the folder must take
 * appends again.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverGroupSync,
  recoverStackSync,
} from "../mod.ts";
import { ints, killPoints, runKilledAt } from "./_kill_at.ts";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";

/** Bun gives a test 5 s unless told. */
const SLOW = { timeout: 600_000 };

const CHILD = scriptCommand(
  new URL("./_adversary12_kill_child.ts", import.meta.url),
);

type Kind = "stack" | "group" | "gstack";

/** The rows of a stack, or of each member of a group (which must agree). */
function rowsOf(kind: Kind, path: string): number[] {
  if (kind === "stack") return [...readNpyStackSync(path).data as Int32Array];
  using r = NpyGroupReader.openSync(path);
  const got = r.readSync();
  const a = [...got.a!.data as Int32Array];
  assert.deepEqual([...got.b!.data as Int32Array], a, "members disagree");
  return a;
}

function recoverAt(kind: Kind, path: string): void {
  if (kind === "stack") recoverStackSync(path);
  else recoverGroupSync(path);
}

/** Appends 3 rows after `n` and checks all of them read back. */
function appendAgain(kind: Kind, path: string, n: number): void {
  if (kind === "stack") {
    using w = NpyStackWriterSync.open(path, { shardRows: 4 });
    w.append(ints(n, 3));
  } else {
    using w = NpyGroupWriterSync.open(path, {
      members: { a: "<i4", b: "<i4" },
      ...(kind === "gstack" ? { shardRows: 4 } : {}),
    });
    w.append({ a: ints(n, 3), b: ints(n, 3) });
  }
  assert.deepEqual(rowsOf(kind, path), [...ints(0, n + 3)]);
}

/** Writer kill points: mid-way through the writer's file calls. */
const STATES: Record<Kind, number[]> = {
  stack: [23, 52],
  group: [17, 38],
  gstack: [90],
};

for (const kind of ["stack", "group", "gstack"] as const) {
  test(
    `recover of a ${kind} killed at every file call gives what an uninterrupted recover gives`,
    SLOW,
    () => {
      const root = tempDir();
      // The points of the runs that got through, added up: the file
      // calls of the recovers (each runtime runs its own points).
      let calls = 0;
      for (const at of STATES[kind]) {
        // The writer killed mid-append: the crashed folder.
        const crashed = join(root, `w${at}`);
        const { acked } = runKilledAt(CHILD, at, kind, crashed);
        const reference = join(root, `r${at}`);
        cpSync(crashed, reference, { recursive: true });
        recoverAt(kind, reference);
        const want = rowsOf(kind, reference);
        assert.ok(want.length >= acked, `${want.length} rows, ${acked} acked`);
        assert.deepEqual(want, [...ints(0, want.length)]);
        for (const m of killPoints(1, 400)) {
          const sub = join(root, `k${at}-${m}`);
          mkdirSync(sub);
          const path = join(sub, "d");
          cpSync(crashed, path, { recursive: true });
          const { through } = runKilledAt(
            CHILD,
            m,
            kind === "stack" ? "recover-stack" : "recover-group",
            path,
          );
          recoverAt(kind, path);
          assert.deepEqual(rowsOf(kind, path), want, `killed at call ${m}`);
          appendAgain(kind, path, want.length);
          if (through) {
            calls += m;
            break;
          }
        }
      }
      assert.ok(calls > 4, `${calls} calls`);
    },
  );
}
