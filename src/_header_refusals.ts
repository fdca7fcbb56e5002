/**
 * The fixes a refused header names, by what is wrong with it: one that
 * np.load refuses too, one np.save never writes (np.load may read it), one
 * cut short, and the checks of a shape's entries.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { pyRepr } from "./py_literal.ts";

/**
 * The fix of a header that np.load refuses too: no NumPy wrote it as it is.
 */
export const DAMAGED_HEADER =
  "; np.load refuses it too: the file is damaged or was not written by np.save; save the array again with np.save";

/** The fix of a file that ends inside its header. */
export const HEADER_CUT =
  "; it ends inside its header, cut short (an interrupted copy, download or save) or still being made: copy or save it again";

/**
 * A shape entry as a number: a non-negative safe integer, else refused.
 *
 * @param value The parsed entry.
 * @param at Its index.
 * @param text The shape's Python text, for messages.
 * @returns The entry.
 */
export function toDim(value: unknown, at: number, text: string): number {
  if (typeof value !== "bigint") {
    throw new NpyFormatError(
      "bad-header",
      `invalid shape in header: entry ${at} is ${
        typeof value === "boolean" ? pyRepr(value) : "not an integer"
      } in ${text}${DAMAGED_HEADER}`,
    );
  }
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NpyFormatError(
      "bad-header",
      `invalid shape in header: entry ${at} (${value}) is ${
        value < 0n
          ? `negative${NOT_NUMPYS}`
          : "too large: axes beyond 2**53 - 1 (JS's safe integers) are not supported; save the array again with NumPy in another shape"
      }`,
    );
  }
  return Number(value);
}

/**
 * The fix named by a header that is no Python literal `np.save` writes:
 * `np.load` reads some of them (comments, `r''` strings, hexadecimal
 * numbers, repeated keys, no final newline), which only other writers or
 * hands make; the library reads what NumPy writes.
 */
export const NOT_NUMPYS =
  "; np.save never writes such a header: if np.load reads the file, save it again with np.save";

/** The fix of brackets nested deeper than Python's parser reads. */
const TOO_DEEP =
  "; np.load refuses it too: save the array again with np.save, with records nested less than 100 deep (np.save writes deeper ones, which no NumPy reads back)";

/**
 * A field title np.save writes as a literal the parser does not read (a
 * float's, a complex's or bytes' repr: `[((1.5, 'a'), '<i4')]`, which
 * np.load reads), matched where the parse failed. A title is the
 * first of a pair whose second is the field's name, a string (the title
 * may be a tuple: `(((1.5, 2), 'a'), '<i4')`): brackets around a number
 * elsewhere (`'shape': (((6.0,),),)`) are none.
 */
const TITLE_LITERAL =
  /\(\(+\s*(?:[bB]?'(?:[^'\\]|\\.)*'|[bB]?"(?:[^"\\]|\\.)*"|[-+]?(?:inf|nan|[\d.]+(?:e[-+]?\d+)?j?)|\([-+]?[\d.]+(?:e[-+]?\d+)?[-+][\d.]+(?:e[-+]?\d+)?j\))(?=\s*(?:,\s*[uU]?['"]|[,)][^'"\]]*\)\s*,\s*[uU]?['"]))/y;

/**
 * The fix of a header the literal parser refused (`e`, at its offset in
 * `text`).
 *
 * @param text The header text.
 * @param e The parser's refusal.
 * @returns The fix, to append to its reason.
 */
export function notNumpys(text: string, e: NpyFormatError): string {
  const at = Number(/at offset (\d+)/.exec(e.reason)?.[1] ?? -1);
  // Brackets nested too deep are no title's fault, whatever they hold;
  // np.save writes them (records nested 100 deep), np.load cannot read
  // them back.
  if (e.reason.includes("brackets nested")) return TOO_DEEP;
  // Tried once, at the run of brackets nearest before the failure: a
  // search of the whole text took time growing with the square of its
  // length (a raised maxHeaderSize, a header of 80,000 "((": a minute).
  let start = at < 0 ? -1 : text.lastIndexOf("((", at);
  if (start >= 0) {
    while (start > 0 && text[start - 1] === "(") start--;
    TITLE_LITERAL.lastIndex = start;
    const m = TITLE_LITERAL.exec(text);
    if (m !== null && at < start + m[0].length) {
      return "; it is a field title that is not a string (np.save writes its repr, np.load reads it), which is not supported: give the fields string titles or none in NumPy and save again";
    }
  }
  return NOT_NUMPYS;
}

/** A dtype refusal that already names what to do. */
export const FIX_NAMED = /\b(?:save|convert|give)\b/;

/**
 * The fix of a descr refused with no fix of its own: np.save writes none
 * of these (np.load reads a few, wrapping a huge size or reading an odd
 * spelling; the rest it refuses too).
 */
export const NOT_NUMPYS_DESCR =
  "; np.save never writes such a descr: if np.load reads the file, save the array again with np.save";
