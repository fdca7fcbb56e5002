/**
 * Numbers as text, as NumPy 1.24's casts to `U` and `S` write them (its
 * scalars' `str()`): floats with the fewest digits that read back as the
 * same value of their size, positional from 1e-4 to 1e16 (`"1.0"`,
 * `"0.0001"`), scientific outside (`"1e+16"`, `"1e-05"`), `"nan"`,
 * `"inf"`; integers in decimal; booleans `"True"` and `"False"`.
 *
 * @module
 */

import type { Casting } from "./casting.ts";
import { fromFloat16Bits, toFloat16Bits } from "./_float16.ts";
import {
  civil,
  floorDiv,
  NAT,
  TIME_UNITS,
  unitsPer,
  yearMonth,
} from "./_time_units.ts";

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
  // The p-digit decimal below the value, or the one above it.
  const digitsText = (p: number, up: boolean): string => {
    let head = exact.slice(0, p);
    let exp = top;
    if (up) {
      head = String(BigInt(head) + 1n);
      if (head.length > p) {
        head = head.slice(0, p);
        exp++;
      }
    }
    return `${head[0]}${p > 1 ? `.${head.slice(1)}` : ""}e${exp}`;
  };
  for (let p = 1; p < exact.length; p++) {
    const head = exact.slice(0, p);
    const rest = exact.slice(p);
    if (/^0*$/.test(rest)) return digitsText(p, false);
    const tie = /^50*$/.test(rest);
    const up = rest[0]! > "5" || (rest[0] === "5" && !tie) ||
      (tie && Number(head[p - 1]) % 2 === 1);
    // The nearest first; at a power of two the gap below is half the gap
    // above, so the nearest can miss while the other one reads back (as
    // Dragon4 finds: float16 2**-6 is "0.01563", not "0.015625").
    for (const side of [up, !up]) {
      const text = digitsText(p, side);
      if (roundTo(Number(text), size) === abs) return text;
    }
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
 * in decimal, booleans as Python's, `{re, im}` as a complex128;
 * `undefined` for other values.
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
  const c = value as { re?: unknown; im?: unknown } | null;
  if (
    typeof c === "object" && c !== null && typeof c.re === "number" &&
    (c.im === undefined || typeof c.im === "number")
  ) {
    return complexText(c.re, c.im ?? 0, 16);
  }
  return undefined;
}

/**
 * A JS value's text for a `U` or `S` item under `casting`, as
 * {@linkcode valueText}; `undefined` under `"no"` and `"equiv"`, where
 * `np.can_cast` refuses numbers into text (and for values with no text).
 *
 * @param value The value.
 * @param casting The casting mode.
 * @returns The text, or `undefined`.
 */
export function castText(value: unknown, casting: Casting): string | undefined {
  return casting === "no" || casting === "equiv" ? undefined : valueText(value);
}

/**
 * NumPy's `str()` of a complex of `size` bytes: `"(1+2j)"`, `"2j"` (a real
 * part of +0 is left out), `"(nan+nanj)"`, parts without a trailing `.0`.
 *
 * @param re The real part.
 * @param im The imaginary part.
 * @param size Bytes of the complex: 8 or 16.
 * @returns The text.
 */
export function complexText(re: number, im: number, size: number): string {
  const part = (x: number) => floatText(x, size / 2).replace(/\.0$/, "");
  const imText = part(im);
  if (re === 0 && !Object.is(re, -0)) return `${imText}j`;
  const sign = imText.startsWith("-") ? "" : "+";
  return `(${part(re)}${sign}${imText}j)`;
}

// The words NumPy's timedelta text names each base unit with.
const TIME_WORDS: Record<string, string> = {
  Y: "years",
  M: "months",
  W: "weeks",
  D: "days",
  h: "hours",
  m: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  ps: "picoseconds",
  fs: "femtoseconds",
  as: "attoseconds",
  generic: "generic time units",
};

// For each unit below a day, from the one table of unit lengths (built
// at the first clock text, not at import, then kept, as timeText runs per
// value): units per day; seconds per unit (1n below a second) and units
// per second (1n from a second up); digits of a second's fraction.
type Clock = {
  perDay: bigint;
  seconds: bigint;
  perSecond: bigint;
  digits: number;
};
let clocks: Record<string, Clock> | undefined;

/** The clock of a unit below a day (see above). */
function clockOf(unit: string): Clock {
  if (clocks === undefined) {
    clocks = {};
    for (const u of TIME_UNITS.slice(TIME_UNITS.indexOf("h"))) {
      const perSecond = unitsPer("s", u) || 1n;
      clocks[u] = {
        perDay: unitsPer("D", u)!,
        seconds: unitsPer(u, "s") || 1n,
        perSecond,
        digits: String(perSecond).length - 1,
      };
    }
  }
  return clocks[unit]!;
}

// Days since 1970 as NumPy's days_to_yearsdays dates them: it first
// counts from 2000-01-01 (10957 days on) in int64, which wraps for days
// within 10957 of the least int64.
const numpyCivil = (days: bigint) =>
  civil(BigInt.asIntN(64, days - 10957n) + 10957n);

const two = (n: number | bigint) => String(n).padStart(2, "0");

/**
 * NumPy's text of a datetime (ISO 8601 to the unit, as `astype("U")`:
 * `"1970-01-01T00:00:15"`) or timedelta (`"15 seconds"`) value of `unit`;
 * `"NaT"` for NaT; `undefined` for a generic datetime, which NumPy cannot
 * write as text.
 *
 * @param value The int64 value.
 * @param kind `"M"` or `"m"`.
 * @param count The unit's multiple.
 * @param base The unit's base (`"s"`, `"D"`, `"generic"` ...).
 * @returns The text.
 */
export function timeText(
  value: bigint,
  kind: string,
  count: number,
  base: string,
): string | undefined {
  if (value === NAT) return "NaT";
  // NumPy scales by the multiple (and weeks to days) in int64, wrapping.
  const v = BigInt.asIntN(64, value * BigInt(count));
  // NumPy 1.24 cuts a timedelta's text to 21 characters (an int64's room).
  if (kind === "m") return `${v} ${TIME_WORDS[base]}`.slice(0, 21);
  if (base === "generic") return undefined;
  const year = (y: bigint) =>
    y < 0n ? `-${String(-y).padStart(3, "0")}` : String(y).padStart(4, "0");
  if (base === "Y") return year(BigInt.asIntN(64, 1970n + v));
  if (base === "M") {
    const [y, m] = yearMonth(v);
    return `${year(y)}-${two(m)}`;
  }
  if (base === "W" || base === "D") {
    const days = base === "W" ? BigInt.asIntN(64, v * unitsPer("W", "D")!) : v;
    const [y, m, d] = numpyCivil(days);
    return `${year(y)}-${two(m)}-${two(d)}`;
  }
  const { perDay, seconds: each, perSecond, digits } = clockOf(base);
  const days = floorDiv(v, perDay);
  const rest = v - days * perDay;
  const [y, m, d] = numpyCivil(days);
  let out = `${year(y)}-${two(m)}-${two(d)}`;
  const seconds = rest * each / perSecond;
  out += `T${two(seconds / 3600n)}`;
  if (base === "h") return out;
  out += `:${two((seconds / 60n) % 60n)}`;
  if (base === "m") return out;
  out += `:${two(seconds % 60n)}`;
  return digits === 0
    ? out
    : `${out}.${String(rest % perSecond).padStart(digits, "0")}`;
}
