/**
 * Adversary round 12: async writers (file, stack, group) given many
 * appends without awaiting them, then `close()`, killed (SIGKILL) after
 * each file call in turn, with and without `fsync`. Every append whose
 * promise had settled survives (after the documented repair: `recover`,
 * `recoverStack`, `recoverGroup`), in order, values intact.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import {
  needsRecoverySync,
  NpyGroupReader,
  readNpyStackSync,
  readNpySync,
  recoverGroupSync,
  recoverStackSync,
  recoverSync,
} from "../mod.ts";
import { sweepKills } from "./_kill_at.ts";
import { scriptCommand } from "./_runtime.ts";

/** Bun gives a test 5 s unless told. */
const SLOW = { timeout: 600_000 };

const CHILD = scriptCommand(
  new URL("./_adversary12_kill_child.ts", import.meta.url),
);

/** The rows each kind holds after its repair (`[]` if nothing was made). */
const REPAIRED: Record<string, (path: string) => number[]> = {
  "async-many": file,
  "async-many-fsync": file,
  "astack-many": (path) => {
    if (!existsSync(path)) return [];
    recoverStackSync(path);
    // A kill before the first shard's header leaves none after the repair.
    if (!readdirSync(path).some((f) => /^\d+\.npy(\.part)?$/.test(f))) {
      return [];
    }
    return [...readNpyStackSync(path).data as Int32Array];
  },
  "agroup-many": (path) => {
    if (!existsSync(`${path}/group.json`)) return [];
    recoverGroupSync(path);
    using r = NpyGroupReader.openSync(path);
    const got = r.readSync();
    const a = [...got.a!.data as Int32Array];
    assert.deepEqual([...got.b!.data as Int32Array], a, "members disagree");
    return a;
  },
};

function file(path: string): number[] {
  // A kill before the first header leaves an empty file (the next writer
  // takes it for new).
  if (!existsSync(path) || statSync(path).size === 0) return [];
  if (needsRecoverySync(path)) recoverSync(path);
  return [...readNpySync(path).data as Int32Array];
}

for (const [op, repaired] of Object.entries(REPAIRED)) {
  test(
    `${op}: killed at every file call, every settled append survives`,
    SLOW,
    () => {
      let runs = 0;
      sweepKills(CHILD, op, "x", (path, acked, n) => {
        runs++;
        const got = repaired(path);
        const what = `${op} killed after call ${n} (${acked} acknowledged)`;
        assert.ok(got.length >= acked, `${what}: ${got.length} rows`);
        assert.deepEqual(got, got.map((_, i) => i), what);
      }, { stride: op.startsWith("async") ? 1 : 2 });
      assert.ok(runs > 5, `${runs} runs`);
    },
  );
}
