/**
 * Numbers as text, as NumPy 1.24's casts to `U` and `S` write them (its
 * scalars' `str()`): floats with the fewest digits that read back as the
 * same value of their size, positional from 1e-4 to 1e16 (`"1.0"`,
 * `"0.0001"`), scientific outside (`"1e+16"`, `"1e-05"`), `"nan"`,
 * `"inf"`; integers in decimal; booleans `"True"` and `"False"`.
 *
 * @module
 */

import { fromFloat16Bits, toFloat16Bits } from "./_float16.ts";

/** Rounds a number to the float of `size` bytes. */
function roundTo(x: number, size: number): number {
  return size === 4
    ? Math.fround(x)
    : size === 2
    ? fromFloat16Bits(toFloat16Bits(x))
    : x;
}

/**
 * The fewest significant digits (rounded half to even, as NumPy's Dragon4)
 * that read back as `abs` at float `size`, as `toExponential` text.
 */
function shortest(abs: number, size: number): string {
  // abs = m * 2**k exactly, so its decimal digits are exact too.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let k = -1074;
  if (biased !== 0) {
    m |= 1n << 52n;
    k = biased - 1075;
  }
  const exact = k >= 0 ? (m << BigInt(k)).toString() : (m * 5n ** BigInt(-k))
    .toString();
  const top = exact.length - 1 + Math.min(k, 0);
  for (let p = 1; p < exact.length; p++) {
    let head = exact.slice(0, p);
    const rest = exact.slice(p);
    const tie = /^50*$/.test(rest);
    let exp = top;
    if (
      rest[0]! > "5" || (rest[0] === "5" && !tie) ||
      (tie && Number(head[p - 1]) % 2 === 1)
    ) {
      head = String(BigInt(head) + 1n);
      if (head.length > p) {
        head = head.slice(0, p);
        exp++;
      }
    }
    const text = `${head[0]}${p > 1 ? `.${head.slice(1)}` : ""}e${exp}`;
    if (roundTo(Number(text), size) === abs) return text;
  }
  return abs.toExponential();
}

/**
 * NumPy's `str()` of a float of `size` bytes (2, 4 or 8) holding `x`:
 * `"1.0"`, `"0.1"` (float32 0.1 too), `"1e+16"`, `"-0.0"`, `"nan"`.
 *
 * @param x The value (already a value of that float size).
 * @param size Bytes of the float: 2, 4 or 8.
 * @returns The text.
 */
export function floatText(x: number, size: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const abs = Math.abs(x);
  // JS gives the shortest digits of a float64 (ties to even); a smaller
  // float needs its own shortest, found from its exact decimal value.
  const e = size === 8 || abs === 0 ? abs.toExponential() : shortest(abs, size);
  const at = e.indexOf("e");
  const digits = e.slice(0, at).replace(".", "");
  const exp = Number(e.slice(at + 1));
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (abs === 0 || (abs >= 1e-4 && abs < 1e16)) {
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
 * A JS value as the text NumPy writes for it in a cast to `U` or `S`
 * (casting `"unsafe"`): strings as they are, plain numbers by value (a
 * safe integer as a Python `int`, anything else as a float64), bigints
 * in decimal, booleans as Python's; `undefined` for other values.
 *
 * @param value The value.
 * @returns The text, or `undefined`.
 */
export function valueText(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return Number.isSafeInteger(value) ? String(value) : floatText(value, 8);
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "True" : "False";
  }
  return undefined;
}
