/**
 * Test helper: `.npy` files as NumPy before 1.22 wrote them (header padded
 * to 16 bytes, no room to grow), so `ensureAppendable` must rewrite them.
 *
 * @module
 */

/**
 * The bytes of a version 1.0 `.npy` file: magic, `dict` (the header's
 * dictionary text) padded with spaces to a multiple of `align` bytes, then
 * `data`.
 *
 * @param dict The header dictionary, `{...}`.
 * @param data The data's bytes.
 * @param align The header's total length is a multiple of this (16 as
 * NumPy before 1.22 wrote it, 64 since).
 * @returns The file's bytes.
 */
export function npyBytes(
  dict: string,
  data: ArrayBufferView,
  align: number,
): Uint8Array {
  const total = Math.ceil((10 + dict.length + 1) / align) * align;
  const text = dict.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/**
 * The bytes of an int32 1-d array with an unappendable header.
 *
 * @param values The values.
 * @returns The file's bytes.
 */
export function oldNpyBytes(values: Int32Array): Uint8Array {
  return npyBytes(
    `{'descr': '<i4', 'fortran_order': False, 'shape': (${values.length},), }`,
    values,
    16,
  );
}

/** `n` int32 values `i * 3 + 1`, easy to check. */
export function ramp(n: number, start = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (start + i) * 3 + 1);
}
