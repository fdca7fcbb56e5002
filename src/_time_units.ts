/**
 * NumPy's datetime and timedelta units, coarsest first, and the unit
 * metadata of `M8[10ms]`-style dtypes: a base unit with a multiple.
 *
 * @module
 */

/** The units of `M8[unit]` and `m8[unit]`, from years to attoseconds. */
export const TIME_UNITS: readonly string[] = [
  "Y",
  "M",
  "W",
  "D",
  "h",
  "m",
  "s",
  "ms",
  "us",
  "ns",
  "ps",
  "fs",
  "as",
];

/** The largest multiple NumPy accepts in a unit (a C `int`). */
const MAX_MULTIPLE = 2 ** 31 - 1;

/** A time unit split into its multiple and base: `10ms` is `{10, "ms"}`. */
export interface TimeUnit {
  /** How many base units one tick is; 1 for a plain unit. */
  readonly count: number;
  /** One of {@linkcode TIME_UNITS}, or `"generic"`. */
  readonly base: string;
}

/**
 * Parses the text between the brackets of `M8[...]` as NumPy does: an
 * optional multiple, then a unit (`μs` is `us`).
 *
 * @param text Such as `"ns"`, `"10ms"`, `"25μs"`.
 * @returns The unit, or a reason it is not one.
 */
export function parseTimeUnit(text: string): TimeUnit | string {
  const m = /^\s*\+?(\d*)([A-Za-z]+|μs)$/.exec(text);
  if (m === null) return `unknown time unit "${text}"`;
  const base = m[2] === "μs" ? "us" : m[2]!;
  if (!TIME_UNITS.includes(base)) return `unknown time unit "${text}"`;
  const digits = m[1]!;
  const count = digits === "" ? 1 : Number(digits);
  if (digits.length > 12 || count > MAX_MULTIPLE) {
    return `time unit multiple ${digits} is larger than ${MAX_MULTIPLE}`;
  }
  return { count, base };
}

/**
 * The unit as NumPy's `dtype.str` spells it: `"ms"`, `"10ms"`.
 *
 * @param unit The unit.
 * @returns The text between the brackets.
 */
export function timeUnitText(unit: TimeUnit): string {
  return unit.count === 1 ? unit.base : `${unit.count}${unit.base}`;
}

/**
 * Splits a `DType.unit` string (already normalised) into multiple and base.
 *
 * @param unit Such as `"10ms"` or `"generic"`.
 * @returns The parts.
 */
export function splitTimeUnit(unit: string): TimeUnit {
  if (unit === "generic") return { count: 1, base: "generic" };
  const parsed = parseTimeUnit(unit);
  return typeof parsed === "string" ? { count: 1, base: unit } : parsed;
}
