/**
 * Structured dtypes read from their field lists: names and titles,
 * offsets, padding, sub-array levels, and NumPy's limits on each, as
 * `np.dtype` (and `descr_to_dtype` for a header's descr) reads them.
 * `dtype.ts` turns the fields into a `DType`.
 *
 * @module
 */

import { clipped } from "./_describe_value.ts";
import type { DType, DTypeField } from "./dtype.ts";
import { MAX_DIMS, MAX_DTYPE_NESTING, MAX_ITEMSIZE } from "./_numpy_limits.ts";
import { PY_NONE, pyRepr, PyTuple, type PyValue } from "./py_literal.ts";

/** Reads a field's format that is not a sub-array. */
export type ElementReader = (
  value: unknown,
  spec: string,
  depth: number,
  strict: boolean,
) => DType;

/**
 * The error for a dtype spelling that `np.dtype` refuses.
 *
 * @param spec The spelling.
 * @param why Why, and the fix.
 * @throws {TypeError} always.
 */
export function badDType(spec: string, why: string): never {
  throw new TypeError(
    `Cannot use dtype ${clipped(JSON.stringify(spec))}: ${why}`,
  );
}

function toShape(value: unknown, spec: string): number[] {
  // NumPy reads `(format, 1)` as the format itself (a deprecated spelling
  // of a scalar), while `(format, (1,))` is a sub-array of one element.
  if (value === 1 || value === 1n) return [];
  const items = value instanceof PyTuple
    ? value.items
    : Array.isArray(value)
    ? value
    : [value];
  if (items.length > MAX_DIMS) {
    badDType(spec, `a sub-array has at most ${MAX_DIMS} dimensions`);
  }
  return items.map((v) => {
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      badDType(spec, "sub-array shape must hold non-negative integers");
    }
    return n as number;
  });
}

// A sub-array spelling: Python `('<f8', (5,))` or JS `["<f8", [5]]`.
function subArrayParts(value: unknown): [unknown, unknown] | undefined {
  if (value instanceof PyTuple) {
    return value.items.length === 2
      ? [value.items[0], value.items[1]]
      : undefined;
  }
  if (
    Array.isArray(value) && value.length === 2 &&
    (!Array.isArray(value[0]) || subArrayParts(value[0]) !== undefined) &&
    !(value[0] instanceof PyTuple) &&
    (typeof value[1] === "number" || typeof value[1] === "bigint" ||
      (Array.isArray(value[1]) &&
        value[1].every((n) => typeof n === "number" || typeof n === "bigint")))
  ) {
    return [value[0], value[1]];
  }
  return undefined;
}

// The type of a field: its base dtype and the shapes of any sub-array
// levels wrapped around it, outermost first (empty levels dropped, as NumPy).
function fieldType(
  value: unknown,
  spec: string,
  depth: number,
  strict: boolean,
  element: ElementReader,
): { dtype: DType; levels: number[][] } {
  if (depth > MAX_DTYPE_NESTING) {
    badDType(
      spec,
      `it nests more than ${MAX_DTYPE_NESTING} levels, which np.load cannot read; flatten the inner fields`,
    );
  }
  const parts = subArrayParts(value);
  if (parts === undefined) {
    return { dtype: element(value, spec, depth, strict), levels: [] };
  }
  if (
    parts[0] instanceof PyTuple && subArrayParts(parts[0]) === undefined
  ) {
    badDType(spec, "a sub-array must be (format, shape)");
  }
  if (parts[1] instanceof Map) {
    badDType(
      spec,
      `it carries dtype metadata ${
        pyRepr(parts[1] as PyValue)
      }, which np.load refuses too; save the array without metadata`,
    );
  }
  const inner = fieldType(parts[0], spec, depth + 1, strict, element);
  const shape = toShape(parts[1], spec);
  return {
    dtype: inner.dtype,
    levels: shape.length > 0 ? [shape, ...inner.levels] : inner.levels,
  };
}

/**
 * Reads a field list (Python `[('a', '<f8'), ('b', '<i4', (2,))]`, or
 * the same as JS arrays) into fields at their offsets, as `np.dtype`
 * does: titles, padding fields, nested sub-arrays, NumPy's limits.
 *
 * @param list The field entries.
 * @param spec The whole spelling, for messages.
 * @param depth How deeply nested this list is.
 * @param strict A header's descr (no spaces around type strings).
 * @param element Reads a field's format that is not a sub-array (a type
 *   string, a nested field list, a `DType`).
 * @returns The fields and the record size.
 * @throws {TypeError} for what `np.dtype` refuses, naming the spelling.
 */
export function readFields(
  list: readonly unknown[],
  spec: string,
  depth: number,
  strict: boolean,
  element: ElementReader,
): { fields: DTypeField[]; itemsize: number } {
  if (depth > MAX_DTYPE_NESTING) {
    badDType(
      spec,
      `it nests more than ${MAX_DTYPE_NESTING} levels, which np.load cannot read; flatten the inner fields`,
    );
  }
  const fields: DTypeField[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const [index, entry] of list.entries()) {
    const parts = entry instanceof PyTuple
      ? entry.items
      : Array.isArray(entry)
      ? entry
      : null;
    if (parts === null || (parts.length !== 2 && parts.length !== 3)) {
      badDType(spec, "a field must be (name, format) or (name, format, shape)");
    }
    const [rawName, format, rawShape] = parts as unknown[];
    let name: string;
    let title: string | undefined;
    // A JS field list is the caller's, read as np.dtype reads one: a
    // field named '' is `f{index}`, padding never. A Python literal's
    // tuples (a header's descr, a dtype's `str`) are read as np.load's
    // descr_to_dtype reads them: '' kept, or padding (below).
    if (rawName === "" && Array.isArray(entry)) name = `f${index}`;
    else if (typeof rawName === "string") name = rawName;
    else if (
      rawName instanceof PyTuple && rawName.items.length === 2 &&
      typeof rawName.items[0] === "string" &&
      typeof rawName.items[1] === "string"
    ) {
      title = rawName.items[0];
      name = rawName.items[1];
    } else if (
      rawName instanceof PyTuple && rawName.items.length === 2 &&
      rawName.items[0] === PY_NONE && typeof rawName.items[1] === "string"
    ) {
      // np.dtype([((None, 'a'), ...)]): a field with no title, as np.load
      // reads the descr np.save writes for it.
      name = rawName.items[1];
    } else if (
      rawName instanceof PyTuple && rawName.items.length === 2 &&
      typeof rawName.items[1] === "string"
    ) {
      const t = pyRepr(rawName.items[0] as PyValue);
      return badDType(
        spec,
        `titles that are not strings (${t}) are not supported: give the fields string titles or none (in NumPy, and save the array again)`,
      );
    } else {
      return badDType(spec, "a field name must be a string");
    }
    const inner = fieldType(format, spec, depth + 1, strict, element);
    const dtype = inner.dtype;
    const outer = rawShape === undefined ? [] : toShape(rawShape, spec);
    const levels = outer.length > 0 ? [outer, ...inner.levels] : inner.levels;
    const shape = levels.flat();
    const count = shape.reduce((a, b) => a * b, 1);
    const size = dtype.itemsize * count;
    if (!(size <= MAX_ITEMSIZE)) {
      badDType(spec, "field too large (NumPy's items are under 2**31 bytes)");
    }
    // descr_to_dtype: a field named '' (no title) whose whole type is void,
    // a plain V or any sub-array, is padding.
    const isPadding = name === "" && title === undefined &&
      (shape.length > 0 || (dtype.kind === "V" && dtype.fields === undefined));
    if (!isPadding) {
      // NumPy keeps names and titles in one table: none may repeat.
      for (const key of title === undefined ? [name] : [name, title]) {
        if (names.has(key) || (key === title && key === name)) {
          badDType(spec, `duplicate field name or title "${key}"`);
        }
        names.add(key);
      }
      fields.push({
        name,
        ...(title !== undefined ? { title } : {}),
        offset,
        dtype,
        shape,
        ...(levels.length > 1 ? { levels } : {}),
      });
    }
    offset += size;
    if (!(offset <= MAX_ITEMSIZE)) {
      badDType(spec, "record too large (NumPy's items are under 2**31 bytes)");
    }
  }
  return { fields, itemsize: offset };
}
