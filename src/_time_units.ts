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
  // As NumPy (strtol): spaces and a plus sign only before a multiple.
  const m = /^(?:\s*\+?(\d+))?([A-Za-z]+|\u03bcs)$/.exec(text);
  if (m === null) return `unknown time unit "${text}"`;
  const base = m[2] === "μs" ? "us" : m[2]!;
  if (!TIME_UNITS.includes(base)) return `unknown time unit "${text}"`;
  const digits = m[1] ?? "";
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

// Attoseconds per unit, for the units of fixed length (weeks and finer):
// the one table of how long each unit is.
const ATTOSECONDS: Record<string, bigint> = {
  W: 604800n * 10n ** 18n,
  D: 86400n * 10n ** 18n,
  h: 3600n * 10n ** 18n,
  m: 60n * 10n ** 18n,
  s: 10n ** 18n,
  ms: 10n ** 15n,
  us: 10n ** 12n,
  ns: 10n ** 9n,
  ps: 10n ** 6n,
  fs: 10n ** 3n,
  as: 1n,
};

/**
 * How many `fine` units make one `coarse` unit, both base units of fixed
 * length (weeks and finer): `unitsPer("D", "s")` is `86400n`,
 * `unitsPer("s", "ms")` is `1000n`, `unitsPer("s", "as")` is `10n ** 18n`.
 * Rounded down, so `0n` where `fine` is the coarser.
 *
 * @param coarse The larger unit, such as `"D"`.
 * @param fine The smaller unit, such as `"ns"`.
 * @returns The count, or `undefined` for `Y`, `M`, `generic` or a name
 * that is no unit.
 */
export function unitsPer(coarse: string, fine: string): bigint | undefined {
  const a = ATTOSECONDS[coarse];
  const b = ATTOSECONDS[fine];
  return a === undefined || b === undefined ? undefined : a / b;
}

/** NumPy's NaT (not a time): the smallest int64. */
export const NAT: bigint = -(2n ** 63n);

/**
 * Why a tick cannot go into a generic datetime (`M8` with no unit), which
 * holds no date but NaT: NumPy refuses integers into it ("Converting an
 * integer to a NumPy datetime requires a specified unit"; `int64` to `M8`
 * is no `same_kind` cast). `"unsafe"` stores the ticks, as `astype`.
 *
 * @param tick The tick to write.
 * @param str The dtype's `str` (`"<M8"`).
 * @returns The reason, or `undefined` when the tick is NaT.
 */
export function genericDateRefusal(
  tick: bigint,
  str: string,
): string | undefined {
  return tick === NAT
    ? undefined
    : `the generic datetime "${str}" holds no date but NaT, and ${tick} needs a unit, as NumPy says; give the file one (dtype "${
      str.slice(0, 3)
    }[s]" for seconds), or use casting "unsafe" to store the ticks as they are`;
}

/**
 * Floor division of bigints (rounded toward minus infinity, as NumPy's
 * datetime arithmetic).
 *
 * @param a The dividend.
 * @param b The divisor (not 0).
 * @returns The quotient.
 */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/**
 * The year and month (1 to 12) of a count of months since 1970-01, as an
 * `M8[M]` value holds them: `-1n` is December 1969.
 *
 * @param months The months since 1970-01.
 * @returns `[year, month]`.
 */
export function yearMonth(months: bigint): [bigint, bigint] {
  const years = floorDiv(months, 12n);
  return [1970n + years, months - years * 12n + 1n];
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, the inverse of
 * {@linkcode civil}.
 *
 * @param year The year.
 * @param month The month, 1 to 12.
 * @param day The day of the month, from 1.
 * @returns Days since 1970-01-01 (negative before).
 */
export function daysFromCivil(
  year: bigint,
  month: bigint,
  day: bigint,
): bigint {
  const y = month <= 2n ? year - 1n : year;
  const era = floorDiv(y, 400n);
  const yoe = y - era * 400n;
  const doy = (153n * (month + (month > 2n ? -3n : 9n)) + 2n) / 5n + day - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

/**
 * The civil date of a count of days since 1970-01-01 (proleptic
 * Gregorian, H. Hinnant's days-from-civil inverse), for `M8[D]` text and
 * the lock's `since` time.
 *
 * @param days Days since 1970-01-01 (negative before).
 * @returns `[year, month (1 to 12), day (1 to 31)]`.
 */
export function civil(days: bigint): [bigint, number, number] {
  const z = days + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = Number(z - era * 146097n);
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) -
      Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [BigInt(yoe) + era * 400n + (m <= 2 ? 1n : 0n), m, d];
}

/**
 * NumPy's limit on a units factor (and on a multiple scaled by one): 2**56,
 * the top 8 bits of a uint64 clear.
 */
export const UNITS_FACTOR_LIMIT: bigint = 2n ** 56n;

/**
 * NumPy's `get_datetime_units_factor`: how many `fine` units one `coarse`
 * unit is (both W or finer, `coarse` the larger), or `0n` once that reaches
 * {@linkcode UNITS_FACTOR_LIMIT}, where NumPy gives up.
 *
 * @param coarse The larger base unit, such as `"D"`.
 * @param fine The smaller base unit, such as `"ps"`.
 * @returns The factor, or `0n`.
 */
export function unitsFactor(coarse: string, fine: string): bigint {
  const f = unitsPer(coarse, fine)!;
  return f < UNITS_FACTOR_LIMIT ? f : 0n;
}

/**
 * Whether NumPy can convert between two base units (W and finer): past
 * {@linkcode UNITS_FACTOR_LIMIT} the cast fails with `OverflowError`
 * whatever the values (`D` to `ps`, `s` to `as`, and back).
 */
function numpyFactorFits(a: string, b: string): boolean {
  return TIME_UNITS.indexOf(a) <= TIME_UNITS.indexOf(b)
    ? unitsFactor(a, b) !== 0n
    : unitsFactor(b, a) !== 0n;
}

/**
 * Datetimes from years or months to years or months as NumPy's general
 * datetime cast (through its calendar struct): the multiple applied in
 * int64, months from years times 12 in int64, then floor-divided by the
 * target's multiple, each wrapping (a timedelta takes the factor path).
 */
function yearlyDates(
  values: BigInt64Array,
  a: TimeUnit,
  b: TimeUnit,
  wrap: boolean,
  from: string,
  to: string,
): BigInt64Array | string {
  const out = new BigInt64Array(values.length);
  const n = BigInt(b.count);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === NAT) {
      out[i] = NAT;
      continue;
    }
    const at = (w: (x: bigint) => bigint) => {
      const dt = w(v * BigInt(a.count));
      const months = a.base === b.base
        ? dt
        : b.base === "Y"
        ? floorDiv(dt, 12n)
        : w(12n * dt);
      // NumPy's floor: (m - n + 1) / n for a negative m, in int64 too.
      return n === 1n || months >= 0n ? months / n : w(months - n + 1n) / n;
    };
    const exact = at((x) => x);
    const q = at((x) => BigInt.asIntN(64, x));
    if ((q !== exact || q === NAT) && !wrap) {
      return `value ${v} at index ${i} in unit "${from}" does not fit 64 bits in unit "${to}" (use casting "unsafe" to wrap as NumPy does)`;
    }
    out[i] = q;
  }
  return out;
}

/**
 * Converts datetime or timedelta values from one unit to another as
 * NumPy's `astype` does: multiplied, then floor-divided; NaT stays NaT.
 * Between years or months and the other units (a calendar question) it
 * refuses.
 *
 * @param values The values, in `from` units.
 * @param from The source unit, such as `"s"` or `"10ms"`.
 * @param to The target unit.
 * @param wrap Wrap values that overflow 64 bits (as NumPy does under
 * `casting="unsafe"`) instead of refusing them.
 * @param datetime Datetimes (years and months then go by the calendar).
 * @returns The values in `to` units (a new array), or a message saying why
 * not.
 */
export function rescaleTime(
  values: BigInt64Array,
  from: string,
  to: string,
  wrap: boolean,
  datetime = false,
): BigInt64Array | string {
  const a = splitTimeUnit(from);
  const b = splitTimeUnit(to);
  if (a.base === "generic" || b.base === "generic") return values.slice();
  let num: bigint;
  let den: bigint;
  const yearly = (u: string) => u === "Y" || u === "M";
  if (yearly(a.base) || yearly(b.base)) {
    if (!yearly(a.base) || !yearly(b.base)) {
      return `converting unit "${from}" to "${to}" needs a calendar; convert the values first`;
    }
    if (datetime) return yearlyDates(values, a, b, wrap, from, to);
    num = BigInt(a.count) * (a.base === "Y" ? 12n : 1n);
    den = BigInt(b.count) * (b.base === "Y" ? 12n : 1n);
  } else {
    if (!numpyFactorFits(a.base, b.base)) {
      return `NumPy cannot convert unit "${from}" to "${to}" (the factor overflows its 64-bit check; astype raises OverflowError); convert the values first`;
    }
    num = BigInt(a.count) * ATTOSECONDS[a.base]!;
    den = BigInt(b.count) * ATTOSECONDS[b.base]!;
  }
  if (den === 0n) return `unit "${to}" has a multiple of 0`;
  // NumPy's factor is a reduced fraction, applied in int64 arithmetic:
  // dt * num, then (for a negative dt) minus den - 1, divided with
  // truncation, so the floor where nothing overflows. Where something
  // does, NumPy wraps: so do we under "unsafe"; otherwise it is refused.
  let a1 = num, b1 = den;
  while (b1 !== 0n) [a1, b1] = [b1, a1 % b1];
  num /= a1;
  den /= a1;
  const fits = (x: bigint) => x >= NAT && x < 2n ** 63n;
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === NAT) {
      out[i] = NAT;
      continue;
    }
    const p = v * num;
    const low = v < 0n ? p - (den - 1n) : p;
    const wide = BigInt.asIntN(64, p);
    const q = v < 0n ? BigInt.asIntN(64, wide - (den - 1n)) / den : wide / den;
    if ((!fits(p) || !fits(low) || q === NAT) && !wrap) {
      return `value ${v} at index ${i} in unit "${from}" does not fit 64 bits in unit "${to}" (use casting "unsafe" to wrap as NumPy does)`;
    }
    out[i] = q;
  }
  return out;
}
