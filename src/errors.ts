/**
 * Thrown when the contents of a file are not a valid or supported `.npy`
 * file: a bad magic string, an unparsable header, an unknown dtype, a shape
 * that does not fit the data. Misuse of the API throws the built-in
 * `TypeError` or `RangeError` instead.
 *
 * @example Catch a malformed file
 * ```ts
 * import { NpyFormatError, parseHeader } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => parseHeader(new TextEncoder().encode("not a npy file")),
 *   NpyFormatError,
 * );
 * ```
 */
export class NpyFormatError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, and where.
   * @param options Standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NpyFormatError";
  }
}
