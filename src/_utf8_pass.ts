/**
 * UTF-8 with Python's `surrogatepass` error handler, as `pickle` writes and
 * reads its strings: a lone surrogate (a JS string may hold one, as a
 * Python `str` may) is the three bytes of its code point instead of an
 * error or U+FFFD. A leading U+FEFF is kept both ways.
 *
 * @module
 */

/** `s.encode("utf-8", "surrogatepass")`. */
export function encodeUtf8Pass(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    } else {
      out.push(
        0xf0 | (c >> 18),
        0x80 | ((c >> 12) & 63),
        0x80 | ((c >> 6) & 63),
        0x80 | (c & 63),
      );
    }
  }
  return Uint8Array.from(out);
}

// Made at the first use, not at import: a decoder is module-level work
// every process paid at load (issue 17.2, cold start).
let strict: TextDecoder | undefined;

/**
 * `str(bytes, "utf-8", "surrogatepass")`; `undefined` for bytes that are
 * not UTF-8 even so.
 */
export function decodeUtf8Pass(bytes: Uint8Array): string | undefined {
  try {
    strict ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    return strict.decode(bytes);
  } catch {
    // Encoded surrogates (ED A0..BF xx) are the only bytes to take here.
  }
  let out = "";
  let from = 0;
  for (let i = 0; i + 2 < bytes.length; i++) {
    const b1 = bytes[i + 1]!, b2 = bytes[i + 2]!;
    if (bytes[i] !== 0xed || b1 < 0xa0 || b1 > 0xbf || (b2 & 0xc0) !== 0x80) {
      continue;
    }
    try {
      out += strict!.decode(bytes.subarray(from, i));
    } catch {
      return undefined;
    }
    out += String.fromCharCode(0xd000 | ((b1 & 63) << 6) | (b2 & 63));
    from = i + 3;
    i += 2;
  }
  try {
    return out + strict!.decode(bytes.subarray(from));
  } catch {
    return undefined;
  }
}
