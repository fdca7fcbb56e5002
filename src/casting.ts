/**
 * NumPy's casting rules (`np.can_cast`) for the dtypes this library knows.
 *
 * @module
 */

import { type DType, type DTypeSpec, parseDType } from "./dtype.ts";
import { isDType } from "./_dtype_rebuild.ts";
import {
  splitTimeUnit,
  TIME_UNITS,
  type TimeUnit,
  UNITS_FACTOR_LIMIT,
  unitsFactor,
} from "./_time_units.ts";

/** How far a cast may lose information, as NumPy's `casting` argument. */
export type Casting = "no" | "equiv" | "safe" | "same_kind" | "unsafe";

/** The casting modes, strictest first. */
export const CASTING_MODES: readonly Casting[] = [
  "no",
  "equiv",
  "safe",
  "same_kind",
  "unsafe",
];

// NumPy's kind ordering for "same_kind": b < u < i < f < c.
const KIND_ORDER: Record<string, number> = { b: 0, u: 1, i: 2, f: 4, c: 5 };

function numericSafe(from: DType, to: DType): boolean {
  const a = from.kind;
  const b = to.kind;
  const fs = from.itemsize;
  const ts = to.itemsize;
  if (a === "b") return b in KIND_ORDER;
  switch (a) {
    case "u":
      if (b === "u") return ts >= fs;
      if (b === "i") return ts > fs;
      if (b === "f") return fs === 1 ? ts >= 2 : fs === 2 ? ts >= 4 : ts >= 8;
      if (b === "c") return fs <= 2 ? ts >= 8 : ts >= 16;
      return false;
    case "i":
      if (b === "i") return ts >= fs;
      if (b === "f") return fs === 1 ? ts >= 2 : fs === 2 ? ts >= 4 : ts >= 8;
      if (b === "c") return fs <= 2 ? ts >= 8 : ts >= 16;
      return false;
    case "f":
      if (b === "f") return ts >= fs;
      if (b === "c") return ts >= 2 * fs;
      return false;
    case "c":
      return b === "c" && ts >= fs;
  }
  return false;
}

// Characters NumPy 1.24 counts on for the text of any value of a number
// dtype (its REQUIRED_STR_LEN, by kind and size): a cast to a `U` or `S`
// at least this long is safe.
const TEXT_ROOM: Record<string, number> = {
  b1: 5,
  u1: 3,
  i1: 4,
  u2: 5,
  i2: 6,
  u4: 10,
  i4: 11,
  u8: 20,
  i8: 21,
  f2: 32,
  f4: 32,
  f8: 32,
  c8: 64,
  c16: 64,
};

function sameType(from: DType, to: DType): boolean {
  if (from.kind !== to.kind || from.itemsize !== to.itemsize) return false;
  if (from.unit !== to.unit && !sameTicks(from.unit, to.unit)) return false;
  if (from.fields !== undefined || to.fields !== undefined) {
    return from.str === to.str;
  }
  return true;
}

// NumPy's time cast that is a view ("no" casting): a tick of `from` is
// 1000, 10^6 or 10^9 ticks of `to`, a unit of seconds or finer, one, two
// or three units finer (1000ms and s). NumPy divides the multiples as
// integers (2001ms passes for 2s, its astype then reads the ticks
// unchanged); here the multiple must be exact.
function sameTicks(from?: string, to?: string): boolean {
  if (from === undefined || to === undefined) return false;
  const a = splitTimeUnit(from);
  const b = splitTimeUnit(to);
  const j = TIME_UNITS.indexOf(b.base);
  const steps = TIME_UNITS.indexOf(a.base) - j;
  if (j < TIME_UNITS.indexOf("s") || steps < 1 || steps > 3) return false;
  return a.count === b.count * 1000 ** steps;
}

// The finest unit each unit casts to safely (index into TIME_UNITS), as NumPy.
const SAFE_UP_TO: Record<string, number> = {
  W: 9,
  D: 9,
  h: 10,
  m: 11,
  s: 11,
  ms: 12,
  us: 12,
  ns: 12,
  ps: 12,
  fs: 12,
  as: 12,
};

function baseUnitSafe(kind: string, from: string, to: string): boolean {
  if (from === to || from === "generic") return true;
  if (to === "generic") return false;
  const i = TIME_UNITS.indexOf(from);
  const j = TIME_UNITS.indexOf(to);
  if (j < i) return false;
  if (from === "Y" || from === "M") return kind === "M" || j <= 1;
  return j <= SAFE_UP_TO[from]!;
}

// NumPy's `datetime_metadata_divides(from, to)`: one `from` tick is a
// whole number of `to` ticks.
function divides(from: TimeUnit, to: TimeUnit, strict: boolean): boolean {
  if (to.base === "generic") return true;
  if (from.base === "generic") return false;
  let n1 = BigInt(from.count);
  let n2 = BigInt(to.count);
  if (from.base !== to.base) {
    const yearly = (u: string) => u === "Y" || u === "M";
    if (yearly(from.base) || yearly(to.base)) {
      if (from.base === "Y" && to.base === "M") n1 *= 12n;
      else if (from.base === "M" && to.base === "Y") n2 *= 12n;
      else return !strict;
    } else if (
      TIME_UNITS.indexOf(from.base) > TIME_UNITS.indexOf(to.base)
    ) {
      n2 *= unitsFactor(to.base, from.base);
    } else {
      n1 *= unitsFactor(from.base, to.base);
    }
  }
  if (
    n1 === 0n || n2 === 0n || n1 >= UNITS_FACTOR_LIMIT ||
    n2 >= UNITS_FACTOR_LIMIT
  ) {
    return false;
  }
  return n1 % n2 === 0n;
}

function timeUnitSafe(kind: string, from?: string, to?: string): boolean {
  if (from === to) return true;
  if (from === undefined || to === undefined) return false;
  const a = splitTimeUnit(from);
  const b = splitTimeUnit(to);
  if (a.base === "generic") return true;
  return baseUnitSafe(kind, a.base, b.base) && divides(a, b, kind === "m");
}

/**
 * Whether NumPy would cast `from` to `to` under `casting`, as
 * `np.can_cast(from, to, casting)` (NumPy 1.24: records cast to records
 * field by field in order, another name making it at least "safe", another
 * field count never). Value range checks are separate: a
 * cast allowed here may still meet a value the target cannot hold. The
 * dtypes are parsed ones or anything {@linkcode parseDType} takes
 * (`"<f8"`), as `np.can_cast` takes strings.
 *
 * @example
 * ```ts
 * import { canCast, parseDType } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const f8 = parseDType("<f8"), f4 = parseDType("<f4"), u1 = parseDType("u1");
 * assert.equal(canCast(f4, f8, "safe"), true);
 * assert.equal(canCast(f8, f4, "safe"), false);
 * assert.equal(canCast(f8, f4, "same_kind"), true);
 * assert.equal(canCast(f8, u1, "same_kind"), false);
 * assert.equal(canCast(f8, u1, "unsafe"), true);
 * ```
 *
 * @param from The source dtype.
 * @param to The target dtype.
 * @param casting The casting mode.
 * @returns Whether the cast is allowed.
 * @throws {TypeError} for a dtype `parseDType` refuses, or a casting other
 * than the five mode names.
 */
export function canCast(
  from: DTypeSpec,
  to: DTypeSpec,
  casting: Casting,
): boolean {
  const mode = checkCasting(casting);
  return castAllowed(asDType(from), asDType(to), mode);
}

function asDType(spec: DTypeSpec): DType {
  return isDType(spec) ? spec : parseDType(spec);
}

/**
 * {@linkcode canCast} for parsed dtypes and a checked casting mode, as the
 * writers call it.
 *
 * @param from The source dtype.
 * @param to The target dtype.
 * @param casting The casting mode.
 * @returns Whether the cast is allowed.
 */
export function castAllowed(
  from: DType,
  to: DType,
  casting: Casting,
): boolean {
  if (
    from.fields !== undefined || to.fields !== undefined ||
    from.kind === "V" || to.kind === "V"
  ) {
    const level = castLevel({ dtype: from, shape: [] }, {
      dtype: to,
      shape: [],
    });
    return level >= 0 && level <= CASTING_MODES.indexOf(casting);
  }
  return plainCastAllowed(from, to, casting);
}

/**
 * What allows a cast that {@linkcode canCast} refuses under `casting`, for
 * messages that name the fix: the strictest casting mode that allows it,
 * or, where no mode does (records of another field count, a record of
 * several fields into a plain dtype, such a pair nested in fields), the
 * rule of NumPy 1.24 that refuses it, naming the fields.
 *
 * @example
 * ```ts
 * import { castRefusal, parseDType } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * assert.equal(castRefusal("<f4", "<f8", "safe"), undefined);
 * assert.deepEqual(castRefusal("<f8", "<f4", "safe"), { least: "same_kind" });
 * const one = parseDType([["a", "<i4"]]);
 * const two = parseDType([["a", "<i4"], ["b", "<i4"]]);
 * assert.deepEqual(castRefusal(two, one, "unsafe"), {
 *   why: "NumPy casts records to records field by field in order, so both need as many fields (2 and 1 here)",
 * });
 * ```
 *
 * @param from The source dtype, parsed or anything `parseDType` takes.
 * @param to The target dtype, likewise.
 * @param casting The casting mode the cast was refused under.
 * @returns `undefined` where `canCast(from, to, casting)` allows the cast;
 * else `{ least }`, the strictest mode that allows it, or where none does
 * `{ why }`, the rule that refuses it.
 * @throws {TypeError} for a dtype `parseDType` refuses, or a casting other
 * than the five mode names.
 */
export function castRefusal(
  from: DTypeSpec,
  to: DTypeSpec,
  casting: Casting,
): { readonly least?: Casting; readonly why?: string } | undefined {
  const a = asDType(from);
  const b = asDType(to);
  if (castAllowed(a, b, checkCasting(casting))) return undefined;
  const least = leastCasting(a, b);
  if (least !== undefined) return { least };
  const why: string[] = [];
  castLevel({ dtype: a, shape: [] }, { dtype: b, shape: [] }, why);
  return { why: why[0] ?? `NumPy casts "${a.str}" to "${b.str}" under none` };
}

/**
 * The strictest casting mode under which `from` casts to `to`, or
 * `undefined` where NumPy casts them under none (records of another field
 * count), for error messages that name the fix.
 *
 * @param from The source dtype.
 * @param to The target dtype.
 * @returns The mode, or `undefined`.
 */
export function leastCasting(from: DType, to: DType): Casting | undefined {
  return CASTING_MODES.find((m) => castAllowed(from, to, m));
}

/** A field's element dtype and its sub-array shape (`[]` for none). */
interface Part {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

const SAFE = 2;
const UNSAFE = 4;

/**
 * The strictest casting mode (index into {@linkcode CASTING_MODES}) under
 * which NumPy 1.24 casts `from` to `to`, or -1 where it casts them under
 * none, for casts that involve records, sub-arrays or `V`: records to
 * records by position (another name or title makes it at least "safe"; a
 * different field count, none), a record of one field to anything else
 * "unsafe" (of more fields, none), anything else to a record "unsafe";
 * sub-arrays of another shape "unsafe", an element into a sub-array at
 * least "safe", a sub-array into an element "unsafe".
 */
function castLevel(from: Part, to: Part, why?: string[]): number {
  const fromSub = from.shape.length > 0;
  const toSub = to.shape.length > 0;
  const fromRec = !fromSub && from.dtype.fields !== undefined;
  const toRec = !toSub && to.dtype.fields !== undefined;
  if (fromRec && toRec) return fieldsLevel(from.dtype, to.dtype, why);
  if (fromRec) {
    const only = from.dtype.fields!;
    if (only.length !== 1) {
      return refuse(
        why,
        `NumPy casts a record of ${only.length} fields into records only, not into "${to.dtype.str}"`,
      );
    }
    if (castLevel(only[0]!, to, why) < 0) {
      return within(why, `its one field "${only[0]!.name}"`);
    }
    return UNSAFE;
  }
  if (toRec) {
    for (const f of to.dtype.fields!) {
      if (castLevel(from, f, why) < 0) {
        return within(why, `into field "${f.name}"`);
      }
    }
    return UNSAFE;
  }
  if (fromSub || toSub) {
    const base = castLevel(
      { dtype: from.dtype, shape: [] },
      { dtype: to.dtype, shape: [] },
      why,
    );
    if (base < 0) return -1;
    if (fromSub && toSub) {
      const same = from.shape.length === to.shape.length &&
        from.shape.every((n, i) => n === to.shape[i]);
      return same ? base : UNSAFE;
    }
    // An element into a sub-array: "safe" at best, unless the element is
    // a void (then, as a sub-array into anything, "unsafe").
    return toSub && from.dtype.kind !== "V" ? Math.max(base, SAFE) : UNSAFE;
  }
  const a = from.dtype;
  const b = to.dtype;
  if (a.kind === "V" && b.kind === "V") {
    if (a.itemsize === b.itemsize) return 0;
    return a.itemsize < b.itemsize ? SAFE : 3;
  }
  if (a.kind === "V") return UNSAFE;
  if (b.kind === "V") return a.itemsize <= b.itemsize ? SAFE : UNSAFE;
  return CASTING_MODES.findIndex((m) => plainCastAllowed(a, b, m));
}

// Records to records, field by field in order (NumPy's
// can_cast_fields_safety): "no" only for the same names, titles, offsets
// and size with every field a "no" cast.
function fieldsLevel(from: DType, to: DType, why?: string[]): number {
  const a = from.fields!;
  const b = to.fields!;
  if (a.length !== b.length) {
    return refuse(
      why,
      `NumPy casts records to records field by field in order, so both need as many fields (${a.length} and ${b.length} here)`,
    );
  }
  let level = from.itemsize === to.itemsize ? 0 : 1;
  for (const [i, f] of a.entries()) {
    const g = b[i]!;
    const fieldLevel = castLevel(f, g, why);
    if (fieldLevel < 0) {
      return within(why, `field ${i} ("${f.name}" into "${g.name}")`);
    }
    level = Math.max(level, fieldLevel);
    if (f.name !== g.name || (f.title ?? f.name) !== (g.title ?? g.name)) {
      level = Math.max(level, SAFE);
    }
    if (f.offset !== g.offset) level = Math.max(level, 1);
  }
  return level;
}

/** -1 (no casting allows it), saying why into `why` where given. */
function refuse(why: string[] | undefined, text: string): number {
  why?.push(text);
  return -1;
}

/** -1, placing the reason `why` holds inside `where`. */
function within(why: string[] | undefined, where: string): number {
  if (why !== undefined && why.length > 0) why[0] = `${where}: ${why[0]}`;
  return -1;
}

/** {@linkcode castAllowed} for dtypes that are not records or `V`. */
function plainCastAllowed(
  from: DType,
  to: DType,
  casting: Casting,
): boolean {
  if (casting === "unsafe") return true;
  if (casting === "no") {
    return from.str === to.str ||
      (from.byteOrder === to.byteOrder && (from.kind === "M" ||
        from.kind === "m") &&
        from.kind === to.kind &&
        sameTicks(from.unit, to.unit));
  }
  if (sameType(from, to)) return true;
  if (casting === "equiv") return false;
  const a = from.kind;
  const b = to.kind;
  if (a in KIND_ORDER && b in KIND_ORDER) {
    if (numericSafe(from, to)) return true;
    if (casting === "safe") return false;
    // same_kind: within a kind, or up the kind order (never i -> u).
    if (a === "i" && b === "u") return false;
    return KIND_ORDER[a]! <= KIND_ORDER[b]!;
  }
  if (a in KIND_ORDER && (b === "U" || b === "S")) {
    // Numbers to text: any size under same_kind (NumPy cuts the text),
    // safe when the longest text fits.
    if (casting === "same_kind") return true;
    const room = TEXT_ROOM[`${a}${from.itemsize}`];
    const chars = b === "U" ? to.itemsize / 4 : to.itemsize;
    return room !== undefined && chars >= room;
  }
  if ((a === "U" && b === "U") || (a === "S" && b === "S")) {
    return casting === "same_kind" || to.itemsize >= from.itemsize;
  }
  if (a === "S" && b === "U") {
    return casting === "same_kind" || to.itemsize >= 4 * from.itemsize;
  }
  if ((a === "M" || a === "m") && a === b) {
    if (timeUnitSafe(a, from.unit, to.unit)) return true;
    if (casting !== "same_kind" || to.unit === "generic") return false;
    // Years and months do not mix with the other units in a timedelta.
    const yearly = (u?: string) => {
      const base = splitTimeUnit(u ?? "generic").base;
      return base === "Y" || base === "M";
    };
    return a === "M" || yearly(from.unit) === yearly(to.unit);
  }
  if (b === "m" && (a === "b" || a === "i" || a === "u")) {
    return casting === "same_kind" || !(a === "u" && from.itemsize === 8);
  }
  return false;
}

/**
 * Checks a `casting` option value.
 *
 * @param value The option value.
 * @param label The file the option is for, named in the message.
 * @returns The value as a {@linkcode Casting}.
 * @throws {TypeError} for anything but the five mode names.
 */
export function checkCasting(value: unknown, label?: string): Casting {
  if (CASTING_MODES.includes(value as Casting)) return value as Casting;
  throw new TypeError(
    `${label === undefined ? "" : `Cannot open ${label}: `}Invalid casting ${
      JSON.stringify(value)
    }: use one of ${CASTING_MODES.map((m) => `"${m}"`).join(", ")}`,
  );
}
