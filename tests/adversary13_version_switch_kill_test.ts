/**
 * Adversary round 13, kills: `ensureAppendable` of a NumPy < 1.23 file
 * whose header, given room to grow, no longer fits version 1.0, so the
 * rewrite turns it into version 2.0 (a longer preamble and header) and
 * shifts the data in place; SIGKILLed after each of its file calls in
 * turn. After every kill, `recover` leaves a file whose records are the
 * old ones byte for byte, in version 1.0 as it was or 2.0 as `np.save`
 * writes it; the rerun gets through and leaves nothing beside the file.
 * Held when tried (no fix needed); kept as the kill test of the version
 * switch (the copy and the CLI's `ensure-appendable --inplace` held too,
 * not kept: 12 s and 50 s more).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAppendableSync, readNpySync, recoverSync } from "../mod.ts";
import { killPoints, runKilledAt } from "./_kill_at.ts";
import { fullVersion1 } from "./_full_version1.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(
  new URL("./_adversary13_child.ts", import.meta.url),
);
const SLOW = { timeout: 600_000 };
const MAX = { maxHeaderSize: 1 << 20 };

/** The data bytes of a version 1.0 or 2.0 file (a plain copy). */
function dataOf(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const start = bytes[6] === 1
    ? 10 + view.getUint16(8, true)
    : 12 + view.getUint32(8, true);
  return new Uint8Array(bytes.subarray(start));
}

for (const op of ["shift"]) {
  test(
    `ensureAppendable (${op}) from version 1.0 to 2.0 killed after each file call: the records stay, the rerun finishes`,
    SLOW,
    () => {
      const { bytes, fields } = fullVersion1();
      const data = dataOf(bytes);
      const root = tempDir();
      // The point of the run that got through: the calls of the switch.
      let calls = 0;
      let through = false;
      for (const n of killPoints(1, 200)) {
        if (through) break;
        const sub = join(root, String(n));
        mkdirSync(sub);
        const path = join(sub, "x.npy");
        writeFileSync(path, bytes);
        through = runKilledAt(CHILD, n, op, path).through;
        if (through) calls = n;
        else {
          recoverSync(path, MAX);
          const now = readFileSync(path);
          assert.deepEqual(dataOf(now), data, `call ${n}: the records`);
          assert.ok(now[6] === 1 || now[6] === 2, `call ${n}: version`);
          assert.deepEqual(readNpySync(path, MAX).shape, [3], `call ${n}`);
          assert.ok(
            runKilledAt(CHILD, 0, op, path).through,
            `call ${n}: the rerun failed`,
          );
        }
        const after = readFileSync(path);
        assert.equal(after[6], 2, `call ${n}: version 2.0`);
        assert.deepEqual(dataOf(after), data, `call ${n}: the records`);
        assert.equal(isAppendableSync(path, MAX), true, `call ${n}`);
        assert.deepEqual(readdirSync(sub), ["x.npy"], `call ${n}: leftovers`);
      }
      assert.ok(through, "never got through");
      assert.ok(calls > 4, `only ${calls} calls`);
      assert.equal(data.length, 3 * fields);
    },
  );
}

test(
  "the rewritten version 2.0 file is what np.load reads as the old one",
  numpyTestOptions(),
  () => {
    const { bytes } = fullVersion1();
    const root = tempDir();
    const path = join(root, "x.npy");
    const old = join(root, "old.npy");
    writeFileSync(path, bytes);
    writeFileSync(old, bytes);
    assert.ok(runKilledAt(CHILD, 0, "shift", path).through);
    const a = npLoadJson(path);
    const b = npLoadJson(old);
    assert.deepEqual(a.shape, b.shape);
    assert.deepEqual(a.values, b.values);
  },
);
