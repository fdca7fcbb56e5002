/**
 * Datetimes as CSV text: ISO 8601 as `np.datetime_as_string` writes it
 * (`2020-01-02T03:04:05`, to the precision of the unit; `NaT`), and the
 * same text read back, as `np.loadtxt(..., dtype="M8[unit]")` reads it.
 *
 * @module
 */

const NAT = -(1n << 63n);

/** Units of a day: ticks per day. */
const PER_DAY: Record<string, bigint> = {
  h: 24n,
  m: 1440n,
  s: 86400n,
  ms: 86400_000n,
  us: 86400_000_000n,
  ns: 86400_000_000_000n,
  ps: 86400_000_000_000_000n,
  fs: 86400_000_000_000_000_000n,
  as: 86400_000_000_000_000_000_000n,
};

/** Digits of a second after the point, per unit. */
const FRACTION: Record<string, number> = {
  ms: 3,
  us: 6,
  ns: 9,
  ps: 12,
  fs: 15,
  as: 18,
};

/** A datetime unit: its base (`"s"`, `"D"` ...) and multiple. */
export interface TimeUnit {
  /** The base unit. */
  readonly base: string;
  /** The multiple (`10` for `M8[10s]`). */
  readonly count: bigint;
}

/**
 * The unit of a datetime dtype from its descr text, such as `"<M8[10s]"`.
 *
 * @param descr The descr text.
 * @returns The unit, or `undefined` for a generic `M8`.
 */
export function timeUnit(descr: string): TimeUnit | undefined {
  const m = /\[(\d*)([^\]]+)\]$/.exec(descr);
  if (m === null) return undefined;
  const base = m[2] === "μs" ? "us" : m[2]!;
  return { base, count: BigInt(m[1] || "1") };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Year, month, day of a day count from 1970-01-01 (proleptic Gregorian). */
function civil(days: bigint): [bigint, number, number] {
  const z = days + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const m = Number(mp < 10n ? mp + 3n : mp - 9n);
  const y = yoe + era * 400n + (m <= 2 ? 1n : 0n);
  return [y, m, d];
}

/** Days from 1970-01-01 of a date (proleptic Gregorian). */
function daysFrom(y: bigint, m: number, d: number): bigint {
  const yy = m <= 2 ? y - 1n : y;
  const era = floorDiv(yy, 400n);
  const yoe = yy - era * 400n;
  const mm = BigInt(m > 2 ? m - 3 : m + 9);
  const doy = (153n * mm + 2n) / 5n + BigInt(d) - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

const pad = (n: bigint | number, w: number) => String(n).padStart(w, "0");

function yearText(y: bigint): string {
  return y < 0n ? `-${pad(-y, 3)}` : pad(y, 4);
}

/**
 * Formats a datetime as NumPy's `np.datetime_as_string` does.
 *
 * @param value The count of units since 1970-01-01T00:00.
 * @param unit The unit.
 * @returns The ISO 8601 text, or `"NaT"`.
 */
export function formatDatetime(value: bigint, unit: TimeUnit): string {
  if (value === NAT) return "NaT";
  const v = value * unit.count;
  switch (unit.base) {
    case "Y":
      return yearText(1970n + v);
    case "M": {
      const y = 1970n + floorDiv(v, 12n);
      return `${yearText(y)}-${pad(Number(v - (y - 1970n) * 12n) + 1, 2)}`;
    }
    case "W":
    case "D": {
      const [y, m, d] = civil(unit.base === "W" ? 7n * v : v);
      return `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}`;
    }
  }
  const perDay = PER_DAY[unit.base]!;
  const days = floorDiv(v, perDay);
  let rest = v - days * perDay; // ticks into the day
  const [y, m, d] = civil(days);
  const perSecond = perDay / 86400n;
  let text = `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}T`;
  if (unit.base === "h") return text + pad(rest, 2);
  if (unit.base === "m") {
    return text + `${pad(rest / 60n, 2)}:${pad(rest % 60n, 2)}`;
  }
  const seconds = perSecond === 0n ? rest : rest / perSecond;
  rest = perSecond === 0n ? 0n : rest % perSecond;
  text += `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${
    pad(seconds % 60n, 2)
  }`;
  const digits = FRACTION[unit.base];
  return digits === undefined ? text : `${text}.${pad(rest, digits)}`;
}

const ISO_RE =
  /^\s*([-+]\d{3,}|\d{4,})(?:-(\d\d)(?:-(\d\d)(?:[T ](\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d{1,18}))?)?)?)?)?)?Z?\s*$/;

/**
 * Reads an ISO 8601 datetime (or `NaT`) as a count of `unit`s since
 * 1970-01-01T00:00, as `np.datetime64(text, unit)` does; `undefined` for
 * text that is no datetime, or one that the unit cannot hold exactly.
 *
 * @param text The field.
 * @param unit The unit.
 * @returns The count, or `undefined`.
 */
export function parseDatetime(
  text: string,
  unit: TimeUnit,
): bigint | undefined {
  const t = text.trim();
  if (t === "NaT" || t === "nat" || t === "NAT" || t === "") return NAT;
  const m = ISO_RE.exec(t);
  if (m === null) return undefined;
  const y = BigInt(m[1]!);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  const h = BigInt(m[4] ?? 0);
  const mi = BigInt(m[5] ?? 0);
  const s = BigInt(m[6] ?? 0);
  const frac = (m[7] ?? "").padEnd(18, "0");
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23n || mi > 59n || s > 59n) {
    return undefined;
  }
  const days = daysFrom(y, mo, d);
  if (civil(days)[2] !== d) return undefined; // such as February 30
  // Attoseconds into the day.
  const atto = ((h * 60n + mi) * 60n + s) * 10n ** 18n + BigInt(frac);
  let v: bigint;
  switch (unit.base) {
    case "Y":
      if (mo !== 1 || d !== 1 || atto !== 0n) return undefined;
      v = y - 1970n;
      break;
    case "M":
      if (d !== 1 || atto !== 0n) return undefined;
      v = (y - 1970n) * 12n + BigInt(mo - 1);
      break;
    case "W":
      if (atto !== 0n || days % 7n !== 0n) return undefined;
      v = days / 7n;
      break;
    case "D":
      if (atto !== 0n) return undefined;
      v = days;
      break;
    default: {
      const perDay = PER_DAY[unit.base];
      if (perDay === undefined) return undefined;
      const attoPerTick = 86400n * 10n ** 18n / perDay;
      if (atto % attoPerTick !== 0n) return undefined;
      v = days * perDay + atto / attoPerTick;
    }
  }
  if (v % unit.count !== 0n) return undefined;
  v /= unit.count;
  if (v <= NAT || v >= 1n << 63n) return undefined;
  return v;
}
