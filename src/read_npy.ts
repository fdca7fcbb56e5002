/**
 * Reading a whole `.npy` file.
 *
 * @module
 */

import { readBytes } from "./_alloc.ts";
import { checkOptions, optionsOrError } from "./_options_check.ts";
import { READ_OPTIONS } from "./_option_kinds.ts";
import type { Target } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import { type IoSteps, readFully, runAsync, runSync } from "./_io.ts";
import { targetLabel, withTarget, withTargetSync } from "./_open_target.ts";
import { inspect } from "./_inspect.ts";
import { decodeItems, type NpyData, objectsReadWhy } from "./decode.ts";
import { namingFile, withFileName } from "./_error_label.ts";
import { fileState, fileStateError, growthAxis, wholeRows } from "./_layout.ts";
import { liveWriter } from "./_live_writer.ts";
import { pastHeader, refuseMovedWhileRead } from "./_reader_layout.ts";

/** A whole array read from a file. */
export interface NpyArray {
  /** The items, flat, in the file's order (see `fortranOrder`). */
  readonly data: NpyData;
  /** The array shape. */
  readonly shape: readonly number[];
  /** The descr text of the dtype, as the header holds it. */
  readonly dtype: string;
  /** Whether `data` is in Fortran (column-major) order. */
  readonly fortranOrder: boolean;
}

/** Options of {@linkcode readNpy} and {@linkcode readNpySync}. */
export interface ReadNpyOptions {
  /** Largest header accepted (default 10,000 characters). */
  maxHeaderSize?: number;
  /**
   * Read a file that needs recovery: the whole items that its data holds
   * along the growth axis, as `recover` would keep them. Without it such a
   * file is refused.
   */
  allowIncomplete?: boolean;
}

const READ = { mode: "read", verb: "read" } as const;

/** Most items of a zero-byte dtype (`V0`, `[]`) that a read returns. */
const MAX_EMPTY_ITEMS = 1 << 12;

/**
 * @param live Asked only when the file holds more bytes than its header
 *   counts: whether a live writer holds it (then those bytes are an append
 *   in progress, and the header's rows are read).
 */
function* readSteps(
  options: ReadNpyOptions,
  live: boolean | (() => boolean) = false,
  tries = 0,
): IoSteps<NpyArray> {
  const info = yield* inspect(options.maxHeaderSize);
  const { header } = info;
  if (header.dtype.hasObject) {
    throw new NpyFormatError(
      "unsupported-dtype",
      objectsReadWhy(header.dtype),
      { verb: "read" },
    );
  }
  const shape = [...header.shape];
  const state = fileState(info, "read");
  let following = false;
  if (info.dataLength > info.expectedDataLength && !options.allowIncomplete) {
    const v = typeof live === "function"
      ? yield* pastHeader(live, header, options.maxHeaderSize, tries)
      : live
      ? "follow"
      : "refuse";
    if (v === "again") return yield* readSteps(options, live, tries + 1);
    following = v === "follow";
  }
  if (state.state === "needs-recovery" && !following) {
    if (!options.allowIncomplete || shape.length === 0) {
      throw fileStateError(state, "read", {
        verb: "read",
        offersAllowIncomplete: options.allowIncomplete !== true,
      });
    }
    shape[growthAxis(header.fortranOrder, shape.length)] = wholeRows(
      header,
      info.dataLength,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (header.dtype.itemsize === 0 && count > MAX_EMPTY_ITEMS) {
    // Items of zero bytes cost nothing on disk, so only this cap keeps a
    // number in the header from driving a huge allocation.
    throw new NpyFormatError(
      "too-large",
      `the header claims ${count} items of dtype "${header.dtype.str}", which has zero bytes per item; at most ${MAX_EMPTY_ITEMS} such items are read into memory`,
      { verb: "read" },
    );
  }
  const bytes = readBytes(count * header.dtype.itemsize);
  const got = yield* readFully(bytes, header.headerLength);
  if (got !== bytes.length) {
    throw new NpyFormatError(
      "truncated",
      `truncated .npy file: expected ${bytes.length} data bytes, read ${got}`,
    );
  }
  yield* refuseMovedWhileRead(header.headerLength);
  return {
    data: decodeItems(bytes, header.dtype, count, { copy: false }),
    shape,
    dtype: header.dtype.str,
    fortranOrder: header.fortranOrder,
  };
}

/**
 * Reads a whole `.npy` file, as `np.load(path)` does: `shape` as the
 * header says it, `data` flat in the file's order (C, or Fortran when
 * `fortranOrder`), in native byte order, typed as the README's dtype
 * table says (`<f8`: a `Float64Array`, `<i8`: a `BigInt64Array` ...).
 *
 * @example
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, readNpy } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * const npy = NpyAppendArraySync.open(file);
 * npy.append([[1, 2], [3, 4]]);
 * npy.close();
 * const array = await readNpy(file);
 * assert.deepEqual(array.shape, [2, 2]);
 * assert.equal(array.dtype, "<f8");
 * assert.deepEqual([...array.data as Float64Array], [1, 2, 3, 4]);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`, `allowIncomplete`.
 * @returns The array.
 * @throws {NpyFormatError} for a malformed, unsupported or incomplete file (code `needs-recovery`: call `recover`, or pass `allowIncomplete: true`).
 * @throws {TypeError} for an unknown option or a target of the wrong kind (a folder: a stack is read by `readNpyStack`).
 * @throws {RangeError} for an option value out of range.
 * @throws {Error} with the system's `code` (`ENOENT`: no file at the path), naming the file.
 */
export function readNpy(
  target: Target,
  options: ReadNpyOptions = {},
): Promise<NpyArray> {
  const o = optionsOrError(options, "read", target, READ_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  return withTarget(
    target,
    READ,
    (file, _label, path) => runSync(readSteps(options, liveWriter(path)), file),
    (file) => runAsync(readSteps(options), file),
  ).catch((e) => {
    throw withFileName(e, "read", targetLabel(target));
  });
}

/**
 * Reads a whole `.npy` file synchronously; see {@linkcode readNpy}
 * (`np.load(path)`).
 *
 * @example
 * ```ts
 * import { MemoryFile, NpyAppendArraySync, readNpySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file).append(["a", "bc"]);
 * const array = readNpySync(file);
 * assert.equal(array.dtype, "<U2");
 * assert.deepEqual(array.data, ["a", "bc"]);
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`, `allowIncomplete`.
 * @returns The array.
 * @throws {NpyFormatError} for a malformed, unsupported or incomplete file (code `needs-recovery`: call `recover`, or pass `allowIncomplete: true`).
 * @throws {TypeError} for an unknown option or a target of the wrong kind (a folder: a stack is read by `readNpyStack`).
 * @throws {RangeError} for an option value out of range.
 * @throws {Error} with the system's `code` (`ENOENT`: no file at the path), naming the file.
 */
export function readNpySync(
  target: Target,
  options: ReadNpyOptions = {},
): NpyArray {
  options = checkOptions(options, "read", target, READ_OPTIONS);
  return namingFile(
    "read",
    targetLabel(target),
    () =>
      withTargetSync(
        target,
        READ,
        (f, _label, path) => runSync(readSteps(options, liveWriter(path)), f),
      ),
  );
}
