/**
 * Element writers of text: `U` items (strings, numbers' text, `S` items'
 * ASCII) and `S`/`V` items (bytes, ASCII strings, numbers' text).
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import type { Casting } from "./casting.ts";
import type { ElementWriter } from "./_element_writers.ts";
import { castText } from "./_number_text.ts";
import { itemBytes } from "./_typed_arrays.ts";
import { rangeError, refuseValue, typeError } from "./_write_errors.ts";

/**
 * The writer of `U` items; `from`, the dtype the values are named as
 * (`S` items are their ASCII text).
 */
export function unicodeWriter(
  dtype: DType,
  casting: Casting,
  from?: DType,
): ElementWriter {
  const n = dtype.itemsize / 4;
  const le = dtype.byteOrder !== ">";
  const unsafe = casting === "unsafe";
  const ascii = from?.kind === "S";
  return (view, offset, value, where) => {
    // Numbers as NumPy's str() writes them, from "safe" on (np.can_cast);
    // items named S, their ASCII text, as NumPy's astype decodes them.
    const s = typeof value === "string"
      ? value
      : ascii && value instanceof Uint8Array
      ? asciiText(value, dtype, where)
      : castText(value, casting);
    if (s === undefined) return typeError(value, dtype, where);
    let i = 0;
    for (const ch of s) {
      if (i >= n) {
        if (unsafe) break;
        rangeError(value, dtype, where);
      }
      view.setUint32(offset + 4 * i, ch.codePointAt(0)!, le);
      i++;
    }
    for (; i < n; i++) view.setUint32(offset + 4 * i, 0, le);
  };
}

/** An `S` item's bytes as text: ASCII, as NumPy decodes `S` into `U`. */
function asciiText(bytes: Uint8Array, dtype: DType, where: () => string) {
  let s = "";
  for (const b of bytes) {
    if (b > 0x7f) {
      refuseValue(
        RangeError,
        bytes,
        where,
        `its byte 0x${
          b.toString(16)
        } is not ASCII, and NumPy decodes bytes into "${dtype.str}" as ASCII (it refuses this one too); decode the bytes yourself (new TextDecoder().decode(b) for UTF-8) and append the text`,
      );
    }
    s += String.fromCharCode(b);
  }
  return s;
}

/** The writer of `S` and unstructured `V` items. */
export function bytesWriter(dtype: DType, casting: Casting): ElementWriter {
  const n = dtype.itemsize;
  const unsafe = casting === "unsafe";
  return (view, offset, value, where) => {
    let bytes: Uint8Array;
    const text = dtype.kind === "S" && typeof value !== "string"
      ? castText(value, casting)
      : value;
    const own = itemBytes(value, where);
    if (own !== undefined) bytes = own;
    else if (typeof text === "string" && dtype.kind === "S") {
      bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        // NumPy encodes a str into S as ASCII (np.array(["é"], "S")
        // raises UnicodeEncodeError), under any casting.
        if (c > 0x7f) {
          refuseValue(
            RangeError,
            value,
            where,
            `dtype "${dtype.str}" holds ASCII text only, as NumPy encodes strings into it; use a "U" dtype for text, or pass the bytes as a Uint8Array (new TextEncoder().encode(s) for UTF-8)`,
          );
        }
        bytes[i] = c;
      }
    } else if (Array.isArray(value) && dtype.kind === "V") {
      bytes = Uint8Array.from(value as number[]);
    } else return typeError(value, dtype, where);
    if (bytes.length > n) {
      if (!unsafe) rangeError(value, dtype, where);
      bytes = bytes.subarray(0, n);
    }
    const target = new Uint8Array(view.buffer, view.byteOffset + offset, n);
    target.set(bytes);
    target.fill(0, bytes.length);
  };
}
