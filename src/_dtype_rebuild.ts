/**
 * A `DType` object given where a dtype spelling is expected, checked: it
 * is rebuilt from its descr, and refused when its parts disagree with
 * that (a `str` of `"<f8"` with an `itemsize` of 3 wrote a header over
 * 3-byte items, a file `np.load` refuses). The rebuilt object is used, so
 * nothing of the caller's object is trusted afterwards.
 *
 * @module
 */

import { descrValue, type DType, dtypeFromDescr } from "./dtype.ts";
import { pyRepr } from "./py_literal.ts";

/**
 * Whether `value` has a DType's properties (to be checked by
 * {@linkcode rebuiltDType}).
 *
 * @param value Anything.
 * @returns True for an object with `str`, `itemsize` and `kind`.
 */
export function isDType(value: unknown): value is DType {
  return typeof value === "object" && value !== null &&
    typeof (value as DType).str === "string" &&
    typeof (value as DType).itemsize === "number" &&
    typeof (value as DType).kind === "string";
}

/**
 * The dtype `value` stands for, rebuilt from its descr.
 *
 * @param value An object with a DType's properties.
 * @param spec How it is shown in a message.
 * @returns The rebuilt dtype.
 * @throws {TypeError} when its parts do not make that dtype.
 */
export function rebuiltDType(value: DType, spec: string): DType {
  let descr: string;
  let again: DType | undefined;
  try {
    descr = pyRepr(descrValue(value));
    again = dtypeFromDescr(descrValue(value));
  } catch {
    descr = "";
  }
  if (again !== undefined && sameDType(value, again)) return again;
  throw new TypeError(
    `Cannot use dtype ${JSON.stringify(spec)}: its parts ${
      descr === "" ? "make no dtype" : `disagree with its descr ${descr}`
    }; pass a descr text or a dtype made by parseDType`,
  );
}

function sameDType(a: DType, b: DType): boolean {
  if (
    a.kind !== b.kind || a.itemsize !== b.itemsize ||
    a.byteOrder !== b.byteOrder || a.str !== b.str || a.unit !== b.unit ||
    a.hasObject !== b.hasObject
  ) return false;
  const fa = a.fields;
  const fb = b.fields;
  if (fa === undefined || fb === undefined) return fa === fb;
  return Array.isArray(fa) && fa.length === fb.length &&
    fa.every((f, i) => {
      const g = fb[i]!;
      return f.name === g.name && f.title === g.title &&
        f.offset === g.offset &&
        JSON.stringify([f.shape, f.levels]) ===
          JSON.stringify([g.shape, g.levels]) &&
        sameDType(f.dtype, g.dtype);
    });
}
