/**
 * Buffers whose size a file or the caller's input sets. A runtime that
 * cannot give one buffer that much memory throws a bare engine error (V8's
 * `RangeError: Array buffer allocation failed`, JavaScriptCore's `Out of
 * memory`) that names neither the file nor a fix; the callers here turn
 * it into their own error, with the engine's as `cause`.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";

/**
 * `new Uint8Array(n)`, or the engine's `RangeError` when it cannot give
 * the memory (other errors are thrown).
 *
 * @param n Bytes.
 * @returns The zeroed bytes, or the engine's refusal.
 */
export function tryBytes(n: number): Uint8Array | RangeError {
  try {
    return new Uint8Array(n);
  } catch (e) {
    if (e instanceof RangeError) return e;
    throw e;
  }
}

/**
 * `n` bytes for a read of a whole file or of a range of its rows.
 *
 * @param n Bytes.
 * @returns The zeroed bytes.
 * @throws {NpyFormatError} `"too-large"` (without the file, which the
 *   reader's caller adds) when the runtime cannot give them.
 */
export function readBytes(n: number): Uint8Array {
  const bytes = tryBytes(n);
  if (!(bytes instanceof RangeError)) return bytes;
  throw new NpyFormatError(
    "too-large",
    `the ${n} data bytes to read are more than this runtime gives one buffer (${bytes.message}); read the rows in ranges with NpyReader (read(start, end), or its batches with for await)`,
    { cause: bytes },
  );
}

/**
 * The error of an append whose bytes the runtime cannot give one buffer.
 *
 * @param label The file, as messages name it.
 * @param what What needs the bytes (`its 4 items of dtype "<f8"`).
 * @param size The bytes.
 * @param cause The engine's refusal.
 * @returns The `RangeError`, naming the file and smaller batches.
 */
export function tooLargeToAppend(
  label: string,
  what: string,
  size: number,
  cause: RangeError,
): RangeError {
  return new RangeError(
    `Cannot append to ${label}: ${what} take ${size} bytes, more than this runtime gives one buffer (${cause.message}); nothing was written: append them in smaller batches`,
    { cause },
  );
}

/**
 * `size` bytes for items being appended.
 *
 * @param size Bytes.
 * @param label The file, as messages name it.
 * @param what What needs the bytes, for the message.
 * @returns The zeroed bytes.
 * @throws {RangeError} ({@linkcode tooLargeToAppend}) when the runtime
 *   cannot give them.
 */
export function appendBytes(
  size: number,
  label: string,
  what: () => string,
): Uint8Array {
  const bytes = tryBytes(size);
  if (bytes instanceof RangeError) {
    throw tooLargeToAppend(label, what(), size, bytes);
  }
  return bytes;
}
