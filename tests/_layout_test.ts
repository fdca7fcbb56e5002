/**
 * The layout module: growth axis, bytes per row, whole rows, and the
 * completeness policy with one error per case.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { NpyFormatError, parseDType } from "../mod.ts";
import {
  bytesPerRow,
  checkFileState,
  type FileFacts,
  fileState,
  growthAxis,
  itemsPerRow,
  wholeRows,
} from "../src/_layout.ts";

test("growth axis: first in C order, last in Fortran order", () => {
  assert.equal(growthAxis(false, 3), 0);
  assert.equal(growthAxis(true, 3), 2);
  assert.equal(growthAxis(true, 1), 0);
  assert.equal(growthAxis(false, 0), 0);
});

test("items and bytes per row leave out the growth axis", () => {
  const f8 = parseDType("<f8");
  assert.equal(itemsPerRow([5, 3, 2], false), 6);
  assert.equal(itemsPerRow([5, 3, 2], true), 15);
  assert.equal(itemsPerRow([], false), 1);
  assert.equal(
    bytesPerRow({ shape: [5, 3], fortranOrder: false, dtype: f8 }),
    24,
  );
  assert.equal(
    bytesPerRow({ shape: [5, 3], fortranOrder: true, dtype: f8 }),
    40,
  );
  assert.equal(
    bytesPerRow({ shape: [5, 0], fortranOrder: false, dtype: f8 }),
    0,
  );
  const v0 = parseDType("|V0");
  assert.equal(bytesPerRow({ shape: [5], fortranOrder: false, dtype: v0 }), 0);
});

test("whole rows: a partial row is not counted; rows of no bytes keep the header's count", () => {
  const f8 = parseDType("<f8");
  const layout = { shape: [4, 3], fortranOrder: false, dtype: f8 };
  assert.equal(wholeRows(layout, 96), 4);
  assert.equal(wholeRows(layout, 95), 3);
  assert.equal(wholeRows(layout, 200), 8);
  assert.equal(wholeRows({ ...layout, shape: [7, 0] }, 5), 7);
  assert.equal(
    wholeRows({ ...layout, fortranOrder: true, shape: [3, 9] }, 48),
    2,
  );
});

function facts(
  descr: string,
  shape: number[],
  dataLength: number,
  appendable = true,
): FileFacts {
  const dtype = parseDType(descr);
  return {
    header: { dtype, shape, fortranOrder: false },
    dataLength,
    expectedDataLength: shape.reduce((a, b) => a * b, 1) * dtype.itemsize,
    appendable,
  };
}

test("fileState: complete, needs recovery (short and long), per use", () => {
  assert.deepEqual(fileState(facts("<f8", [2], 16), "read"), {
    state: "complete",
  });
  assert.deepEqual(fileState(facts("<f8", [2], 16), "append"), {
    state: "complete",
  });
  assert.deepEqual(fileState(facts("<f8", [2], 16), "recover"), {
    state: "complete",
  });
  for (const len of [0, 15, 17, 64]) {
    for (const use of ["read", "append", "recover"] as const) {
      assert.deepEqual(fileState(facts("<f8", [2], len), use), {
        state: "needs-recovery",
        dataLength: len,
        expectedDataLength: 16,
      });
    }
  }
});

test("fileState: a file that cannot grow is judged so for append only (recover checks the new header fits)", () => {
  const tight = facts("<f8", [2], 16, false);
  assert.equal(fileState(tight, "read").state, "complete");
  assert.equal(fileState(tight, "recover").state, "complete");
  assert.deepEqual(fileState(tight, "append"), {
    state: "not-appendable",
    reason: "no-room",
    dataLength: 16,
    expectedDataLength: 16,
  });
  const tightCut = facts("<f8", [2], 9, false);
  assert.equal(fileState(tightCut, "read").state, "needs-recovery");
  // recoverPlan rewrites the header in place when the new shape fits.
  assert.equal(fileState(tightCut, "recover").state, "needs-recovery");
  const zeroD = facts("<f8", [], 8);
  assert.equal(fileState(zeroD, "read").state, "complete");
  assert.equal(fileState(zeroD, "recover").state, "complete");
  assert.deepEqual(fileState(zeroD, "append"), {
    state: "not-appendable",
    reason: "0-d",
    dataLength: 8,
    expectedDataLength: 8,
  });
  assert.equal(
    fileState(facts("<f8", [], 3), "recover").state,
    "not-appendable",
  );
  const objects = facts("|O", [2], 5);
  assert.equal(fileState(objects, "read").state, "complete");
  assert.equal(fileState(objects, "recover").state, "complete");
  assert.equal(fileState(objects, "append").state, "not-appendable");
});

test("checkFileState: one error class and message per case", () => {
  const opts = { verb: "append to", label: "x.npy" };
  assert.throws(
    () => checkFileState(facts("<f8", [2], 17), "append", opts),
    (e: unknown) =>
      e instanceof NpyFormatError &&
      e.message ===
        'Cannot append to "x.npy": it holds 17 data bytes but its header says 16; call recover first',
  );
  assert.throws(
    () =>
      checkFileState(facts("<f8", [2], 3), "read", {
        verb: "read",
        label: "x.npy",
        offersAllowIncomplete: true,
      }),
    (e: unknown) =>
      e instanceof NpyFormatError &&
      e.message ===
        'Cannot read "x.npy": it holds 3 data bytes but its header says 16; call recover, or pass allowIncomplete: true',
  );
  assert.equal(
    checkFileState(facts("<f8", [2], 3), "read", {
      verb: "read",
      label: "x",
      allowIncomplete: true,
    }).state,
    "needs-recovery",
  );
  assert.equal(
    checkFileState(facts("<f8", [2], 3), "recover", opts).state,
    "needs-recovery",
  );
  assert.throws(
    () => checkFileState(facts("<f8", [2], 16, false), "append", opts),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot append to "x.npy": its header has no room to grow; call ensureAppendable first',
  );
  assert.throws(
    () => checkFileState(facts("<f8", [], 8), "append", opts),
    (e: unknown) =>
      e instanceof RangeError && /0-d array.*deleteIfExists/.test(e.message),
  );
  assert.throws(
    () =>
      checkFileState(facts("<f8", [], 3), "recover", {
        verb: "recover",
        label: "x",
      }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot recover "x": it holds a 0-d array, which has no axis to grow, and its 3 data bytes do not match the 8 its header says; save the array again',
  );
  assert.throws(
    () => checkFileState(facts("|O", [2], 16), "append", opts),
    (e: unknown) =>
      e instanceof NpyFormatError &&
      e.message ===
        'Cannot append to "x.npy": its dtype "|O" holds Python objects, which this library cannot write; convert the array in NumPy to a fixed-size dtype (text: a.astype("U"), numbers: a.astype("<f8")) and save it again, or start a new file with deleteIfExists',
  );
});
