import { showFile } from "./_file_label.ts";

/**
 * Thrown when the contents of a file are not a valid or supported `.npy`
 * file: a bad magic string, an unparsable header, an unknown dtype, a shape
 * that does not fit the data. Misuse of the API throws the built-in
 * `TypeError` or `RangeError` instead.
 *
 * Besides its message, the error carries the fault as data: a
 * {@linkcode NpyFormatError.code | code} to branch on, the
 * {@linkcode NpyFormatError.file | file} it is about, and the
 * {@linkcode NpyFormatError.reason | reason} without the file. The message
 * is made once from these parts: `Cannot read "x.npy": <reason>` when the
 * file is known (a path quoted), the reason alone otherwise.
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
 *
 * @example Branch on the code, name the file
 * ```ts
 * import { NpyFormatError, readNpySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const path = Deno.makeTempFileSync({ suffix: ".npy" });
 * Deno.writeTextFileSync(path, "x,y\n1,2\n3,4\n5,6\n");
 * try {
 *   readNpySync(path);
 *   assert.fail("a CSV file is not a .npy file");
 * } catch (e) {
 *   assert.ok(e instanceof NpyFormatError);
 *   assert.equal(e.code, "bad-magic");
 *   assert.equal(e.file, path);
 *   assert.equal(e.message, `Cannot read ${JSON.stringify(path)}: ${e.reason}`);
 * }
 * ```
 */
export class NpyFormatError extends Error {
  /**
   * What kind of fault, to branch on without reading the message:
   *
   * - `"truncated"`: the file (or a record in it) is shorter than its
   *   header says, or shrank while it was read;
   * - `"bad-magic"`: it does not start with `"\x93NUMPY"`: not a `.npy`
   *   file;
   * - `"unsupported-version"`: a format version other than 1.0, 2.0, 3.0;
   * - `"bad-header"`: the header is not the dictionary `np.save` writes
   *   (keys, shape, text);
   * - `"header-too-large"`: the header is longer than `maxHeaderSize`;
   *   raise it to read the file;
   * - `"unsupported-dtype"`: an invalid descr, or Python objects (pickled);
   * - `"too-large"`: the header asks for more items or values than are
   *   made in memory at once;
   * - `"needs-recovery"`: the data does not match the header's shape, or an
   *   unfinished change is recorded beside the file: call `recover`;
   * - `"several-arrays"`: `np.save` was called more than once on the file
   *   (or bytes follow its records);
   * - `"changed"`: the file changed under a reader or a rewrite, or a
   *   stack's folder was moved under its writer (an append that would seal
   *   is refused, nothing written);
   * - `"cannot-grow"`: the layout has no axis this library can continue;
   * - `"damaged-stack"`: a stack folder's shards or info disagree;
   * - `"damaged-group"`: a group folder's `group.json` or members disagree.
   */
  readonly code:
    | "truncated"
    | "bad-magic"
    | "unsupported-version"
    | "bad-header"
    | "header-too-large"
    | "unsupported-dtype"
    | "too-large"
    | "needs-recovery"
    | "several-arrays"
    | "changed"
    | "cannot-grow"
    | "damaged-stack"
    | "damaged-group";
  /**
   * The file (or stack or group folder) the fault is in, as the message
   * names it: its path, or `"the file object"` for a `FileLike`;
   * `undefined` when the code that found the fault did not know the file
   * (such as {@linkcode parseHeader} on bytes).
   */
  readonly file: string | undefined;
  /**
   * What is wrong, without the file: the message's part after
   * `Cannot <verb> <file>: `, such as `it holds 3 data bytes but its header
   * says 16; call recover first`.
   */
  readonly reason: string;

  /**
   * Creates the error; the message is made from the parts: `Cannot <verb>
   * <file>: <reason>` when the file is known, `Cannot <verb>: <reason>`
   * when only the verb is, else the reason with a capital first letter.
   *
   * @param code What kind of fault (see {@linkcode NpyFormatError.code}).
   * @param reason What is wrong and how to fix it, without the file,
   * starting in lower case (it follows a colon).
   * @param options `file` (the path, or `"the file object"`), `verb` (what
   * was being done: `"read"`, the default, `"open"`, `"append to"` ...),
   * `label` (how the message shows the file, if not as `file`, such as
   * quoted) and the standard `cause`.
   */
  constructor(
    code: NpyFormatError["code"],
    reason: string,
    options?: ErrorOptions & {
      file?: string | undefined;
      verb?: string | undefined;
      label?: string | undefined;
    },
  ) {
    const file = options?.file;
    const verb = options?.verb;
    super(
      file !== undefined
        ? `Cannot ${verb ?? "read"} ${
          options?.label ?? showFile(file)
        }: ${reason}`
        : verb !== undefined
        ? `Cannot ${verb}: ${reason}`
        : reason.charAt(0).toUpperCase() + reason.slice(1),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "NpyFormatError";
    this.code = code;
    this.file = file;
    this.reason = reason;
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
 * assert.throws(
 *   () => NpyAppendArraySync.open(path),
 *   (e) => e instanceof NpyLockedError && e.code === "locked" && e.path === path,
 * );
 * ```
 */
export class NpyLockedError extends Error {
  /** What kind of fault: always `"locked"` (as `NpyFormatError`'s codes). */
  readonly code: "locked" = "locked";
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
