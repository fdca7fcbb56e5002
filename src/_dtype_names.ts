/**
 * NumPy's dtype names and one-letter codes, to the type strings they stand
 * for on a 64-bit little-endian machine (as NumPy on Linux).
 *
 * @module
 */

import type { DType } from "./dtype.ts";

/** Name or code to type string without byte order: `"float32"` to `"f4"`. */
export const NAMES: Record<string, string> = {
  bool: "b1",
  bool_: "b1",
  bool8: "b1",
  "?": "b1",
  int8: "i1",
  byte: "i1",
  b: "i1",
  uint8: "u1",
  ubyte: "u1",
  B: "u1",
  int16: "i2",
  short: "i2",
  h: "i2",
  uint16: "u2",
  ushort: "u2",
  H: "u2",
  int32: "i4",
  intc: "i4",
  i: "i4",
  uint32: "u4",
  uintc: "u4",
  I: "u4",
  int64: "i8",
  int: "i8",
  int_: "i8",
  long: "i8",
  longlong: "i8",
  intp: "i8",
  // NumPy 1.x names NumPy 2 removed, accepted as NumPy 1.24 reads them.
  int0: "i8",
  l: "i8",
  q: "i8",
  p: "i8",
  uint64: "u8",
  uint: "u8",
  ulong: "u8",
  ulonglong: "u8",
  uintp: "u8",
  uint0: "u8",
  L: "u8",
  Q: "u8",
  P: "u8",
  float16: "f2",
  half: "f2",
  e: "f2",
  float32: "f4",
  single: "f4",
  f: "f4",
  float64: "f8",
  float: "f8",
  double: "f8",
  float_: "f8",
  d: "f8",
  complex64: "c8",
  csingle: "c8",
  singlecomplex: "c8",
  F: "c8",
  complex128: "c16",
  complex: "c16",
  cdouble: "c16",
  complex_: "c16",
  D: "c16",
  // NumPy 1.24's names of the sized types: only size 0 ("str16" is refused).
  str0: "U0",
  bytes0: "S0",
  void0: "V0",
  object: "O",
  object_: "O",
  object0: "O",
  O: "O",
};

/**
 * NumPy 1.x names that NumPy 2 removed and that are refused here, to the
 * NumPy 2 spelling of the same type: `cfloat` (NumPy 1.x's complex128,
 * read by a C programmer as pairs of float32), long double names and
 * sized types without their size (refused under any name).
 */
export const NUMPY1_NAMES: Record<string, string> = {
  cfloat: "complex128",
  longfloat: "longdouble",
  clongfloat: "clongdouble",
  longcomplex: "clongdouble",
  string_: "bytes_",
  unicode_: "str_",
};

/** NumPy's sized types named without a size (NumPy's size 0): what and an example. */
export const FLEXIBLE: Record<string, [string, string]> = {
  U: ["string", "<U8"],
  str: ["string", "<U8"],
  str_: ["string", "<U8"],
  unicode: ["string", "<U8"],
  unicode_: ["string", "<U8"],
  S: ["bytes", "|S8"],
  a: ["bytes", "|S8"],
  bytes: ["bytes", "|S8"],
  bytes_: ["bytes", "|S8"],
  string_: ["bytes", "|S8"],
  V: ["void", "|V8"],
  void: ["void", "|V8"],
};

/** The refusal of a sized type without its size, and the fix. */
export function flexibleWhy(flexible: [string, string]): string {
  return `a ${flexible[0]} type needs its size, such as "${
    flexible[1]
  }" (NumPy sizes it from the data: leave the dtype out, and a new file takes it from the first append)`;
}

/**
 * Why a dtype given as the `dtype` option is refused when it is NumPy's
 * flexible text type of size 0 (`"S"`, `"S0"`, `"U"`, `"str"` ...):
 * NumPy sizes it from the data (`np.zeros(3, "S")` is `|S1`, `np.array(
 * ["ab"], "S0")` is `|S2`), and an item of no bytes holds no text. A void
 * of size 0 (`"V"`, `"V0"`) is kept: NumPy makes such arrays
 * (`np.zeros(3, "V")` is `|V0`). `undefined` for any other dtype.
 *
 * @param dtype The parsed dtype.
 * @returns The reason and the fix, or `undefined`.
 */
export function unsizedWhy(dtype: DType): string | undefined {
  if (dtype.itemsize !== 0 || dtype.fields !== undefined) return undefined;
  const flexible = dtype.kind === "U"
    ? FLEXIBLE.U
    : dtype.kind === "S"
    ? FLEXIBLE.S
    : undefined;
  return flexible === undefined ? undefined : flexibleWhy(flexible);
}
