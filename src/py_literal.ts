/**
 * A strict reader and writer of the Python literal subset that `.npy`
 * headers use: dicts, tuples, lists, quoted strings with escapes, integers
 * (with an optional Python 2 `L` suffix), `True` and `False`. No `eval`.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { isPrintable } from "./_printable.ts";
import { MAX_LITERAL_NESTING } from "./_numpy_limits.ts";

/**
 * A Python tuple, kept apart from a list because the header tells them apart.
 *
 * @example
 * ```ts
 * import { PyTuple, pyRepr } from "./py_literal.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pyRepr(new PyTuple([3n])), "(3,)");
 * ```
 */
export class PyTuple {
  /** The items, in order. */
  readonly items: PyValue[];
  /**
   * Makes a tuple.
   *
   * @param items The items, in order.
   */
  constructor(items: PyValue[]) {
    this.items = items;
  }
}

/**
 * A Python dict with string keys, in source order.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, type PyDict } from "./py_literal.ts";
 * import assert from "node:assert/strict";
 *
 * const d = parsePyLiteral("{'a': 1}") as PyDict;
 * assert.equal(d.get("a"), 1n);
 * ```
 */
export type PyDict = Map<string, PyValue>;

/**
 * A value of the literal subset: `int` is a `bigint` so no digit is lost.
 *
 * @example
 * ```ts
 * import { parsePyLiteral, type PyValue } from "./py_literal.ts";
 * import assert from "node:assert/strict";
 *
 * const v: PyValue = parsePyLiteral("[True, 'x', 2L]");
 * assert.deepEqual(v, [true, "x", 2n]);
 * ```
 */
export type PyValue =
  | string
  | bigint
  | boolean
  | typeof PY_NONE
  | PyValue[]
  | PyTuple
  | PyDict;

/**
 * Python's `None`, which `np.save` writes as the title slot of a field
 * with no title (`[((None, 'a'), '<i4')]`).
 */
export const PY_NONE: unique symbol = Symbol("None");

// Values nested: Python's limit of brackets, and a value inside the
// innermost.
const MAX_DEPTH = MAX_LITERAL_NESTING + 1;

function describeChar(text: string, at: number): string {
  if (at >= text.length) return "end of header";
  return JSON.stringify(text[at]);
}

/** Options of {@linkcode parsePyLiteral}. */
export interface ParsePyLiteralOptions {
  /**
   * Accept the Python 2 long suffix `L` after an integer (`3L`), as NumPy
   * does in NPY 1.0 and 2.0 headers; default `true`.
   */
  allowLongSuffix?: boolean;
}

/**
 * Parses `text` as one Python literal of the subset, followed only by
 * whitespace.
 *
 * @example
 * ```ts
 * import { NpyFormatError } from "@x/npy-append-array";
 * import { parsePyLiteral, PyTuple } from "./py_literal.ts";
 * import assert from "node:assert/strict";
 *
 * const v = parsePyLiteral("{'shape': (2, 3), }") as Map<string, unknown>;
 * assert.deepEqual((v.get("shape") as PyTuple).items, [2n, 3n]);
 * assert.throws(() => parsePyLiteral("__import__('os')"), NpyFormatError);
 * ```
 *
 * @param text The literal text.
 * @param what What the text is, for error messages.
 * @param options `allowLongSuffix`.
 * @returns The parsed value.
 * @throws {NpyFormatError} naming the offending character and offset.
 */
/**
 * Python's `bytes.decode("latin-1")`: each byte the code point of its
 * value, in slices (one call's arguments hold a few thousand, a header or
 * a pickle's line may be megabytes).
 *
 * @param bytes The bytes.
 * @returns The text.
 */
export function latin1Text(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

export function parsePyLiteral(
  text: string,
  what = "header",
  options: ParsePyLiteralOptions = {},
): PyValue {
  const allowLong = options.allowLongSuffix ?? true;
  let pos = 0;
  let depth = 0;

  const fail = (message: string, at = pos): never => {
    throw new NpyFormatError(
      "bad-header",
      `cannot parse ${what}: ${message} at offset ${at} (found ${
        describeChar(text, at)
      })`,
    );
  };

  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      // Space, tab, newline, carriage return, form feed: Python's
      // whitespace (a vertical tab is none; np.load refuses it).
      if (c === 32 || (c >= 9 && c <= 13 && c !== 11)) pos++;
      else break;
    }
  };

  const parseString = (): string => {
    const quote = text[pos]!;
    const start = pos;
    pos++;
    let out = "";
    for (;;) {
      if (pos >= text.length) fail("unterminated string", start);
      const c = text[pos]!;
      if (c === quote) {
        pos++;
        return out;
      }
      if (c === "\n" || c === "\r") fail("line break in string");
      if (c !== "\\") {
        out += c;
        pos++;
        continue;
      }
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case "\\":
        case "'":
        case '"':
          out += e;
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "0":
        case "1":
        case "2":
        case "3":
        case "4":
        case "5":
        case "6":
        case "7": {
          // Octal, as Python: one to three digits ('\012' is a newline).
          const digits = /^[0-7]{1,3}/.exec(text.slice(pos - 1, pos + 2))![0];
          out += String.fromCharCode(parseInt(digits, 8));
          pos += digits.length - 1;
          break;
        }
        case "a":
          out += "\x07";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "v":
          out += "\v";
          break;
        case "x":
        case "u":
        case "U": {
          const n = e === "x" ? 2 : e === "u" ? 4 : 8;
          const hex = text.slice(pos, pos + n);
          if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) {
            fail(`bad \\${e} escape`, pos - 2);
          }
          const code = parseInt(hex, 16);
          // Lone surrogates are valid in Python strings (and NumPy writes
          // them as \\udXXX escapes): only beyond U+10FFFF is refused.
          if (code > 0x10ffff) {
            fail(`escape \\${e}${hex} is not a valid code point`, pos - 2);
          }
          out += String.fromCodePoint(code);
          pos += n;
          break;
        }
        default:
          fail("unsupported escape in string", pos - 2);
      }
    }
  };

  const parseInt_ = (): bigint => {
    const start = pos;
    if (text[pos] === "-" || text[pos] === "+") pos++;
    const digitsStart = pos;
    while (pos < text.length && text[pos]! >= "0" && text[pos]! <= "9") pos++;
    const digits = text.slice(digitsStart, pos);
    if (digits.length === 0) fail("expected a digit");
    if (digits.length > 1 && digits[0] === "0" && /[1-9]/.test(digits)) {
      fail("integer with a leading zero", digitsStart);
    }
    if (digits.length > 400) fail("integer too long", start);
    const value = BigInt(text.slice(start, pos));
    // NumPy drops a Python 2 `L` after a number in 1.0 and 2.0 headers
    // only (upper case, as its token filter).
    if (allowLong && text[pos] === "L") pos++;
    const c = text[pos];
    if (c !== undefined && /[0-9A-Za-z_.]/.test(c)) {
      fail("unsupported number syntax");
    }
    return value;
  };

  const parseSequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    pos++;
    skipSpace();
    while (text[pos] !== close) {
      items.push(parseValue());
      skipSpace();
      if (text[pos] === ",") {
        pos++;
        skipSpace();
      } else if (text[pos] !== close) {
        fail(`expected "," or "${close}"`);
      }
    }
    pos++;
    return items;
  };

  const parseValue = (): PyValue => {
    skipSpace();
    if (++depth > MAX_DEPTH) {
      fail(
        `more than ${MAX_LITERAL_NESTING} brackets nested, which Python (and so np.load) cannot read`,
      );
    }
    const c = text[pos];
    let value: PyValue;
    if (c === "'" || c === '"') {
      value = parseString();
    } else if (
      (c === "u" || c === "U") &&
      (text[pos + 1] === "'" || text[pos + 1] === '"')
    ) {
      // Python 2's unicode strings (u'a'), which Python 3 still reads.
      pos++;
      value = parseString();
    } else if (c === "(") {
      const open = pos;
      // A parenthesised single value without a comma is just that value.
      pos++;
      skipSpace();
      if (text[pos] === ")") {
        pos++;
        value = new PyTuple([]);
      } else {
        pos = open;
        const start = pos;
        const items = parseSequence(")");
        const inner = text.slice(start + 1, pos - 1).trimEnd();
        value = items.length === 1 && !inner.endsWith(",")
          ? items[0]!
          : new PyTuple(items);
      }
    } else if (c === "[") {
      value = parseSequence("]");
    } else if (c === "{") {
      const dict: PyDict = new Map();
      pos++;
      skipSpace();
      while (text[pos] !== "}") {
        const keyAt = pos;
        const key = parseValue();
        if (typeof key !== "string") fail("dict key is not a string", keyAt);
        if (dict.has(key as string)) {
          fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        }
        skipSpace();
        if (text[pos] !== ":") fail('expected ":"');
        pos++;
        dict.set(key as string, parseValue());
        skipSpace();
        if (text[pos] === ",") {
          pos++;
          skipSpace();
        } else if (text[pos] !== "}") {
          fail('expected "," or "}"');
        }
      }
      pos++;
      value = dict;
    } else if (c !== undefined && /[-+0-9]/.test(c)) {
      value = parseInt_();
    } else if (
      text.startsWith("True", pos) && !/\w/.test(text[pos + 4] ?? "")
    ) {
      pos += 4;
      value = true;
    } else if (
      text.startsWith("False", pos) && !/\w/.test(text[pos + 5] ?? "")
    ) {
      pos += 5;
      value = false;
    } else if (
      text.startsWith("None", pos) && !/\w/.test(text[pos + 4] ?? "")
    ) {
      pos += 4;
      value = PY_NONE;
    } else {
      value = fail("unexpected character");
    }
    depth--;
    return value;
  };

  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail("unexpected text after the literal");
  return value;
}

/**
 * Writes a string the way Python's `repr` does: single quotes unless the
 * string holds a single quote and no double quote; `\\`, the quote, `\\n`,
 * `\\r`, `\\t` escaped, and every character `str.isprintable()` rejects as
 * `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN` (Unicode categories Cc, Cf, Cs, Co,
 * Cn, Zl, Zp, and Zs but the ASCII space; the table is Python 3.11's,
 * Unicode 14.0).
 *
 * @example
 * ```ts
 * import { pyReprString } from "./py_literal.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pyReprString("a"), "'a'");
 * assert.equal(pyReprString("it's"), `"it's"`);
 * assert.equal(pyReprString("a\u00a0b\u200b"), "'a\\xa0b\\u200b'");
 * ```
 *
 * @param s The string.
 * @returns The Python source text of `s`.
 */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (isPrintable(code)) out += ch;
    else if (code <= 0xff) out += "\\x" + hex(code, 2);
    else if (code <= 0xffff) out += "\\u" + hex(code, 4);
    else out += "\\U" + hex(code, 8);
  }
  return out + quote;
}

/**
 * Whether Python literal text holds an escaped surrogate pair, a high one
 * right before a low one (`'\ud83d\ude00'`): two characters to Python,
 * one to a JS string, so the text cannot be written again from the parsed
 * value.
 *
 * @param text Python literal text (a header).
 * @returns Whether it does.
 */
export function hasEscapedSurrogatePair(text: string): boolean {
  let highEnd = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "\\") continue;
    const e = text[i + 1];
    const n = e === "u" ? 4 : e === "U" ? 8 : 0;
    if (n === 0) {
      i++; // an escaped character, such as a backslash
      continue;
    }
    const code = parseInt(text.slice(i + 2, i + 2 + n), 16);
    if (code >= 0xdc00 && code <= 0xdfff && highEnd === i) return true;
    highEnd = code >= 0xd800 && code <= 0xdbff ? i + 2 + n : -1;
    i += 1 + n;
  }
  return false;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/**
 * Writes a value the way Python's `repr` does.
 *
 * @example
 * ```ts
 * import { pyRepr, PyTuple } from "./py_literal.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pyRepr([new PyTuple(["a", "<f4"])]), "[('a', '<f4')]");
 * ```
 *
 * @param value The value.
 * @returns Python source text.
 */
export function pyRepr(value: PyValue | number): string {
  if (typeof value === "string") return pyReprString(value);
  if (typeof value === "bigint" || typeof value === "number") {
    return String(value);
  }
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === PY_NONE) return "None";
  if (Array.isArray(value)) return "[" + value.map(pyRepr).join(", ") + "]";
  if (value instanceof PyTuple) {
    if (value.items.length === 1) return "(" + pyRepr(value.items[0]!) + ",)";
    return "(" + value.items.map(pyRepr).join(", ") + ")";
  }
  const parts: string[] = [];
  for (const [k, v] of value) parts.push(`${pyReprString(k)}: ${pyRepr(v)}`);
  return "{" + parts.join(", ") + "}";
}
