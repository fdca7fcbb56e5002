/**
 * float16 (`f2`) bits to and from JS numbers, rounding as IEEE 754 does.
 *
 * @module
 */

/** Rounds a number to the nearest float16, returned as its 16 bits. */
export function toFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs === Infinity) return sign | 0x7c00;
  if (abs >= 65520) return sign | 0x7c00; // rounds to infinity
  if (abs < 2 ** -24 / 2 || abs === 0) {
    // rounds to zero (exactly half rounds to even: zero)
    return sign;
  }
  if (abs < 2 ** -14) {
    // subnormal: multiples of 2**-24, round half to even
    const q = abs / 2 ** -24;
    let m = Math.round(q);
    if (Math.abs(q - Math.trunc(q) - 0.5) === 0 && m % 2 === 1) m -= 1;
    return sign | m;
  }
  // normal: use exact math on the float64 value
  let e = Math.floor(Math.log2(abs));
  if (2 ** e > abs) e -= 1;
  if (2 ** (e + 1) <= abs) e += 1;
  const scaled = abs / 2 ** e - 1; // in [0, 1)
  const q = scaled * 1024;
  let m = Math.floor(q);
  const rest = q - m;
  if (rest > 0.5 || (rest === 0.5 && m % 2 === 1)) m += 1;
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** Decodes float16 bits to a number. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
