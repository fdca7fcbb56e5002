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

/**
 * Thrown when another writer, maintenance call or CLI command holds the
 * file (or stack or group folder): in this process or another, on any
 * runtime. Nothing was changed. Close the other writer, or wait for it;
 * a lock left by a killed process does not block (it is taken over).
 *
 * @example Catch a second writer
 * ```ts
 * import { NpyAppendArraySync, NpyLockedError } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const path = Deno.makeTempFileSync({ suffix: ".npy" });
 * using first = NpyAppendArraySync.open(path, { deleteIfExists: true });
 * first.append(new Float64Array([1, 2]));
 * assert.throws(() => NpyAppendArraySync.open(path), NpyLockedError);
 * ```
 */
export class NpyLockedError extends Error {
  /** The file or folder that is held. */
  readonly path: string;
  /** The lock file that records the holder. */
  readonly lockPath: string;
  /**
   * Who holds it, as recorded in the lock file (such as
   * `"pid 1234 on host1"`); `""` when unknown.
   */
  readonly holder: string;

  /**
   * Creates the error.
   *
   * @param message What could not be done, naming the file and the fix.
   * @param details The held path, its lock file and the holder.
   * @param options Standard error options, such as `cause`.
   */
  constructor(
    message: string,
    details: { path: string; lockPath: string; holder?: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "NpyLockedError";
    this.path = details.path;
    this.lockPath = details.lockPath;
    this.holder = details.holder ?? "";
  }
}
