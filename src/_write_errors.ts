/**
 * The refusals of a value the element writers cannot write: out of the
 * dtype's range, or of a kind it does not take (naming what it takes).
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import { show } from "./_describe_value.ts";

/**
 * The refusal of one value: which value, where it was to go, and why
 * (naming the fix), as every element writer words it.
 *
 * @param kind `RangeError` (a value the dtype cannot hold) or `TypeError`.
 * @param value The value.
 * @param where Where it was to go ("at index 3 to \"x.npy\"").
 * @param why Why not, and the fix.
 */
export function refuseValue(
  kind: RangeErrorConstructor | TypeErrorConstructor,
  value: unknown,
  where: () => string,
  why: string,
): never {
  throw new kind(`Cannot append value ${show(value)} ${where()}: ${why}`);
}

/** A value out of the dtype's range (below casting "unsafe"). */
export function rangeError(
  value: unknown,
  dtype: DType,
  where: () => string,
): never {
  refuseValue(
    RangeError,
    value,
    where,
    `it does not fit dtype "${dtype.str}" (use casting "unsafe" to convert anyway)`,
  );
}

/** A value of a kind the dtype does not take. */
export function typeError(
  value: unknown,
  dtype: DType,
  where: () => string,
): never {
  refuseValue(
    TypeError,
    value,
    where,
    `dtype "${dtype.str}" needs ${describeWanted(dtype)}${
      typeof value === "string" ? textHint(dtype) : ""
    }`,
  );
}

/**
 * How text becomes a number, for a string a number dtype refused: as
 * `np.concatenate` refuses a `U` array into numbers below `"unsafe"`,
 * text is read (as Python reads it) when the input names its dtype
 * (`np.asarray(data, dtype)`) or under casting `"unsafe"`.
 */
function textHint(dtype: DType): string {
  const fn = dtype.kind === "f"
    ? "float"
    : dtype.kind === "c"
    ? "complex"
    : dtype.kind === "i" || dtype.kind === "u" || dtype.kind === "b"
    ? "int"
    : undefined;
  if (fn === undefined) return "";
  const named = dtype.kind === "b"
    ? ""
    : ` when the input names its dtype ({ data, shape, dtype: "${dtype.str}" }, as np.asarray(data, "${dtype.str}") reads it) or`;
  return `; text becomes a number only as Python's ${fn}() reads it${named} with casting "unsafe" (as np.concatenate casts text)`;
}

function describeWanted(dtype: DType): string {
  switch (dtype.kind) {
    case "b":
      return "booleans (or 0 and 1)";
    case "i":
    case "u":
      return "integer numbers or bigints";
    case "f":
      return "numbers";
    case "c":
      return "numbers or {re, im} objects";
    case "U":
      return "strings";
    case "S":
      return "ASCII strings or Uint8Arrays";
    case "M":
      // A generic M8 takes no date, and integers only as "unsafe" ticks.
      return dtype.unit === "generic"
        ? `its NaT, as the generic datetime holds no date but NaT: give the file a unit (dtype "${
          dtype.str.slice(0, 3)
        }[s]" for seconds), or with casting "unsafe" integers are stored as ticks of no unit`
        : "Dates, bigints or integer numbers";
    case "m":
      return "bigints or integer numbers";
    case "V":
      return dtype.fields ? "plain objects with its fields" : "Uint8Arrays";
    default:
      return "a supported value";
  }
}
