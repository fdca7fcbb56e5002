/**
 * NumPy's datetime and timedelta units, coarsest first.
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
