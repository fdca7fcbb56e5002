/**
 * Test helper: the same files written through any build of the library
 * (the ES module bundle, Bun's bytecode build), so that a test can compare
 * the builds byte for byte. It takes the library as an argument and
 * imports none of it.
 *
 * @module
 */

import type * as Lib from "../mod.ts";

/**
 * Writes one file per case into `dir`: new files and appends of typed
 * arrays, nested arrays, big-endian integers, text, records, booleans and
 * complex numbers, a header that grows past its room, an appendable
 * rewrite, and a refused append that must leave its file as it was.
 *
 * @param lib The library, as `import * as lib` of one of its builds.
 * @param dir An existing empty folder.
 * @returns The file names written, sorted.
 */
export function writeBundleCases(lib: typeof Lib, dir: string): string[] {
  const names: string[] = [];
  const at = (name: string) => {
    names.push(name);
    return `${dir}/${name}`;
  };
  const open = (name: string, options?: Lib.NpyAppendArrayOptions) =>
    lib.NpyAppendArraySync.open(at(name), options);

  let w = open("f8.npy");
  w.append({ data: new Float64Array([1.5, -0, NaN, 4]), shape: [2, 2] });
  w.append({ data: new Float64Array([-Infinity, 6e300]), shape: [1, 2] });
  w.close();

  w = open("i2_big_endian.npy", { dtype: ">i2" });
  w.append([[1, -2], [300, -32768]]);
  w.append([[32767, 0]]);
  w.close();

  w = open("text.npy", { dtype: "<U3" });
  w.append(["a", "bé", "日本語"]);
  w.close();

  w = open("records.npy", {
    dtype: [["x", "<f4"], ["n", "<i8"], ["ok", "|b1"], ["s", "|S2"]],
  });
  w.append([{ x: 0.5, n: 7n, ok: true, s: "ab" }]);
  w.append([{ x: -1, n: -9007199254740993n, ok: false, s: "" }]);
  w.close();

  w = open("complex.npy", { dtype: "<c16" });
  w.append({ data: new Float64Array([1, 2, -3, 0.25]), shape: [2] });
  w.close();

  // Rows enough to grow the header past the room np.save leaves.
  w = open("grown.npy", { dtype: "<u1" });
  for (let i = 0; i < 40; i++) {
    w.append({ data: new Uint8Array(1000).fill(i), shape: [1000] });
  }
  w.close();

  w = open("refused.npy", { dtype: "<i4" });
  w.append([[1, 2, 3]]);
  try {
    w.append([[1, 2]]); // a row of the wrong length
    throw new Error("the wrong row length was accepted");
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
  }
  w.append([[4, 5, 6]]);
  w.close();

  return names.sort();
}
