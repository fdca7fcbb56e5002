/**
 * Text read as numbers the way Python reads it (`int()`, `float()`,
 * `complex()`), which is how NumPy turns strings into numbers: both
 * `np.asarray(["1.5"], "<f8")` and `np.array(["1.5"]).astype("<f8")` call
 * them. Python first maps non-ASCII whitespace to a space and non-ASCII
 * decimal digits (Arabic-Indic, fullwidth, ...) to ASCII digits
 * (`_PyUnicode_TransformDecimalAndSpaceToASCII`), then strips ASCII
 * whitespace and parses: a sign, digits with single underscores between
 * them; `float()` also a decimal point, an exponent, `inf`, `infinity` and
 * `nan` in any case; `complex()` also `j`, a second signed part and
 * parentheses. Anything else (empty text, `"0x10"`, `"1.5"` as an integer)
 * is refused, as NumPy refuses it.
 *
 * @module
 */

/**
 * The zeros of the decimal digit runs beyond ASCII in Python 3.11's
 * Unicode (14.0, NumPy 1.24's newest Python), so every runtime reads the
 * same digits whatever its own Unicode version.
 */
const DIGIT_ZEROS = [
  0x660,
  0x6f0,
  0x7c0,
  0x966,
  0x9e6,
  0xa66,
  0xae6,
  0xb66,
  0xbe6,
  0xc66,
  0xce6,
  0xd66,
  0xde6,
  0xe50,
  0xed0,
  0xf20,
  0x1040,
  0x1090,
  0x17e0,
  0x1810,
  0x1946,
  0x19d0,
  0x1a80,
  0x1a90,
  0x1b50,
  0x1bb0,
  0x1c40,
  0x1c50,
  0xa620,
  0xa8d0,
  0xa900,
  0xa9d0,
  0xa9f0,
  0xaa50,
  0xabf0,
  0xff10,
  0x104a0,
  0x10d30,
  0x11066,
  0x110f0,
  0x11136,
  0x111d0,
  0x112f0,
  0x11450,
  0x114d0,
  0x11650,
  0x116c0,
  0x11730,
  0x118e0,
  0x11950,
  0x11c50,
  0x11d50,
  0x11da0,
  0x16a60,
  0x16ac0,
  0x16b50,
  0x1d7ce,
  0x1d7d8,
  0x1d7e2,
  0x1d7ec,
  0x1d7f6,
  0x1e140,
  0x1e2f0,
  0x1e950,
  0x1fbf0,
];

/** Python's `str.isspace()` beyond ASCII (Unicode 14.0). */
const WIDE_SPACE =
  /[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** The ASCII digit of a non-ASCII decimal digit, or `undefined`. */
function digitOf(cp: number): string | undefined {
  let lo = 0, hi = DIGIT_ZEROS.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const z = DIGIT_ZEROS[mid]!;
    if (cp < z) hi = mid - 1;
    else if (cp > z + 9) lo = mid + 1;
    else return String.fromCharCode(48 + cp - z);
  }
  return undefined;
}

/**
 * Python's mapping of text to ASCII before parsing a number: ASCII kept,
 * other whitespace a space, other decimal digits their ASCII digit;
 * `undefined` for any other character (Python's `?`, which no number
 * takes).
 */
function toAscii(text: string): string | undefined {
  // Below U+007F (Python keeps DEL's place for its '?').
  if (/^[\0-\x7e]*$/.test(text)) return text;
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x7f) out += ch;
    else if (WIDE_SPACE.test(ch)) out += " ";
    else {
      const d = digitOf(cp);
      if (d === undefined) return undefined;
      out += d;
    }
  }
  return out;
}

/** Python's ASCII whitespace (`Py_ISSPACE`), stripped around a number. */
const SP = String.raw`[ \t\n\v\f\r]*`;
const DIGITS = String.raw`[0-9]+(?:_[0-9]+)*`;
const PY_INT = new RegExp(`^${SP}([+-]?${DIGITS})${SP}$`);
const PY_FLOAT = new RegExp(
  `^${SP}([+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})` +
    `(?:[eE][+-]?${DIGITS})?)${SP}$`,
);
const PY_FLOAT_WORD = new RegExp(`^${SP}([+-]?)(inf|infinity|nan)${SP}$`, "i");

/** Python's `int(text)`, or `undefined` where Python raises. */
export function pyIntText(text: string): bigint | undefined {
  const ascii = toAscii(text);
  const m = ascii === undefined ? null : PY_INT.exec(ascii);
  return m === null ? undefined : BigInt(m[1]!.replaceAll("_", ""));
}

/**
 * Python's `float(text)`, or `undefined` where Python raises. A NaN's
 * sign (`float("-nan")` has its sign bit set) is told by
 * {@linkcode negativeNaN}, as a JS NaN may lose it.
 */
export function pyFloatText(text: string): number | undefined {
  const ascii = toAscii(text);
  if (ascii === undefined) return undefined;
  const m = PY_FLOAT.exec(ascii);
  if (m !== null) return Number(m[1]!.replaceAll("_", ""));
  const w = PY_FLOAT_WORD.exec(ascii);
  if (w === null) return undefined;
  if (w[2]!.toLowerCase() === "nan") return NaN;
  return w[1] === "-" ? -Infinity : Infinity;
}

/** Whether Python's `float(text)` is a NaN with its sign bit set. */
export function negativeNaN(text: string): boolean {
  const ascii = toAscii(text);
  const w = ascii === undefined ? null : PY_FLOAT_WORD.exec(ascii);
  return w !== null && w[1] === "-" && w[2]!.toLowerCase() === "nan";
}

/**
 * The longest prefix of `s` from `at` that C's `strtod` (Python's
 * `PyOS_string_to_double`) reads: `[end, value, negative NaN]`, `end ===
 * at` when none.
 */
function floatPrefix(s: string, at: number): [number, number, boolean] {
  const m =
    /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|infinity|inf|nan)/i
      .exec(s.slice(at));
  if (m === null) return [at, 0, false];
  const t = m[0];
  const word = /[a-z]/i.test(t) && !/[0-9]/.test(t);
  if (!word) return [at + t.length, Number(t), false];
  const neg = t.startsWith("-");
  const v = /nan/i.test(t) ? NaN : neg ? -Infinity : Infinity;
  return [at + t.length, v, neg && v !== v];
}

/** A complex value read from text; the NaN signs apart (see {@linkcode negativeNaN}). */
export interface PyComplex {
  re: number;
  im: number;
  reNegNaN: boolean;
  imNegNaN: boolean;
}

/** Python's `complex(text)`, or `undefined` where Python raises. */
export function pyComplexText(text: string): PyComplex | undefined {
  let s = toAscii(text);
  if (s === undefined) return undefined;
  if (s.includes("_")) {
    // Underscores only between digits, then dropped.
    if (/(?<![0-9])_|_(?![0-9])/.test(s)) return undefined;
    s = s.replaceAll("_", "");
  }
  const isSpace = (c: string | undefined) =>
    c !== undefined && " \t\n\v\f\r".includes(c);
  let i = 0;
  while (isSpace(s[i])) i++;
  const bracket = s[i] === "(";
  if (bracket) {
    i++;
    while (isSpace(s[i])) i++;
  }
  let re = 0, im = 0, reNegNaN = false, imNegNaN = false;
  const isJ = (c: string | undefined) => c === "j" || c === "J";
  const [end, z, zNeg] = floatPrefix(s, i);
  if (end !== i) {
    i = end;
    if (s[i] === "+" || s[i] === "-") {
      re = z;
      reNegNaN = zNeg;
      const [end2, y, yNeg] = floatPrefix(s, i);
      if (end2 !== i) {
        im = y;
        imNegNaN = yNeg;
        i = end2;
      } else {
        im = s[i] === "+" ? 1 : -1;
        i++;
      }
      if (!isJ(s[i])) return undefined;
      i++;
    } else if (isJ(s[i])) {
      i++;
      im = z;
      imNegNaN = zNeg;
    } else {
      re = z;
      reNegNaN = zNeg;
    }
  } else {
    if (s[i] === "+" || s[i] === "-") {
      im = s[i] === "+" ? 1 : -1;
      i++;
    } else im = 1;
    if (!isJ(s[i])) return undefined;
    i++;
  }
  while (isSpace(s[i])) i++;
  if (bracket) {
    if (s[i] !== ")") return undefined;
    i++;
    while (isSpace(s[i])) i++;
  }
  return i === s.length ? { re, im, reNegNaN, imNegNaN } : undefined;
}
