/**
 * NumPy's comma-string dtypes (`"<i4,<i4"`, `"2i4,3f8"`) and repeat forms
 * (`"6i4"`, `"(2,3)i4"`), split as `numpy.core._internal._commastring`
 * splits them (NumPy 1.24), for `np.dtype(text)`'s meaning: a record of
 * fields `f0`, `f1`, ... or, for one item with a repeat, a sub-array dtype.
 *
 * @module
 */

/** One item of a comma string: its type string and repeat, if any. */
export interface CommaItem {
  /** The type string with its byte order, as NumPy passes it on (`">i4"`). */
  readonly type: string;
  /** The repeat: `null` for none, else the sub-array shape (`[]` for `()`). */
  readonly shape: readonly number[] | null;
  /** Whether the repeat is a bare number (`"3a"`), not a tuple. */
  readonly count: boolean;
}

/**
 * Whether `np.dtype(text)` reads `text` as a comma string (NumPy's
 * `_check_for_commastring`): it starts with a digit or `()` (after a byte
 * order), or has a comma outside brackets.
 *
 * @param text The dtype string.
 * @returns Whether it is one.
 */
export function isCommaString(text: string): boolean {
  if (/^[<>|=]?(?:\d|\(\))/.test(text)) return true;
  let depth = 0;
  for (const ch of text) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    else if (ch === "," && depth === 0) return true;
  }
  return false;
}

const ITEM =
  /([<>|=]?)( *\(?[ ,0-9]*\)? *)([<>|=]?)([A-Za-z0-9.?]*(?:\[[a-zA-Z0-9,.]+\])?)/y;
const SEPARATOR = /\s*,\s*/y;

/**
 * The items of a comma string, or a reason it is not one NumPy reads.
 *
 * @param text The dtype string.
 * @param native The machine's byte order.
 * @returns The items, or why not.
 */
export function commaItems(
  text: string,
  native: "<" | ">",
): CommaItem[] | string {
  const items: CommaItem[] = [];
  let at = 0;
  while (at < text.length) {
    ITEM.lastIndex = at;
    const m = ITEM.exec(text)!;
    at = ITEM.lastIndex;
    if (at < text.length) {
      if (/^\s+$/.test(text.slice(at))) at = text.length;
      else {
        SEPARATOR.lastIndex = at;
        if (!SEPARATOR.test(text)) {
          return `item ${items.length + 1} is not recognized`;
        }
        at = SEPARATOR.lastIndex;
      }
    }
    const o1 = m[1] === "=" ? native : m[1]!;
    const o2 = m[3] === "=" ? native : m[3]!;
    if (o1 !== "" && o2 !== "" && o1 !== o2) {
      return `item ${items.length + 1} has two byte orders, "${m[1]}" and "${
        m[3]
      }"`;
    }
    let order = o1 !== "" ? o1 : o2;
    if (order === "|" || order === native) order = "";
    const repeat = m[2]!;
    let shape: number[] | null = null;
    let count = false;
    if (repeat !== "") {
      const r = repeat.trim();
      if (/^(?:0|[1-9]\d*)$/.test(r)) {
        shape = [Number(r)];
        count = true;
      } else if (/^\(\s*(?:0|[1-9]\d*)\s*\)$/.test(r)) {
        shape = [Number(r.slice(1, -1))];
        count = true;
      } else if (
        /^\(\s*(?:(?:0|[1-9]\d*)\s*,\s*)*(?:(?:0|[1-9]\d*)\s*,?\s*)?\)$/.test(r)
      ) {
        shape = r.slice(1, -1).split(",").map((s) => s.trim()).filter((s) =>
          s !== ""
        ).map(Number);
        if (shape.length === 1 && !/,/.test(r)) count = true;
      } else {
        return `the repeat ${JSON.stringify(repeat)} of item ${
          items.length + 1
        } is not a number or a tuple of numbers`;
      }
      if (shape.some((n) => !Number.isSafeInteger(n))) {
        return `the repeat ${JSON.stringify(repeat)} is too large`;
      }
    }
    items.push({ type: order + m[4]!, shape, count });
  }
  return items;
}
