/**
 * For tests of the version 1.0 to 2.0 switch: a file as NumPy < 1.23 wrote
 * it whose header, given room to grow, no longer fits version 1.0.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * A version 1.0 file as NumPy < 1.23 wrote it (no room to grow), of 3
 * rows of a record of one-byte fields, with a header of 65,526 bytes: the
 * largest version 1.0 holds, and too small for 21 more characters.
 *
 * @returns Its bytes and its number of fields.
 */
export function fullVersion1(): { bytes: Uint8Array; fields: number } {
  const head = "{'descr': [";
  const tail = "], 'fortran_order': False, 'shape': (3,), }";
  const fields: string[] = [];
  const text = () => head + fields.join(", ") + tail;
  while (text().length < 65_490) {
    fields.push(`('f${String(fields.length).padStart(5, "0")}', '|u1')`);
  }
  // The last name grows the text to 65,510 characters (65,505 to 65,525
  // fit version 1.0 only without the room to grow).
  const last = fields.length - 1;
  fields[last] = `('${"z".repeat(65_510 - text().length + 6)}', '|u1')`;
  assert.equal(text().length, 65_510);
  const headerLength = 65_526;
  const bytes = new Uint8Array(10 + headerLength + 3 * fields.length);
  bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0], 0);
  new DataView(bytes.buffer).setUint16(8, headerLength, true);
  const padded = text().padEnd(headerLength - 1, " ") + "\n";
  bytes.set(new TextEncoder().encode(padded), 10);
  for (let i = 0; i < 3 * fields.length; i++) {
    bytes[10 + headerLength + i] = i % 251;
  }
  return { bytes, fields: fields.length };
}
