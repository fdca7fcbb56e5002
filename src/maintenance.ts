/**
 * File maintenance, as in the Python package: tell whether a file can be
 * appended to ({@linkcode isAppendable}) or was cut off
 * ({@linkcode needsRecovery}), give an old file's header room to grow
 * ({@linkcode ensureAppendable}), and repair a file whose header does not
 * match its data after a crash ({@linkcode recover}). Each has a `Sync`
 * twin; all work in constant memory on files of any size.
 *
 * @module
 */

import { checkOptions, optionsOrError } from "./_options_check.ts";
import {
  ENSURE_OPTIONS,
  HEADER_OPTIONS,
  RECOVER_OPTIONS,
} from "./_option_kinds.ts";
import type { Target } from "./file_like.ts";
import type { ParseHeaderOptions } from "./header.ts";
import { toPath } from "./_path_fs.ts";
import { hasUnsettled } from "./_journal_path.ts";
import { NpyFormatError } from "./errors.ts";
import { appendableFile } from "./_inspect.ts";
import { openTarget } from "./_open_target.ts";
import { unremovedLockOf } from "./_lock.ts";
import { finishedButLocked } from "./_lock_release.ts";
import {
  ENSURE_VERB,
  ensureAppendableByCopy,
  ensureAppendableInPlacePath,
  ensureAppendableInPlaceSteps,
  infoUnlessEmpty,
  onTarget,
  onTargetSync,
  recoverSteps,
} from "./_maintenance.ts";

/** Options of {@linkcode ensureAppendable} and {@linkcode ensureAppendableSync}. */
export interface EnsureAppendableOptions extends ParseHeaderOptions {
  /**
   * Move the data within the file instead of writing a temporary copy
   * (default `false`). Needs only the header's growth in extra disk space
   * (plus a change record of at most 16 MiB, smaller when space is short);
   * on a path it is all or nothing (see {@linkcode ensureAppendable}). File
   * objects are always rewritten in place, without a change record.
   */
  inplace?: boolean;
}

/** Options of {@linkcode recover} and {@linkcode recoverSync}. */
export interface RecoverOptions extends ParseHeaderOptions {
  /**
   * Keep a trailing partial item, filling its missing bytes with zeros
   * (default `false`: cut it off).
   */
  zerofillIncomplete?: boolean;
}

/** A path whose file has an unfinished change for `recover` to settle. */
function unsettled(target: Target): boolean {
  return (typeof target === "string" || target instanceof URL) &&
    hasUnsettled(toPath(target));
}

/**
 * `true` for a file an in-place move marked (its record made after
 * `unsettled` looked, or a copy of the file: `refuseMoving`); rethrows
 * any other error.
 */
function movingNeedsRecovery(e: unknown): true {
  if (e instanceof NpyFormatError && e.code === "needs-recovery") return true;
  throw e;
}

/**
 * Settles the unfinished change of a path target whose settling removes
 * the file (an atomic writer killed while it created the file: rolled
 * back, the file was never there).
 *
 * @returns `true` when the file is gone after it: nothing more to recover.
 */
function settledAway(target: Target): boolean {
  if (!unsettled(target)) return false;
  // "create": settles under the lock, then leaves a missing file missing.
  const t = openTarget(target, { mode: "create", verb: "recover" });
  const gone = t.file === null;
  try {
    t.release();
  } catch (e) {
    // Not gone: the recover that follows takes the lock over (and removes
    // it); gone: the recover finished.
    if (!gone && unremovedLockOf(e) !== null) return false;
    throw finishedButLocked(e, "recover", t.label);
  }
  return gone;
}

/**
 * Tells whether `NpyAppendArray.open` accepts a file as it is: its header
 * rewritten with growth space fits in its present length, it has an axis
 * to grow (not 0-d), holds no Python objects and holds one array (not
 * several saved one after another). A file that needs recovery counts as
 * appendable once recovered (see {@linkcode needsRecovery}); so does an
 * empty file (left by a writer killed as it created the file; the next
 * writer starts it afresh). Files written by this library or by
 * NumPy >= 1.23 always have the room; older NumPy files often do not (see
 * {@linkcode ensureAppendable}). The Python package's
 * `is_appendable(filename)`.
 *
 * @example A file from this library is appendable
 * ```ts
 * import { isAppendable, MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file).append([[1, 2], [3, 4]]);
 * assert.equal(await isAppendable(file), true);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`.
 * @returns Whether appends are possible.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file, or has
 *   an unfinished change recorded in `<file>.journal` (call `recover`).
 */
export function isAppendable(
  target: Target,
  options: ParseHeaderOptions = {},
): Promise<boolean> {
  const o = optionsOrError(options, "read", target, HEADER_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  return onTarget(
    target,
    "read",
    "inspect",
    (label) => infoUnlessEmpty("inspect", label, options.maxHeaderSize),
  ).then((info) => info === null || appendableFile(info));
}

/**
 * Synchronous {@linkcode isAppendable}.
 *
 * @example A header as NumPy < 1.23 wrote it, with no room to grow
 * ```ts
 * import { encodeHeader, isAppendableSync, MemoryFile } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const header = encodeHeader(
 *   { dtype: [["timestamp", "<f8"], ["temperature", "<f4"]], fortranOrder: false, shape: [2] },
 *   { growthSpace: false },
 * );
 * const file = new MemoryFile(new Uint8Array([...header, ...new Uint8Array(24)]));
 * assert.equal(isAppendableSync(file), false);
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`.
 * @returns Whether the header has room to grow.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file, or has
 *   an unfinished change recorded in `<file>.journal` (call `recover`).
 */
export function isAppendableSync(
  target: Target,
  options: ParseHeaderOptions = {},
): boolean {
  options = checkOptions(options, "read", target, HEADER_OPTIONS);
  const info = onTargetSync(
    target,
    "read",
    "inspect",
    (label) => infoUnlessEmpty("inspect", label, options.maxHeaderSize),
  );
  return info === null || appendableFile(info);
}

/**
 * Tells whether a file needs {@linkcode recover}: an unfinished change is
 * recorded beside it (`<file>.journal`, paths only), or its data length
 * differs from what its header's shape says, as after a crash or a copy
 * that was cut off (always `false` for dtypes holding Python objects, whose
 * data is a pickle). Such a file is repaired by {@linkcode recover}. An
 * empty file (a writer killed as it created the file) needs none: the
 * next writer starts it afresh. The Python package's
 * `needs_recovery(filename)`.
 *
 * @example A file cut off in the middle of a row
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, needsRecovery } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file).append([[1, 2], [3, 4]]);
 * assert.equal(await needsRecovery(file), false);
 * file.truncateSync(file.sizeSync() - 4);
 * assert.equal(await needsRecovery(file), true);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`.
 * @returns Whether the data length disagrees with the header.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file.
 */
export function needsRecovery(
  target: Target,
  options: ParseHeaderOptions = {},
): Promise<boolean> {
  const o = optionsOrError(options, "read", target, HEADER_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  try {
    if (unsettled(target)) return Promise.resolve(true);
  } catch (e) {
    return Promise.reject(e);
  }
  return onTarget(
    target,
    "read",
    "inspect",
    (label) => infoUnlessEmpty("inspect", label, options.maxHeaderSize),
  ).then((info) => info?.needsRecovery ?? false, movingNeedsRecovery);
}

/**
 * Synchronous {@linkcode needsRecovery}.
 *
 * @example Stray bytes after the last row
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, needsRecoverySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file).append(new Float32Array([1, 2, 3]));
 * file.writeSync(new Uint8Array([0, 0]), file.sizeSync());
 * assert.equal(needsRecoverySync(file), true);
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`.
 * @returns Whether the data length disagrees with the header.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file.
 */
export function needsRecoverySync(
  target: Target,
  options: ParseHeaderOptions = {},
): boolean {
  options = checkOptions(options, "read", target, HEADER_OPTIONS);
  if (unsettled(target)) return true;
  try {
    return onTargetSync(
      target,
      "read",
      "inspect",
      (label) => infoUnlessEmpty("inspect", label, options.maxHeaderSize),
    )?.needsRecovery ?? false;
  } catch (e) {
    return movingNeedsRecovery(e);
  }
}

/**
 * Gives a file's header room to grow, so that it can be appended to:
 * the header is rewritten with growth space, which may make it longer,
 * and the data moves behind it. A file that is already appendable is left
 * untouched, as is an empty one (a writer killed as it created the file).
 * The Python package's `ensure_appendable(filename, inplace)`.
 *
 * On a path, the new file is written to a temporary file in the same
 * folder (`.<name>.<random>.tmp`), flushed, given the original's mode (and
 * owner where permitted), renamed over the original (atomic on POSIX) and
 * the folder synced: a crash leaves either the old or the new file, and
 * the next run removes a killed run's temporary file. A symlink is
 * followed: the real file is replaced and the link stays a link. A file
 * with several hard links is rewritten in place instead, so that every
 * link sees the new file.
 *
 * With `inplace: true` on a path, the change is all or nothing too: the
 * file is first extended to its final size (a full disk fails here, the
 * file unchanged), then the data moves in chunks from the end backwards
 * under a change record `<file>.journal` (like SQLite's rollback journal)
 * that holds the old header and the chunk being moved. If the process is
 * killed or an I/O error stops the move, the next writer's `open`,
 * `recover` or `ensureAppendable` on the path finishes it; `readNpy`,
 * `NpyReader` and `isAppendable` refuse the file until then, and
 * `needsRecovery` returns `true`; so does `np.load` (the magic's first
 * byte is spoilt while the data moves). A {@linkcode FileLike}/{@linkcode
 * FileLikeSync} (which has no place for a record) is also reserved first,
 * then moved in place without a record: a crash during the move leaves a
 * broken file. Either way memory use stays constant, whatever the file
 * size.
 *
 * @example Make an old NumPy file appendable, then append
 * ```ts
 * import { encodeHeader, ensureAppendable, MemoryFile, NpyAppendArraySync, readNpySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * // As NumPy < 1.23 wrote it: 2 records, no room in the header to grow.
 * const header = encodeHeader(
 *   { dtype: [["timestamp", "<f8"], ["temperature", "<f4"]], fortranOrder: false, shape: [2] },
 *   { growthSpace: false },
 * );
 * const file = new MemoryFile(new Uint8Array([...header, ...new Uint8Array(24)]));
 * assert.throws(() => NpyAppendArraySync.open(file), /call ensureAppendable first/);
 *
 * assert.equal(await ensureAppendable(file), true);
 * const npy = NpyAppendArraySync.open(file);
 * npy.append([{ timestamp: 1.5, temperature: 20 }]);
 * npy.close();
 * assert.deepEqual(readNpySync(file).shape, [3]);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
 * @param options `inplace`, `maxHeaderSize`.
 * @returns `true`.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file.
 * @throws {Error} when an I/O error stops the change: reserving space fails
 *   with the file unchanged; a move that fails part-way leaves the change
 *   record, which the next `open`, `recover` or `ensureAppendable` finishes.
 * @throws {NpyLockedError} when a writer (any process, any runtime) holds the file.
 */
export function ensureAppendable(
  target: Target,
  options: EnsureAppendableOptions = {},
): Promise<boolean> {
  const o = optionsOrError(options, "rewrite", target, ENSURE_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  try {
    const done = byCopy(target, options);
    if (done !== undefined) return Promise.resolve(done);
  } catch (e) {
    return Promise.reject(e);
  }
  return onTarget(
    target,
    "write",
    ENSURE_VERB,
    (label) => ensureAppendableInPlaceSteps(label, options.maxHeaderSize),
  );
}

/** A path without `inplace`: the copy-and-rename; else `undefined`. */
function byCopy(
  target: Target,
  options: EnsureAppendableOptions,
): boolean | undefined {
  const inplace = options.inplace === true; // a boolean: checkOptions
  if (typeof target === "string" || target instanceof URL) {
    return inplace
      ? ensureAppendableInPlacePath(
        toPath(target, ENSURE_VERB),
        options.maxHeaderSize,
      )
      : ensureAppendableByCopy(
        toPath(target, ENSURE_VERB),
        options.maxHeaderSize,
      );
  }
  return undefined;
}

/**
 * Synchronous {@linkcode ensureAppendable}.
 *
 * @example Rewrite an old file in place
 * ```ts
 * import { encodeHeader, ensureAppendableSync, isAppendableSync, MemoryFile } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const header = encodeHeader(
 *   { dtype: [["timestamp", "<f8"], ["temperature", "<f4"]], fortranOrder: false, shape: [2] },
 *   { growthSpace: false },
 * );
 * const file = new MemoryFile(new Uint8Array([...header, ...new Uint8Array(24)]));
 * assert.equal(ensureAppendableSync(file, { inplace: true }), true);
 * assert.equal(isAppendableSync(file), true);
 * assert.equal(file.sizeSync(), 192 + 24);
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `inplace`, `maxHeaderSize`.
 * @returns `true`.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file.
 * @throws {Error} when an I/O error stops the change: reserving space fails
 *   with the file unchanged; a move that fails part-way leaves the change
 *   record, which the next `open`, `recover` or `ensureAppendable` finishes.
 * @throws {NpyLockedError} when a writer (any process, any runtime) holds the file.
 */
export function ensureAppendableSync(
  target: Target,
  options: EnsureAppendableOptions = {},
): boolean {
  options = checkOptions(options, "rewrite", target, ENSURE_OPTIONS);
  return byCopy(target, options) ?? onTargetSync(
    target,
    "write",
    ENSURE_VERB,
    (label) => ensureAppendableInPlaceSteps(label, options.maxHeaderSize),
  );
}

/**
 * Repairs a file whose data length does not match its header, as a
 * writer leaves it when killed between writing data and header (or with
 * `rewriteHeaderOnAppend: false` before `close()`): the growth-axis length
 * is set to the number of whole items the data holds, and the header is
 * rewritten in place, keeping its length. A trailing partial item is cut
 * off, or, with `zerofillIncomplete: true`, kept and completed with zero
 * bytes. A file that does not need recovery is left untouched, and so is
 * an empty file (a writer killed as it created the file: the next writer
 * starts it afresh).
 *
 * Refuses a header without room to grow (call {@linkcode ensureAppendable}
 * first) and a 0-d array. When items have no bytes (a shape like
 * `(n, 0)`), the data cannot tell their number: the header's count is kept
 * and stray bytes are cut off. `recover` does not flush to stable storage.
 * On a path, an unfinished change recorded in `<file>.journal` is settled
 * first: an in-place `ensureAppendable` is finished, an `atomic` writer's
 * appends are rolled back (the file removed if that writer created it).
 * The Python package's `recover(filename, zerofill_incomplete)`.
 *
 * @example Repair a file cut off in the middle of a row
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, readNpySync, recover } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * const npy = NpyAppendArraySync.open(file, { rewriteHeaderOnAppend: false });
 * npy.append([[1, 2], [3, 4]]);
 * npy.append([[5, 6]]);
 * // The process dies before close(): the header still says (2, 2), and
 * // the last row is only half written. The next run finds these bytes.
 * file.truncateSync(file.sizeSync() - 4);
 * const found = new MemoryFile(file.bytes().slice());
 *
 * assert.equal(await recover(found), true);
 * const array = readNpySync(found);
 * assert.deepEqual(array.shape, [2, 2]);
 * assert.deepEqual([...array.data as Float64Array], [1, 2, 3, 4]);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
 * @param options `zerofillIncomplete`, `maxHeaderSize`.
 * @returns `true`.
 * @throws {RangeError} when the header has no room to grow (call `ensureAppendable`), or the file holds a 0-d array.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file.
 * @throws {NpyLockedError} when a writer (any process, any runtime) holds the file.
 */
export function recover(
  target: Target,
  options: RecoverOptions = {},
): Promise<boolean> {
  const o = optionsOrError(options, "recover", target, RECOVER_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  const zerofill = options.zerofillIncomplete === true; // checked above
  try {
    if (settledAway(target)) return Promise.resolve(true);
  } catch (e) {
    return Promise.reject(e);
  }
  return onTarget(
    target,
    "write",
    "recover",
    (label) => recoverSteps(label, zerofill, options.maxHeaderSize),
  );
}

/**
 * Synchronous {@linkcode recover}.
 *
 * @example Keep a partial last row, zero-filled
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, readNpySync, recoverSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * const npy = NpyAppendArraySync.open(file);
 * npy.append([[1, 2], [3, 4]]);
 * file.truncateSync(file.sizeSync() - 8); // the last value is lost
 * // The process dies before close(); the next run finds these bytes.
 * const found = new MemoryFile(file.bytes().slice());
 *
 * recoverSync(found, { zerofillIncomplete: true });
 * assert.deepEqual([...readNpySync(found).data as Float64Array], [1, 2, 3, 0]);
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `zerofillIncomplete`, `maxHeaderSize`.
 * @returns `true`.
 * @throws {RangeError} when the header has no room to grow (call `ensureAppendableSync`), or the file holds a 0-d array.
 * @throws {NpyFormatError} when the file is not a valid `.npy` file.
 * @throws {NpyLockedError} when a writer (any process, any runtime) holds the file.
 */
export function recoverSync(
  target: Target,
  options: RecoverOptions = {},
): boolean {
  options = checkOptions(options, "recover", target, RECOVER_OPTIONS);
  const zerofill = options.zerofillIncomplete === true; // checked above
  if (settledAway(target)) return true;
  return onTargetSync(
    target,
    "write",
    "recover",
    (label) => recoverSteps(label, zerofill, options.maxHeaderSize),
  );
}
