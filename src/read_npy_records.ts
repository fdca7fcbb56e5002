/**
 * Reading every array of a file that `np.save` was called on several times
 * (records back to back on one open file).
 *
 * @module
 */

import { checkOptions, optionsOrError } from "./_options_check.ts";
import { HEADER_OPTIONS } from "./_option_kinds.ts";
import type { Target } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import { type IoSteps, readFully, runAsync, runSync } from "./_io.ts";
import { targetLabel, withTarget, withTargetSync } from "./_open_target.ts";
import { recordsOf } from "./_inspect.ts";
import { refuseMovedWhileRead } from "./_reader_layout.ts";
import { decodeItems } from "./decode.ts";
import { namingFile, withFileName } from "./_error_label.ts";
import type { NpyArray } from "./read_npy.ts";
import type { ParseHeaderOptions } from "./header.ts";

const READ = { mode: "read", verb: "read" } as const;

function* recordsSteps(options: ParseHeaderOptions): IoSteps<NpyArray[]> {
  const records = yield* recordsOf(options.maxHeaderSize);
  const out: NpyArray[] = [];
  for (const [i, r] of records.entries()) {
    const { header } = r.info;
    const count = header.shape.reduce((a, b) => a * b, 1);
    // The walk checked that the file holds these bytes.
    const bytes = new Uint8Array(r.dataLength);
    const got = yield* readFully(bytes, r.dataStart);
    if (got !== bytes.length) {
      throw new NpyFormatError(
        "truncated",
        `truncated .npy file: record ${
          i + 1
        } needs ${bytes.length} data bytes, read ${got}: the file got shorter while it was read (cut by another process); read it again once that is done`,
      );
    }
    out.push({
      data: decodeItems(bytes, header.dtype, count, { copy: false }),
      shape: [...header.shape],
      dtype: header.dtype.str,
      fortranOrder: header.fortranOrder,
    });
  }
  // A file of one record may be grown in place (several: refused).
  if (records.length === 1) {
    yield* refuseMovedWhileRead(records[0]!.info.header.headerLength);
  }
  return out;
}

/**
 * Reads every array of a file holding several `.npy` records back to back,
 * as `np.save` called repeatedly on one open file writes them (read in
 * Python by calling `np.load` repeatedly on one open file). A file of one
 * array gives a list of one. {@linkcode readNpy} reads the first record
 * only, as one `np.load` does.
 *
 * @example Three arrays saved one after another
 * ```ts
 * import { encodeHeader, MemoryFile, readNpyRecords } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const a = encodeHeader({ dtype: "<f8", fortranOrder: false, shape: [2] });
 * const b = encodeHeader({ dtype: "|u1", fortranOrder: false, shape: [3] });
 * const file = new MemoryFile(new Uint8Array([
 *   ...a, ...new Uint8Array(new Float64Array([1.5, 2]).buffer),
 *   ...b, 7, 8, 9,
 * ]));
 * const records = await readNpyRecords(file);
 * assert.equal(records.length, 2);
 * assert.deepEqual([...records[0]!.data as Float64Array], [1.5, 2]);
 * assert.deepEqual([...records[1]!.data as Uint8Array], [7, 8, 9]);
 * ```
 *
 * @param target A path, a `file:` URL, a {@linkcode FileLike} or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`.
 * @returns The arrays, in file order, each `{ data, shape, dtype, fortranOrder }`.
 * @throws {NpyFormatError} for a malformed record, a record cut off, one
 * holding Python objects, or bytes after a record that start no other.
 */
export function readNpyRecords(
  target: Target,
  options: ParseHeaderOptions = {},
): Promise<NpyArray[]> {
  const o = optionsOrError(options, "read", target, HEADER_OPTIONS);
  if (o instanceof TypeError || o instanceof RangeError) {
    return Promise.reject(o);
  }
  options = o;
  return withTarget(
    target,
    READ,
    (file) => runSync(recordsSteps(options), file),
    (file) => runAsync(recordsSteps(options), file),
  ).catch((e) => {
    throw withFileName(e, "read", targetLabel(target));
  });
}

/**
 * Synchronous {@linkcode readNpyRecords}.
 *
 * @example A file of one record gives one array
 * ```ts
 * import {
 *   MemoryFile,
 *   NpyAppendArraySync,
 *   readNpyRecordsSync,
 * } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const file = new MemoryFile();
 * NpyAppendArraySync.open(file).append(["a", "bc"]);
 * const records = readNpyRecordsSync(file);
 * assert.equal(records.length, 1);
 * assert.deepEqual(records[0]!.data, ["a", "bc"]);
 * ```
 *
 * @param target A path, a `file:` URL or a {@linkcode FileLikeSync}.
 * @param options `maxHeaderSize`.
 * @returns The arrays, in file order.
 * @throws {NpyFormatError} as {@linkcode readNpyRecords}.
 */
export function readNpyRecordsSync(
  target: Target,
  options: ParseHeaderOptions = {},
): NpyArray[] {
  options = checkOptions(options, "read", target, HEADER_OPTIONS);
  return namingFile(
    "read",
    targetLabel(target),
    () =>
      withTargetSync(target, READ, (f) => runSync(recordsSteps(options), f)),
  );
}
