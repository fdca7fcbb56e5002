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
