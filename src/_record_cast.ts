/**
 * {@linkcode castRecords}: records of one dtype into another, as NumPy
 * 1.24's `astype` casts them (field by field in order, whatever the names;
 * sub-arrays broadcast, cut or padded with zeros).
 *
 * @module
 */

import { type DType, NATIVE_LITTLE_ENDIAN } from "./dtype.ts";
import type { Casting } from "./casting.ts";
import { appendBytes } from "./_alloc.ts";
import { decodeItems, numericDecoder } from "./decode.ts";
import type {
  ArrayInput,
  PreparedArray,
  PrepareOptions,
} from "./array_input.ts";

/**
 * The conversion of plain items (`prepareArray`, passed in by
 * `_prepare.ts` so that the two modules do not import each other).
 */
export type Prepare = (
  input: ArrayInput,
  options: PrepareOptions,
) => PreparedArray;

/** A field's element dtype and its sub-array shape (`[]` for none). */
interface Part {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const bytesOf = (p: Part) => p.dtype.itemsize * count(p.shape);

/**
 * Converts `n` items of `from` (bytes as a file holds them) into `to`, as
 * `np.frombuffer(bytes, from).astype(to)`, where records, sub-arrays or
 * void are on either side. The caller has checked the cast against
 * `casting`; values are still checked as every conversion checks them
 * (range below "unsafe").
 *
 * @param bytes The items' bytes.
 * @param n How many items.
 * @param from Their dtype.
 * @param to The dtype to convert them into.
 * @param casting The casting mode, for the values.
 * @param label The file, named in errors.
 * @param prepare The conversion of plain items (`prepareArray`).
 * @returns The bytes of `n` items of `to`.
 * @throws {TypeError} for a void's values into anything but void.
 * @throws {RangeError} for a value a field cannot hold.
 */
export function castRecords(
  bytes: Uint8Array,
  n: number,
  from: DType,
  to: DType,
  casting: Casting,
  label: string,
  prepare: Prepare,
): Uint8Array {
  const f = { dtype: from, shape: [] };
  return convert(bytes, n, f, { dtype: to, shape: [] }, {
    casting,
    label,
    prepare,
    n,
    to,
  });
}

/**
 * What every step of one cast needs: the rule, the file, the conversion,
 * the items and the dtype they go into (for messages).
 */
interface Cast {
  readonly casting: Casting;
  readonly label: string;
  readonly prepare: Prepare;
  readonly n: number;
  readonly to: DType;
}

/** Bytes for a step of the cast (`appendBytes`, naming the items). */
function castBytes(size: number, c: Cast): Uint8Array {
  return appendBytes(
    size,
    c.label,
    () => `its ${c.n} items converted into dtype "${c.to.str}"`,
  );
}

function convert(
  bytes: Uint8Array,
  n: number,
  from: Part,
  to: Part,
  c: Cast,
): Uint8Array {
  const sameShape = from.shape.length === to.shape.length &&
    from.shape.every((d, i) => d === to.shape[i]);
  const a = from.dtype;
  const b = to.dtype;
  if (sameShape && a.str === b.str) return bytes.slice(0, n * bytesOf(from));
  // The order of NumPy's choice of cast: records (not sub-arrays of them)
  // first, then sub-arrays, then elements.
  const fromRecord = from.shape.length === 0 && a.fields !== undefined;
  const toRecord = to.shape.length === 0 && b.fields !== undefined;
  if (fromRecord && toRecord) {
    const out = castBytes(n * b.itemsize, c);
    for (const [i, f] of a.fields!.entries()) {
      const g = b.fields![i]!;
      const column = gather(bytes, n, a.itemsize, f.offset, bytesOf(f));
      const done = convert(column, n, f, g, c);
      scatter(out, done, n, b.itemsize, g.offset, bytesOf(g));
    }
    return out;
  }
  if (fromRecord) {
    // A record of one field into anything else: that field's values.
    const f = a.fields![0]!;
    const column = gather(bytes, n, a.itemsize, f.offset, bytesOf(f));
    return convert(column, n, f, to, c);
  }
  if (toRecord) {
    // Anything else into a record: the value into every field.
    const out = castBytes(n * b.itemsize, c);
    for (const g of b.fields!) {
      const done = convert(bytes, n, from, g, c);
      scatter(out, done, n, b.itemsize, g.offset, bytesOf(g));
    }
    return out;
  }
  if (!sameShape) return reshape(bytes, n, from, to, c);
  const per = count(from.shape);
  if (per !== 1 || from.shape.length > 0) {
    // The same shape: element by element.
    return convert(
      bytes,
      n * per,
      { dtype: a, shape: [] },
      { dtype: b, shape: [] },
      c,
    );
  }
  return convertPlain(bytes, n, a, b, c);
}

/** Items of dtypes without fields or sub-arrays. */
function convertPlain(
  bytes: Uint8Array,
  n: number,
  a: DType,
  b: DType,
  c: Cast,
): Uint8Array {
  const { casting, label, prepare } = c;
  if (b.kind === "V" || a.kind === "V") {
    if (b.kind !== "V") throw voidError(a, b, label);
    // Into void: the bytes (in native order), cut or padded with zeros,
    // as NumPy's astype.
    const src = nativeBytes(bytes, n, a);
    const out = castBytes(n * b.itemsize, c);
    const keep = Math.min(a.itemsize, b.itemsize);
    for (let i = 0; i < n; i++) {
      const at = i * a.itemsize;
      out.set(src.subarray(at, at + keep), i * b.itemsize);
    }
    return out;
  }
  let values = decodeItems(bytes, a, n);
  if (a.kind === "S" && b.kind !== "S") {
    values = asciiTexts(values, a, b, label);
  }
  // u1 values are numbers (a Uint8Array into S would be its bytes).
  if (a.kind === "u" && b.kind === "S") {
    values = Array.from(values as Uint8Array) as never;
  }
  return prepare(
    { data: values, shape: [n], dtype: a } as never,
    { dtype: b, casting, fortranOrder: false, label },
  ).bytes;
}

/** Byte strings as text, as NumPy reads them (ASCII) into `U` or numbers. */
function asciiTexts(
  items: unknown,
  a: DType,
  b: DType,
  label: string,
): string[] {
  return (items as Uint8Array[]).map((item, i) => {
    const high = item.findIndex((x) => x > 127);
    if (high >= 0) {
      throw new RangeError(
        `Cannot append to ${label}: item ${i} of dtype "${a.str}" has byte ${
          item[high]
        } (not ASCII), which NumPy cannot convert to "${b.str}" either; give the data in dtype "${b.str}"`,
      );
    }
    return String.fromCharCode(...item);
  });
}

function nativeBytes(bytes: Uint8Array, n: number, a: DType): Uint8Array {
  const wide = a.kind === "U" ? 4 : numericDecoder(a) === undefined ? 1 : 0;
  if (wide === 0) {
    const v = decodeItems(bytes, a, n) as unknown as ArrayBufferView;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  if (wide === 1 || a.byteOrder !== (NATIVE_LITTLE_ENDIAN ? ">" : "<")) {
    return bytes;
  }
  const out = bytes.slice(0, n * a.itemsize);
  for (let i = 0; i < out.length; i += 4) out.subarray(i, i + 4).reverse();
  return out;
}

function voidError(a: DType, b: DType, label: string): TypeError {
  return new TypeError(
    `Cannot append to ${label}: values of the unstructured void dtype "${a.str}" are converted into void only, not into "${b.str}": give the data in dtype "${b.str}"`,
  );
}

/**
 * Sub-arrays of another shape, as NumPy's subarray broadcast: the shapes
 * aligned at their last axes, a source axis of 1 (or missing) repeated,
 * places past the source's end zero; one element into many repeats it,
 * many into one keeps the first.
 */
function reshape(
  bytes: Uint8Array,
  n: number,
  from: Part,
  to: Part,
  c: Cast,
): Uint8Array {
  const fromCount = count(from.shape);
  const toCount = count(to.shape);
  const map = elementMap(from.shape, to.shape, fromCount, toCount);
  const es = from.dtype.itemsize;
  const ts = to.dtype.itemsize;
  // A place to be zeroed converts some real element meanwhile (zero bytes
  // may be no value of the source, as "" is no number).
  const stand = map.find((k) => k >= 0);
  if (stand === undefined) return castBytes(n * toCount * ts, c);
  const column = castBytes(n * toCount * es, c);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < toCount; j++) {
      const k = map[j]! < 0 ? stand : map[j]!;
      const at = (r * fromCount + k) * es;
      column.set(bytes.subarray(at, at + es), (r * toCount + j) * es);
    }
  }
  const out = convert(
    column,
    n * toCount,
    { dtype: from.dtype, shape: [] },
    { dtype: to.dtype, shape: [] },
    c,
  );
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < toCount; j++) {
      if (map[j]! < 0) {
        out.fill(0, (r * toCount + j) * ts, (r * toCount + j + 1) * ts);
      }
    }
  }
  return out;
}

/** For each target element, the source element it takes, or -1 (zero). */
function elementMap(
  src: readonly number[],
  dst: readonly number[],
  srcCount: number,
  dstCount: number,
): number[] {
  if (dst.length === 0) return [srcCount > 0 ? 0 : -1];
  if (srcCount === 1) return new Array<number>(dstCount).fill(0);
  const diff = dst.length - src.length;
  const out: number[] = [];
  for (let j = 0; j < dstCount; j++) {
    let rest = j;
    let index = 0;
    let factor = 1;
    for (let i = dst.length - 1; i >= 0; i--) {
      let coord = rest % dst[i]!;
      rest = Math.floor(rest / dst[i]!);
      if (i < diff) continue;
      const s = src[i - diff]!;
      if (s === 1) coord = 0;
      else if (coord >= s) {
        index = -1;
        break;
      }
      index += factor * coord;
      factor *= s;
    }
    out.push(index);
  }
  return out;
}

function gather(
  bytes: Uint8Array,
  n: number,
  stride: number,
  offset: number,
  size: number,
): Uint8Array {
  const out = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    const at = i * stride + offset;
    out.set(bytes.subarray(at, at + size), i * size);
  }
  return out;
}

function scatter(
  out: Uint8Array,
  column: Uint8Array,
  n: number,
  stride: number,
  offset: number,
  size: number,
): void {
  for (let i = 0; i < n; i++) {
    out.set(column.subarray(i * size, (i + 1) * size), i * stride + offset);
  }
}
