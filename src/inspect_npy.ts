/**
 * The header and layout facts of a `.npy` file, without reading its data:
 * what the command line's `info` prints.
 *
 * @module
 */

import { checkOptions, optionsOrError } from "./_options_check.ts";
import { HEADER_OPTIONS } from "./_option_kinds.ts";
import type { Target } from "./file_like.ts";
import type { ParseHeaderOptions } from "./header.ts";
import { appendableFile, type FileInfo, inspect } from "./_inspect.ts";
import { runAsync, runSync } from "./_io.ts";
import { targetLabel, withTarget, withTargetSync } from "./_open_target.ts";
import { namingFile, withFileName } from "./_error_label.ts";

const READ = { mode: "read", verb: "read" } as const;

/** What {@linkcode inspectNpy} finds out about a file. */
export interface NpyInfo {
  /** The format version, such as `[1, 0]`. */
  readonly version: readonly [number, number];
  /** Bytes before the data: magic, version, length field and header text. */
  readonly headerLength: number;
  /** The descr text of the dtype, as the header holds it, such as `"<f8"`. */
  readonly dtype: string;
  /** Bytes per item of the dtype. */
  readonly itemsize: number;
  /** The shape the header says. */
  readonly shape: readonly number[];
  /** Whether the data is in Fortran order (grows along the last axis). */
  readonly fortranOrder: boolean;
  /** The index of the growth axis (0, or the last axis in Fortran order); -1 for a 0-d array. */
  readonly growthAxis: number;
  /** Bytes of one slice along the growth axis (an item for a 0-d array). */
  readonly rowBytes: number;
  /** Bytes after the header. */
  readonly dataLength: number;
  /** Bytes the header's shape covers. */
  readonly expectedDataLength: number;
  /** Whether the dtype holds Python objects (pickled data). */
  readonly hasObject: boolean;
  /**
   * Whether `NpyAppendArray.open` can append to the file as it is: the
   * header has room to grow, the array is not 0-d and holds no Python
   * objects (see `ensureAppendable`).
   */
  readonly appendable: boolean;
  /** Whether the data length differs from what the shape says (see `recover`). */
  readonly needsRecovery: boolean;
}

function facts(info: FileInfo): NpyInfo {
  const { header } = info;
  const shape = [...header.shape];
  const rank = shape.length;
  const growthAxis = rank === 0 ? -1 : header.fortranOrder ? rank - 1 : 0;
  let rowBytes = header.dtype.itemsize;
  shape.forEach((n, i) => {
    if (i !== growthAxis) rowBytes *= n;
  });
  return {
    version: [header.version[0], header.version[1]],
    headerLength: header.headerLength,
    dtype: header.dtype.str,
    itemsize: header.dtype.itemsize,
    shape,
    fortranOrder: header.fortranOrder,
    growthAxis,
    rowBytes,
    dataLength: info.dataLength,
    expectedDataLength: info.expectedDataLength,
    hasObject: header.dtype.hasObject,
    appendable: appendableFile(info),
    needsRecovery: info.needsRecovery,
  };
}

/**
 * Reads the header of a `.npy` file and reports its layout and state:
 * version, dtype, shape, order, data bytes, whether it can be appended to
 * and whether it needs recovery. Reads the header only, never the data, so
 * it is fast on files of any size; a file that needs recovery is reported,
 * not refused. Like `np.lib.format.read_array_header_1_0` plus the file
 * size checks of `np.load`.
 *
 * @example Inspect a file
 * ```ts
 * import { inspectNpy, MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file).append([[1, 2, 3], [4, 5, 6]]);
 * const info = await inspectNpy(file);
 * assert.deepEqual(info.shape, [2, 3]);
 * assert.equal(info.dtype, "<f8");
 * assert.equal(info.rowBytes, 24);
 * assert.equal(info.dataLength, 48);
 * assert.equal(info.appendable, true);
 * assert.equal(info.needsRecovery, false);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a
 * {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize` (characters, default 10,000).
 * @returns The facts.
 * @throws {NpyFormatError} for a file that is not `.npy` or has a
 * malformed or unsupported header, naming the file.
 * @throws {TypeError} for a target of the wrong kind.
 */
export function inspectNpy(
  target: Target,
  options: ParseHeaderOptions = {},
): Promise<NpyInfo> {
  const o = optionsOrError(options, "read", target, HEADER_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  return withTarget(
    target,
    READ,
    (file) => runSync(inspect(options.maxHeaderSize), file),
    (file) => runAsync(inspect(options.maxHeaderSize), file),
  ).then(facts, (e: unknown) => {
    throw withFileName(e, "read", targetLabel(target));
  });
}

/**
 * Reads the header of a `.npy` file synchronously; see
 * {@linkcode inspectNpy}.
 *
 * @example Check a file before appending to it
 * ```ts
 * import { inspectNpySync, MemoryFile, NpyAppendArraySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file, { fortranOrder: true }).append({
 *   data: new Int32Array([1, 2, 3, 4]),
 *   shape: [2, 2],
 * });
 * const info = inspectNpySync(file);
 * assert.deepEqual(info.version, [1, 0]);
 * assert.equal(info.growthAxis, 1);
 * assert.equal(info.headerLength + info.dataLength, file.sizeSync());
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize` (characters, default 10,000).
 * @returns The facts.
 * @throws {NpyFormatError} for a file that is not `.npy` or has a
 * malformed or unsupported header, naming the file.
 * @throws {TypeError} for a target of the wrong kind.
 */
export function inspectNpySync(
  target: Target,
  options: ParseHeaderOptions = {},
): NpyInfo {
  options = checkOptions(options, "read", target, HEADER_OPTIONS);
  return facts(
    namingFile(
      "read",
      targetLabel(target),
      () =>
        withTargetSync(
          target,
          READ,
          (f) => runSync(inspect(options.maxHeaderSize), f),
        ),
    ),
  );
}
