/**
 * Test helper: a small file to fault, and the check that a failed call
 * left it as it was. For the round-12 tests of failing disks, write calls
 * and options.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** A file `x.npy` alone in its folder, and its bytes. */
export interface RowsFile {
  dir: string;
  file: string;
  bytes: Uint8Array;
}

/** A fresh folder holding `x.npy` of rows 0, 1, 2 (`<f8`). */
export function threeRows(): RowsFile {
  const dir = tempDir();
  const file = join(dir, "x.npy");
  const w = NpyAppendArraySync.open(file);
  w.append(new Float64Array([0, 1, 2]));
  w.close();
  return { dir, file, bytes: readFileSync(file) };
}

/** The file is as before, no lock or temporary is left, appends go on. */
export function unchangedAndAppendable(f: RowsFile): void {
  assert.deepEqual(readFileSync(f.file), f.bytes);
  assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
  const w = NpyAppendArraySync.open(f.file);
  w.append(new Float64Array([3]));
  w.close();
  assert.deepEqual([...readNpySync(f.file).data as Float64Array], [
    0,
    1,
    2,
    3,
  ]);
}
