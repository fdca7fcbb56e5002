/**
 * Exact comparison of `datetime64` values across units, as NumPy compares
 * them after casting both to the finer unit: every value becomes a count of
 * attoseconds since 1970-01-01 (years and months through the civil
 * calendar), in bigints, so no unit overflows or rounds.
 *
 * @module
 */

import {
  daysFromCivil,
  type TimeUnit,
  unitsPer,
  yearMonth,
} from "./_time_units.ts";

// Attoseconds per day and per millisecond (a Date's unit), from the one
// table at the first use: loading the module computes nothing (17.2).
let perDay: bigint | undefined;
let perMillisecond: bigint | undefined;
const attosPerDay = (): bigint => perDay ??= unitsPer("D", "as")!;
const attosPerMs = (): bigint => perMillisecond ??= unitsPer("ms", "as")!;

/**
 * A raw `datetime64` count in attoseconds since the epoch.
 *
 * @returns The attoseconds, or `undefined` for a generic unit.
 */
export function toAttoseconds(
  value: bigint,
  unit: TimeUnit,
): bigint | undefined {
  const v = value * BigInt(unit.count);
  if (unit.base === "Y") {
    return daysFromCivil(1970n + v, 1n, 1n) * attosPerDay();
  }
  if (unit.base === "M") {
    const [year, month] = yearMonth(v);
    return daysFromCivil(year, month, 1n) * attosPerDay();
  }
  const f = unitsPer(unit.base, "as");
  return f === undefined ? undefined : v * f;
}

/** Attoseconds of a JS `Date` (milliseconds since the epoch). */
export function dateAttoseconds(date: Date): bigint {
  return BigInt(date.getTime()) * attosPerMs();
}

/**
 * A bound of `NpyGroupReader.timeRange`: a `Date`, a `bigint`
 * count in the member's own unit (what its `BigInt64Array` holds; NumPy's
 * NaT is `-(2n ** 63n)`), or `undefined` for an open end.
 */
export type TimeBound = Date | bigint | undefined;

/** Checks a time bound; returns whether it is a `Date`. */
export function checkBound(
  dir: string,
  member: string,
  bound: TimeBound,
  datesAllowed: boolean,
): boolean {
  if (bound === undefined || typeof bound === "bigint") return false;
  if (bound instanceof Date) {
    if (!datesAllowed) {
      throw new TypeError(
        `Cannot search member "${member}" of group "${dir}" by a Date: its unit has no calendar meaning here; pass a bigint count in its unit`,
      );
    }
    if (Number.isNaN(bound.getTime())) {
      throw new RangeError(
        `Cannot search member "${member}" of group "${dir}": the Date is invalid; pass a valid Date, or the bigint -(2n ** 63n) for NaT`,
      );
    }
    return true;
  }
  throw new TypeError(
    `Cannot search member "${member}" of group "${dir}": pass a Date or a bigint count in the member's unit, not ${typeof bound}`,
  );
}
