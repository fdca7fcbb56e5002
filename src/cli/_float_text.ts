/**
 * Float text of the command line's CSV, as NumPy 1.24's `str()` of the
 * scalar writes it: float64 with JavaScript's shortest digits, float32
 * and float16 with the digits NumPy's Dragon4 prints (ties to even);
 * positional from 1e-4 to 1e16 with at least one digit after the point
 * (`16777216.0`, `0.0001`), scientific outside with a signed exponent of
 * at least two digits (`1e+16`, `1.5e-07`); `nan`, `inf`, `-inf`, `-0.0`.
 *
 * @module
 */

/**
 * Shortest digits as NumPy's `str()` of a float lays them out.
 *
 * @param x The value (its size's value, held exactly as a double): where
 * it lies picks positional or scientific, as NumPy compares the value.
 * @param shortest A decimal text of the digits to write (`String(v)`).
 * @returns The text.
 */
function numpyStyle(x: number, shortest: string): string {
  const e = Number(shortest).toExponential();
  const at = e.indexOf("e");
  const neg = e.startsWith("-");
  const digits = e.slice(neg ? 1 : 0, at).replace(".", "");
  const exp = Number(e.slice(at + 1));
  const sign = neg ? "-" : "";
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
  }
  const mantissa = digits.length > 1
    ? `${digits[0]}.${digits.slice(1)}`
    : digits;
  const expText = String(Math.abs(exp)).padStart(2, "0");
  return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${expText}`;
}

/**
 * A float64 as CSV text: `nan`, `inf`, `-inf`, `0.0`, `-0.0`, else the
 * shortest digits that read back, as NumPy's `str(np.float64(x))`.
 *
 * @param x The value.
 * @returns The text.
 */
export function floatText(x: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return 1 / x < 0 ? "-0.0" : "0.0";
  return numpyStyle(x, String(x));
}

/**
 * A complex number's CSV text, as NumPy's `str()` of the complex scalar
 * without its parentheses (which `np.loadtxt` and Python's `complex()` do
 * not need): parts in {@linkcode floatText}'s style without a trailing
 * `.0`, `1+2j`, `16777216+0j`, `1e+16-1e-05j`, `nan+nanj`; a real part of
 * +0 left out (`2j`).
 *
 * @param re The real part's text.
 * @param im The imaginary part's text.
 * @param realIsPlusZero Whether the real part is +0.
 * @returns The text.
 */
export function complexFieldText(
  re: string,
  im: string,
  realIsPlusZero: boolean,
): string {
  const i = im.replace(/\.0$/, "");
  if (realIsPlusZero) return `${i}j`;
  return `${re.replace(/\.0$/, "")}${i.startsWith("-") ? "" : "+"}${i}j`;
}

/** A binary float format: fraction bits, and the exponent of its least bit. */
export interface FloatFormat {
  /** Bits after the binary point of a normal value. */
  readonly fractionBits: number;
  /** The exponent of the least bit of a subnormal value. */
  readonly minExponent: number;
}

/** float32. */
export const F32: FloatFormat = { fractionBits: 23, minExponent: -149 };
/** float16. */
export const F16: FloatFormat = { fractionBits: 10, minExponent: -24 };

/** The sign of `c * 10**k - b * 2**e`, worked out in integers. */
function compareScaled(
  c: bigint,
  k: number,
  b: bigint,
  e: number,
): number {
  // c * 10**k against b * 2**e, both made integers.
  let left = c, right = b;
  if (k >= 0) left *= 10n ** BigInt(k);
  else right *= 10n ** BigInt(-k);
  if (e >= 0) right *= 2n ** BigInt(e);
  else left *= 2n ** BigInt(-e);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The decimal NumPy's Dragon4 prints for a float32 or float16 value (its
 * `str`/`repr`): the fewest digits whose decimal lies inside the value's
 * rounding interval (its bounds too for an even significand, which reads
 * back to it); of the two such decimals at that length the nearer, a tie to
 * the even digit. Worked out exactly from the value's
 * decimal expansion (`toExponential` rounds a tie half up). Written in
 * NumPy's style (`1e+16`, `16777216.0`), as {@linkcode floatText}.
 */
export function shortFloatText(x: number, format: FloatFormat): string {
  if (x !== x || x === Infinity || x === -Infinity || x === 0) {
    return floatText(x);
  }
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  // a = m * 2**q exactly, m an integer of at most fractionBits + 1 bits.
  const q = Math.max(e - format.fractionBits, format.minExponent);
  return numpyStyle(x, nearText(x, q, format) ?? exactText(x, a, q, format));
}

/**
 * The fast road: the nearest decimal of each length (`toExponential`),
 * else the one on the other side; `undefined` where it may not be NumPy's
 * (a tie, which `toExponential` rounds up; a decimal on the interval's
 * bound, which a read through a double may misjudge).
 */
function nearText(
  x: number,
  q: number,
  format: FloatFormat,
): string | undefined {
  const round = format === F32 ? Math.fround : roundToHalf;
  const bound = (c: number) => {
    const d = Math.abs(c - x);
    return d === 2 ** (q - 1) || d === 2 ** (q - 2);
  };
  const most = format === F32 ? 9 : 5;
  for (let p = 1; p < most; p++) {
    const near = x.toExponential(p - 1);
    const c = Number(near);
    if (round(c) === x) {
      const longer = x.toExponential(p);
      if (longer[longer.indexOf("e") - 1] === "5" || bound(c)) return;
      return String(c);
    }
    // Just above a power of two the gap below is half the gap above, so
    // the nearest p-digit decimal can miss while the one on the other side
    // reads back (float32 2**-96 is 1.2621775e-29, not 1.26217745e-29).
    const at = near.indexOf("e");
    const m = BigInt(near.slice(0, at).replace(".", ""));
    const other = Number(
      `${c > x ? m - 1n : m + 1n}e${Number(near.slice(at + 1)) - p + 1}`,
    );
    if (round(other) === x) return bound(other) ? undefined : String(other);
  }
  return undefined;
}

function exactText(
  x: number,
  a: number,
  q: number,
  format: FloatFormat,
): string {
  const m = BigInt(a / 2 ** q);
  // The interval in units of 2**(q - 2): a is 4m, the gap above 2, below
  // 2 (1 just above a power of two, where the gap below is half).
  const unequal = m === 1n << BigInt(format.fractionBits) &&
    q > format.minExponent;
  const low = 4n * m - (unequal ? 1n : 2n);
  const high = 4n * m + 2n;
  // The exact decimal: digits * 10**shift.
  const digits = q >= 0 ? (m << BigInt(q)).toString() : (m * 5n ** BigInt(-q))
    .toString();
  const shift = Math.min(q, 0);
  // An even m takes its bounds too: a decimal there reads back as x (ties
  // round to even), and NumPy writes it (float16 4112 as 4110).
  const edge = m % 2n === 0n ? 0 : 1;
  const inside = (c: bigint, k: number) =>
    compareScaled(c, k, low, q - 2) >= edge &&
    compareScaled(c, k, high, q - 2) <= -edge;
  for (let p = 1; p <= digits.length; p++) {
    const k = digits.length + shift - p;
    const down = BigInt(digits.slice(0, p));
    const up = down + 1n;
    const downOk = inside(down, k);
    const upOk = inside(up, k);
    if (!downOk && !upOk) continue;
    let pick = downOk ? down : up;
    if (downOk && upOk) {
      const rest = digits.slice(p);
      const half = rest === ""
        ? -1
        : rest[0]! < "5"
        ? -1
        : rest[0]! > "5" || /[1-9]/.test(rest.slice(1))
        ? 1
        : 0;
      pick = half < 0 || (half === 0 && down % 2n === 0n) ? down : up;
    }
    const text = String(Number(`${pick}e${k}`));
    return x < 0 ? `-${text}` : text;
  }
  return String(x);
}

/**
 * The value of float16 bits (where there is no `Float16Array`).
 *
 * @param h The bits.
 * @returns The value.
 */
export function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Rounds to the nearest float16 (ties to even; `Math.f16round` if there).
 *
 * @param v The value.
 * @returns The float16 value.
 */
export function roundToHalf(v: number): number {
  const m = (Math as { f16round?: (x: number) => number }).f16round;
  if (m !== undefined) return m(v);
  // Round to nearest even at float16 precision.
  if (v !== v || v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  if (a >= 65520) return v > 0 ? Infinity : -Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q) - 0.5) < 1e-12 && r % 2 === 1) r--;
  return Math.sign(v) * r * ulp;
}
