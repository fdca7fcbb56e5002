/**
 * The truncation table: NumPy-made files cut at every byte offset past the
 * header. `recover` must give the row count of the Python package
 * (`divmod(data_length, row_bytes)`: floor, or ceil with zero-fill), and
 * NumPy must load the result with the surviving values.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  needsRecoverySync,
  parseHeader,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import {
  npLoadJsonMany,
  npSaveBytes,
  numpyTestOptions,
  tempDir,
} from "./_numpy.ts";

interface Case {
  name: string;
  expr: string;
  /** Elements per step along the growth axis. */
  perRow: number;
}

const CASES: Case[] = [
  {
    name: "C order (7, 3) float32",
    expr: "np.arange(1, 22, dtype='<f4').reshape(7, 3) * 1.5",
    perRow: 3,
  },
  {
    name: "Fortran order (3, 7) float32",
    expr:
      "np.asfortranarray(np.arange(1, 22, dtype='<f4').reshape(3, 7) * 1.5)",
    perRow: 3,
  },
  {
    name: "C order (5, 2) int16, big endian",
    expr: "np.arange(-5, 5, dtype='>i2').reshape(5, 2)",
    perRow: 2,
  },
];

/** Values in logical C order of a file-order flat array. */
function cOrder(
  flat: ArrayLike<number>,
  shape: readonly number[],
  fortran: boolean,
): number[] {
  if (!fortran) return Array.from(flat);
  const [rows, cols] = shape as [number, number];
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out.push(flat[j * rows + i]!);
  }
  return out;
}

for (const c of CASES) {
  test(`recover at every cut: ${c.name}`, numpyTestOptions(), async () => {
    const original = npSaveBytes(c.expr);
    const header = parseHeader(original);
    const itemsize = header.dtype.itemsize;
    const rowBytes = c.perRow * itemsize;
    const axis = header.fortranOrder ? header.shape.length - 1 : 0;
    const dir = tempDir();
    const paths: string[] = [];
    const expected: { shape: number[]; values: number[] }[] = [];
    for (let cut = header.headerLength; cut <= original.length; cut++) {
      const dataLength = cut - header.headerLength;
      for (const zerofill of [false, true]) {
        const file = new MemoryFile(original.subarray(0, cut));
        assert.equal(
          needsRecoverySync(file),
          cut !== original.length,
          `cut ${cut}`,
        );
        if (zerofill) await recover(file, { zerofillIncomplete: true });
        else recoverSync(file);
        const rows = zerofill
          ? Math.ceil(dataLength / rowBytes)
          : Math.floor(dataLength / rowBytes);
        const shape = [...header.shape];
        shape[axis] = rows;
        assert.equal(file.sizeSync(), header.headerLength + rows * rowBytes);
        // The header keeps its length: the data does not move.
        assert.equal(parseHeader(file.bytes()).headerLength, 128);
        const got = readNpySync(file);
        assert.deepEqual(got.shape, shape, `cut ${cut}, zerofill ${zerofill}`);
        // What survives: the original bytes up to the cut, then zeros.
        const want = new Uint8Array(rows * rowBytes);
        want.set(
          original.subarray(
            header.headerLength,
            header.headerLength + Math.min(dataLength, want.length),
          ),
        );
        assert.deepEqual(
          file.bytes().subarray(header.headerLength),
          want,
          `cut ${cut}, zerofill ${zerofill}`,
        );
        const path = join(dir, `cut${cut}_${zerofill ? "z" : "t"}.npy`);
        writeFileSync(path, file.bytes());
        paths.push(path);
        expected.push({
          shape,
          values: cOrder(
            got.data as ArrayLike<number>,
            shape,
            header.fortranOrder,
          ),
        });
      }
    }
    // One NumPy process loads them all.
    const loaded = npLoadJsonMany(paths);
    assert.equal(loaded.length, paths.length);
    loaded.forEach((np, i) => {
      assert.deepEqual(np.shape, expected[i]!.shape, paths[i]);
      assert.equal(np.fortran_order, header.fortranOrder);
      assert.deepEqual(np.values, expected[i]!.values, paths[i]);
    });
  });
}
