/**
 * NaN payloads across float sizes, bit for bit as NumPy casts them: a JS
 * number cannot be trusted to carry a NaN's sign and payload (engines may
 * replace it with their own NaN), so conversions of NaNs work on the bits.
 *
 * NumPy's rules (`astype`, `np.concatenate`): float32 <-> float64 go
 * through the CPU, which keeps the sign, shifts the payload and sets the
 * quiet bit; conversions to and from float16 (`npy_half`) keep the sign
 * and shift the payload without quieting, keeping the result a NaN.
 *
 * @module
 */

/** Fraction bits of each float size. */
const FRACTION_BITS: Record<number, bigint> = { 2: 10n, 4: 23n, 8: 52n };
const EXPONENT_BITS: Record<number, bigint> = { 2: 5n, 4: 8n, 8: 11n };

/** The bits of one float of `size` bytes at `offset`, as a bigint. */
export function floatBits(
  view: DataView,
  offset: number,
  size: number,
  le: boolean,
): bigint {
  if (size === 8) return view.getBigUint64(offset, le);
  if (size === 4) return BigInt(view.getUint32(offset, le));
  return BigInt(view.getUint16(offset, le));
}

/** Whether float bits of `size` bytes are a NaN. */
export function isNaNBits(bits: bigint, size: number): boolean {
  const f = FRACTION_BITS[size]!;
  const e = EXPONENT_BITS[size]!;
  const exponent = (bits >> f) & ((1n << e) - 1n);
  return exponent === (1n << e) - 1n && (bits & ((1n << f) - 1n)) !== 0n;
}

/**
 * The bits of a NaN converted from one float size to another, as NumPy
 * converts it.
 *
 * @param bits The NaN's bits (see {@linkcode isNaNBits}).
 * @param from Its size in bytes: 2, 4 or 8.
 * @param to The target size in bytes: 2, 4 or 8.
 * @returns The target's bits.
 */
export function convertNaNBits(bits: bigint, from: number, to: number): bigint {
  const ff = FRACTION_BITS[from]!;
  const tf = FRACTION_BITS[to]!;
  const te = EXPONENT_BITS[to]!;
  const sign = (bits >> (BigInt(from) * 8n - 1n)) & 1n;
  let frac = bits & ((1n << ff) - 1n);
  frac = tf >= ff ? frac << (tf - ff) : frac >> (ff - tf);
  if (from !== 2 && to !== 2 && from !== to) frac |= 1n << (tf - 1n);
  if (frac === 0n) frac = 1n;
  return (sign << (BigInt(to) * 8n - 1n)) | (((1n << te) - 1n) << tf) | frac;
}

/** Writes float bits of `size` bytes at `offset`. */
export function setFloatBits(
  view: DataView,
  offset: number,
  size: number,
  bits: bigint,
  le: boolean,
): void {
  if (size === 8) view.setBigUint64(offset, bits, le);
  else if (size === 4) view.setUint32(offset, Number(bits), le);
  else view.setUint16(offset, Number(bits), le);
}

/**
 * Where a record read from a file keeps the bits of its NaN float parts
 * (a property that is not enumerable), so writing the record again keeps
 * them: a JS number cannot carry them.
 */
export const NAN_BITS: unique symbol = Symbol("npy-append-array NaN bits");

/** The NaN bits of one field of a record. */
export interface SavedNaNs {
  /** The field's kind: `"f"` or `"c"`. */
  readonly kind: string;
  /** Bytes per float part in the file read. */
  readonly size: number;
  /** Part index (items in C order; re, im for complex) to its bits. */
  readonly parts: Map<number, bigint>;
}

/**
 * The float parts of a field's items, flat: each item for a float field,
 * re and im for a complex one (`{re, im}`, `[re, im]` or a real number).
 *
 * @param items The field's items in C order.
 * @param kind The field's kind.
 * @returns The parts.
 */
export function floatParts(items: ArrayLike<unknown>, kind: string): unknown[] {
  if (kind !== "c") return Array.from(items);
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    if (Array.isArray(v)) out.push(v[0], v[1]);
    else if (typeof v === "object" && v !== null && "re" in v) {
      const c = v as { re: unknown; im?: unknown };
      out.push(c.re, c.im ?? 0);
    } else out.push(v, 0);
  }
  return out;
}

/**
 * Sets the sign bit of the float of `size` bytes at `offset`: the sign of
 * a NaN read from text (`float("-nan")`), which a JS NaN may lose.
 */
export function setSignBit(
  view: DataView,
  offset: number,
  size: number,
  le: boolean,
): void {
  const at = offset + (le ? size - 1 : 0);
  view.setUint8(at, view.getUint8(at) | 0x80);
}
