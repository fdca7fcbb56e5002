/**
 * NumPy's limits, which every file written here keeps so that NumPy can
 * load it: an item is under 2**31 bytes (NumPy's itemsize is a C int;
 * beyond, NumPy refuses it or wraps it negative), and arrays and sub-arrays
 * have at most 32 dimensions (`NPY_MAXDIMS`), and a header's Python literal
 * nests at most 200 brackets (Python's parser refuses more: "too many
 * nested parentheses"), so structured dtypes nest at most 99 levels.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { DAMAGED_HEADER } from "./_header_refusals.ts";

/** The largest itemsize NumPy holds, in bytes. */
export const MAX_ITEMSIZE = 2 ** 31 - 1;

/** The most dimensions of an array, or of one sub-array level. */
export const MAX_DIMS = 32;

/**
 * The most brackets nested in a header's Python literal: the `MAXLEVEL`
 * of Python's tokenizer, beyond which `ast.literal_eval`, and so
 * `np.load`, refuses the header.
 */
export const MAX_LITERAL_NESTING = 200;

/**
 * The most levels of structured dtypes (and sub-array wrappers) nested in
 * one another: each level is a list and a tuple in the header, inside the
 * header's dict, and the innermost field may add its shape tuple, so 99
 * levels fill the 200 brackets Python reads (`np.save` writes 100 levels,
 * which `np.load` then refuses).
 */
export const MAX_DTYPE_NESTING = 99;

/**
 * Whether NumPy refuses an array of `shape` and `itemsize` as "array is
 * too big": its itemsize times its non-zero dimensions must fit NumPy's
 * `intp` (2**63 - 1 bytes), also when a zero dimension leaves it empty
 * (`(0, 2**60)` of `<f8` is refused, `(0, 2**60 - 1)` is not). An itemsize
 * of 0 never is.
 *
 * @param shape The array shape.
 * @param itemsize Bytes per element.
 * @returns True when NumPy cannot make the array.
 */
export function numpyTooBig(
  shape: readonly number[],
  itemsize: number,
): boolean {
  let bytes = itemsize;
  for (const n of shape) if (n !== 0) bytes *= n;
  if (bytes < 2 ** 52) return false;
  // Near or past the limit: exactly, as doubles round.
  let exact = BigInt(itemsize);
  for (const n of shape) if (n !== 0) exact *= BigInt(n);
  return exact > 2n ** 63n - 1n;
}

/** The fix of a shape past JS's safe integers (README "Limits"). */
const TOO_MANY_FIX =
  "; arrays over 2**53 - 1 items or bytes are not supported: save the array in smaller files (a stack)";

/**
 * Returns `shape`'s element count times `itemsize`, checking that neither
 * overflows a safe integer.
 *
 * @param shape The array shape.
 * @param itemsize Bytes per element.
 * @returns The data size in bytes.
 * @throws {NpyFormatError} when the count overflows.
 */
export function checkByteCount(
  shape: readonly number[],
  itemsize: number,
): number {
  let count = 1;
  for (const n of shape) {
    count *= n;
    if (!Number.isSafeInteger(count)) {
      throw new NpyFormatError(
        "bad-header",
        `invalid header: shape (${
          shape.join(", ")
        }) holds too many elements${TOO_MANY_FIX}`,
      );
    }
  }
  if (numpyTooBig(shape, itemsize)) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: shape (${
        shape.join(", ")
      }) with itemsize ${itemsize} is larger than NumPy's largest array (2**63 - 1 bytes, counting the non-zero axes)${DAMAGED_HEADER}`,
    );
  }
  const bytes = count * itemsize;
  if (!Number.isSafeInteger(bytes)) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: shape (${
        shape.join(", ")
      }) with itemsize ${itemsize} overflows the byte count${TOO_MANY_FIX}`,
    );
  }
  return bytes;
}
