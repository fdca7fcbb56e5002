/**
 * Adversary round 12: an append whose write fails and whose undo fails
 * too (a disk failing for a moment: an I/O error on the header write and
 * again on the write that puts the old header back, injected by `strace`;
 * Linux). The header still covered only the acknowledged rows, but the
 * failed append's row stayed in the data.
 *
 * Found: the writer refused every later append ("an earlier write failed
 * and could not be undone; close the writer, then call recover") and left
 * the failed row in the file at `close()`; `recover`, as told, counted it
 * as a row (it cannot tell it from a killed writer's unacknowledged one),
 * so the append that had failed with an error was in the file, and its
 * retry put it there twice. The undo is now tried again at the next
 * append and at `close()` (as a group's is): once the disk takes it, the
 * failed append is gone and appends go on. A disk that stays failing
 * still cannot take it (README, "What is promised").
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import {
  needsRecoverySync,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { hasNumpy, npSaveBytes, runPython } from "./_numpy.ts";
import { straceFailing, straceOptions } from "./_strace.ts";
import { threeRows } from "./_three_rows.ts";

const OPTS = { timeout: 120_000, ...straceOptions };

const CHILD = new URL("./_adversary12_child.ts", import.meta.url);

/** The file holds `want`, with no stray bytes for `recover` to count. */
function holds(file: string, want: number[]): void {
  assert.equal(needsRecoverySync(file), false);
  assert.deepEqual([...readNpySync(file).data as Float64Array], want);
  if (hasNumpy()) {
    assert.deepEqual(
      readFileSync(file),
      Buffer.from(npSaveBytes(`np.array([${want.join(", ")}], "<f8")`)),
    );
  }
}

const WRITES = ["write", "pwrite64"];

for (
  const [what, when, op, lines] of [
    // Write 1 the data, 2 the header (fails), 3 the old header (fails);
    // the retried append's undo (4) and its own writes get through.
    ["retried at the next append", "2..3", "retry", 1],
    // The failed undo again at the retry (4), then through at close().
    ["retried at close()", "2..4", "retry", 0],
    // No retry by the caller: close() undoes it.
    ["at close() without a retry", "2..3", "append", 0],
  ] as const
) {
  test(
    `adversary 12: a failed append whose undo failed once is undone ${what}: the file holds each acknowledged row once`,
    OPTS,
    () => {
      const f = threeRows();
      const stdout = straceFailing(CHILD, [f.file, op], {
        paths: [f.file],
        calls: [...WRITES],
        error: "EIO",
        when: when as unknown as number,
      });
      const out = stdout.split("\n").filter((l) => l !== "");
      assert.equal(out.at(-1), "done", stdout);
      assert.ok(out[0]!.startsWith("err "), stdout);
      assert.equal(JSON.parse(out[0]!.slice(4)).code, "EIO", stdout);
      const acked = out.filter((l) => l === "ack").length;
      assert.equal(acked, lines, stdout);
      assert.ok(out.includes("closed") || op === "append", stdout);
      assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
      holds(f.file, acked === 1 ? [0, 1, 2, 3] : [0, 1, 2]);
      const w = NpyAppendArraySync.open(f.file);
      w.append(new Float64Array([9]));
      w.close();
      holds(f.file, acked === 1 ? [0, 1, 2, 3, 9] : [0, 1, 2, 9]);
    },
  );
}

test(
  "adversary 12: a disk failing until the writer's process ends: np.load sees the acknowledged rows, recover counts the failed append's row (README Limits)",
  OPTS,
  () => {
    const f = threeRows();
    const stdout = straceFailing(CHILD, [f.file, "retry"], {
      paths: [f.file],
      calls: [...WRITES],
      error: "EIO",
      when: "2+" as unknown as number,
    });
    const out = stdout.split("\n").filter((l) => l !== "");
    assert.deepEqual(out.slice(-2), ["closed", "done"], stdout);
    assert.ok(!out.includes("ack"), stdout);
    assert.match(out[1]!, /could not be undone; close the writer/);
    assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
    assert.throws(
      () => readNpySync(f.file),
      (e) => (e as { code?: string }).code === "needs-recovery",
    );
    if (hasNumpy()) {
      assert.equal(
        runPython(
          "import sys, numpy as np; print(np.load(sys.argv[1]).tolist())",
          [f.file],
        ).trim(),
        "[0.0, 1.0, 2.0]",
      );
    }
    assert.equal(needsRecoverySync(f.file), true);
    recoverSync(f.file);
    assert.deepEqual([...readNpySync(f.file).data as Float64Array], [
      0,
      1,
      2,
      3,
    ]);
  },
);
