/**
 * Plain strings named a number dtype (`{ data: ["1.5"], shape: [1],
 * dtype: "<f8" }`) read as `np.asarray(data, named)` reads them: with
 * Python's `float()`, `int()` and `complex()` (`_py_number_text.ts`). The
 * values then go the way numbers named that dtype go (range checks below
 * casting `"unsafe"`, then the cast to the file's dtype).
 *
 * @module
 */

import type { Casting } from "./casting.ts";
import type { DType } from "./dtype.ts";
import { show } from "./_describe_value.ts";
import { setSignBit } from "./_nan_bits.ts";
import {
  negativeNaN,
  pyComplexText,
  pyFloatText,
  pyIntText,
} from "./_py_number_text.ts";

/** Strings read as numbers, and which float parts are NaNs with their sign bit set. */
export interface NamedTexts {
  values: unknown[];
  /** Item index and part (0, or 1 for an imaginary part) of each `-nan`. */
  negativeNaNs: [number, number][];
}

/** What each kind reads, for the error of a text it cannot read. */
const READS: Record<string, string> = {
  f: `float() reads ("1.5", " 2 ", "1e3", "nan", "-inf")`,
  i: `int() reads ("12", " -3 ", "1_000"; no fraction, no exponent)`,
  c: `complex() reads ("1+2j", "(1-2j)", "3", "2j")`,
};

/** The C long range NumPy 1.24 converts Python ints through (i8's). */
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * Reads the strings among plain values named the numeric dtype `named`;
 * `undefined` when there are none (or the dtype is not a number's).
 *
 * @throws {TypeError} for text NumPy refuses (it raises `ValueError`) and
 * for text named `|b1` below casting `"unsafe"`.
 * @throws {RangeError} under `"unsafe"` for an integer NumPy cannot
 * convert (beyond a C long: `OverflowError`).
 */
export function readNamedTexts(
  data: ArrayLike<unknown>,
  named: DType,
  casting: Casting,
  label: string,
): NamedTexts | undefined {
  const kind = named.kind;
  if (!"fiucb".includes(kind) || named.fields !== undefined) return undefined;
  let i = 0;
  while (i < data.length && typeof data[i] !== "string") {
    // An empty slot is refused by the writers: a sparse array of length
    // 2**32 - 1 is not walked (a minute) to find no text.
    if (data[i] === undefined && !(i in data)) return undefined;
    i++;
  }
  if (i === data.length) return undefined;
  const values = Array.from(data);
  const negativeNaNs: [number, number][] = [];
  const unsafe = casting === "unsafe";
  const fail = (text: string, k: number, why: string): never => {
    throw new TypeError(
      `Cannot append value ${show(text)} at index ${k} to ${label}: ${why}`,
    );
  };
  for (; i < values.length; i++) {
    const text = values[i];
    if (typeof text !== "string") continue;
    const cannot = () =>
      fail(
        text,
        i,
        `NumPy cannot read it as dtype "${named.str}" (np.asarray raises ValueError): pass numbers, or text Python's ${
          READS[kind === "u" ? "i" : kind]
        }`,
      );
    if (kind === "f") {
      const v = pyFloatText(text);
      if (v === undefined) cannot();
      values[i] = v;
      if (v !== v && negativeNaN(text)) negativeNaNs.push([i, 0]);
    } else if (kind === "i" || kind === "u") {
      const v = pyIntText(text);
      if (v === undefined) cannot();
      if (
        unsafe && (v! < LONG_MIN ||
          v! >
            (kind === "u" && named.itemsize >= 4
              ? 2n * LONG_MAX + 1n
              : LONG_MAX))
      ) {
        throw new RangeError(
          `Cannot append value ${
            show(text)
          } at index ${i} to ${label}: NumPy cannot convert it to dtype "${named.str}" even with casting "unsafe" (Python int too large to convert to C long)`,
        );
      }
      values[i] = v;
    } else if (kind === "c") {
      const v = pyComplexText(text);
      if (v === undefined) cannot();
      values[i] = { re: v!.re, im: v!.im };
      if (v!.reNegNaN) negativeNaNs.push([i, 0]);
      if (v!.imNegNaN) negativeNaNs.push([i, 1]);
    } else if (unsafe) {
      // np.asarray(["False"], "|b1") is [True]: Python's bool(text).
      values[i] = text !== "";
    } else {
      fail(
        text,
        i,
        `NumPy reads any text but "" as True for dtype "${named.str}" ("False" and "0" too): pass booleans (or use casting "unsafe" for NumPy's truth of the text)`,
      );
    }
  }
  return { values, negativeNaNs };
}

/**
 * Sets the sign bit of the `-nan` parts in `bytes`, items of the
 * float or complex dtype `named` as encoded (a JS NaN may lose its sign).
 */
export function markNegativeNaNs(
  bytes: Uint8Array,
  named: DType,
  texts: NamedTexts,
): void {
  const size = named.itemsize;
  const part = named.kind === "c" ? size / 2 : size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [i, p] of texts.negativeNaNs) {
    setSignBit(view, i * size + p * part, part, named.byteOrder !== ">");
  }
}
