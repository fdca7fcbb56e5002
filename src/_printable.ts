/**
 * Python's `str.isprintable()` for one code point, from the generated table
 * in `_printable_table.ts`.
 *
 * @module
 */

import { NON_PRINTABLE_RANGES } from "./_printable_table.ts";

let bounds: Uint32Array | undefined;

// Range starts and ends, alternately: [start0, end0, start1, end1, ...).
function table(): Uint32Array {
  if (bounds !== undefined) return bounds;
  const parts = NON_PRINTABLE_RANGES.split(",");
  const out = new Uint32Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    at += parseInt(parts[i]!, 36);
    out[i] = at;
  }
  bounds = out;
  return out;
}

/**
 * Whether Python's `repr` shows the code point as it is (`str.isprintable()`).
 *
 * @param code A code point, lone surrogates included.
 * @returns `true` unless Python escapes it.
 */
export function isPrintable(code: number): boolean {
  if (code >= 0x20 && code < 0x7f) return true;
  const b = table();
  // The number of bounds <= code: odd means inside a range.
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (b[mid]! <= code) lo = mid + 1;
    else hi = mid;
  }
  return lo % 2 === 0;
}
