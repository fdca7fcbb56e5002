/**
 * The value of a sub-array field of a record (`('a', '<i2', (2, 3))`),
 * taken as NumPy takes it in `np.array(rows, dtype)`: nested arrays of the
 * field's shape, or of a shape NumPy broadcasts to it (one value for the
 * whole field, a row repeated, axes of length 1); ragged or other shapes
 * are refused, as NumPy refuses them. A flat list or typed array of
 * exactly the field's item count is also taken (the JS spelling of a
 * sub-array, as the readers give it).
 *
 * @module
 */

import { isTypedArray, itemBytes } from "./_typed_arrays.ts";

const shown = (shape: readonly number[]) =>
  `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;

/**
 * The items of a sub-array field's value, flat in C order.
 *
 * @param value The field's value in a record.
 * @param shape The field's shape.
 * @param count The number of items of the shape.
 * @param bytesLeaf Whether a `Uint8Array` is one item (`S`/`V` fields).
 * @param where Names the record and field, for errors.
 * @returns `count` items.
 */
export function subarrayItems(
  value: unknown,
  shape: readonly number[],
  count: number,
  bytesLeaf: boolean,
  where: () => string,
): ArrayLike<unknown> {
  itemBytes(value, where); // refuses unusable views
  const isRow = (v: unknown): v is ArrayLike<unknown> =>
    Array.isArray(v) ||
    (isTypedArray(v) && !(bytesLeaf && v instanceof Uint8Array));
  if (isRow(value) && !Array.isArray(value) && value.length === count) {
    return value; // a flat typed array
  }
  const given: number[] = [];
  let probe: unknown = value;
  while (isRow(probe)) {
    if (given.length === shape.length) {
      throw new RangeError(
        `Cannot append record ${where()}: the value is nested deeper than the sub-array's shape ${
          shown(shape)
        }; give ${count} values, flat or nested as ${shown(shape)}`,
      );
    }
    given.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const leaves: unknown[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (typeof node === "object" && node !== null) itemBytes(node, where);
    if (depth === given.length) {
      if (isRow(node)) {
        throw new RangeError(
          `Cannot append record ${where()}: ragged nested array, ${path} is deeper than the first element`,
        );
      }
      leaves.push(node);
      return;
    }
    if (!isRow(node) || node.length !== given[depth]) {
      throw new RangeError(
        `Cannot append record ${where()}: ragged nested array, ${path} has ${
          isRow(node) ? `length ${node.length}` : "no items"
        } but ${given[depth]} expected`,
      );
    }
    for (let i = 0; i < node.length; i++) {
      walk(node[i], depth + 1, `${path}[${i}]`);
    }
  };
  walk(value, 0, "value");
  if (given.length === 1 && leaves.length === count) return leaves; // flat
  // NumPy's broadcasting: trailing axes line up, each equal or 1.
  const lead = shape.length - given.length;
  if (given.some((n, i) => n !== 1 && n !== shape[lead + i])) {
    throw new RangeError(
      `Cannot append record ${where()}: a value of shape ${
        shown(given)
      } does not fit the sub-array of shape ${
        shown(shape)
      } (NumPy broadcasts only one value, a row, or axes of length 1); give ${count} values, flat or nested as ${
        shown(shape)
      }`,
    );
  }
  if (leaves.length === count) return leaves;
  const out = new Array<unknown>(count);
  for (let j = 0; j < count; j++) {
    let rest = j;
    let from = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= lead; d--) {
      const coord = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      const n = given[d - lead]!;
      if (n !== 1) from += coord * stride;
      stride *= n;
    }
    out[j] = leaves[from];
  }
  return out;
}
