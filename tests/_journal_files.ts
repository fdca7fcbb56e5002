/**
 * Test helper: `.npy` files as NumPy before 1.22 wrote them (header padded
 * to 16 bytes, no room to grow), so `ensureAppendable` must rewrite them.
 *
 * @module
 */

/**
 * The bytes of an int32 1-d array with an unappendable header.
 *
 * @param values The values.
 * @returns The file's bytes.
 */
export function oldNpyBytes(values: Int32Array): Uint8Array {
  let text =
    `{'descr': '<i4', 'fortran_order': False, 'shape': (${values.length},), }`;
  const total = Math.ceil((10 + text.length + 1) / 16) * 16;
  text = text.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + values.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  out.set(
    new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    total,
  );
  return out;
}

/** `n` int32 values `i * 3 + 1`, easy to check. */
export function ramp(n: number, start = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (start + i) * 3 + 1);
}
