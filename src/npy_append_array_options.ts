/**
 * The options of the writers, {@linkcode NpyAppendArray} and
 * {@linkcode NpyAppendArraySync}.
 *
 * @module
 */

import type { DTypeSpec } from "./dtype.ts";
import type { Casting } from "./casting.ts";

/**
 * Options of `NpyAppendArray.open` and `NpyAppendArraySync.open`. Every
 * option is checked when the writer opens: a boolean option given another
 * type is a `TypeError`, a number out of range a `RangeError`, both naming
 * the option and the file.
 *
 * @example Log rows fast, writing the header at the end only
 * ```ts
 * import {
 *   MemoryFile,
 *   NpyAppendArraySync,
 *   type NpyAppendArrayOptions,
 *   readNpySync,
 * } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const options: NpyAppendArrayOptions = {
 *   dtype: "<f8",
 *   rewriteHeaderOnAppend: false,
 *   bufferBytes: 1 << 16,
 * };
 * const file = new MemoryFile();
 * const npy = NpyAppendArraySync.open(file, options);
 * for (let i = 0; i < 100; i++) npy.append({ data: [i, i], shape: [1, 2] });
 * npy.close();
 * assert.deepEqual(readNpySync(file).shape, [100, 2]);
 * assert.throws(
 *   () => NpyAppendArraySync.open(file, { fsync: "yes" as unknown as boolean }),
 *   { name: "TypeError", message: 'Cannot open the file object: fsync must be a boolean, not "yes"' },
 * );
 * ```
 */
export interface NpyAppendArrayOptions {
  /** Start a new file even if one exists (default `false`). */
  deleteIfExists?: boolean;
  /**
   * Rewrite the header after every append so the file is always complete
   * (default `true`). With `false`, the header is written by
   * `updateHeader()` and `close()` only; a file cut off in between is
   * repaired by `recover`.
   */
  rewriteHeaderOnAppend?: boolean;
  /** The dtype of a new file; for an existing file it must match. */
  dtype?: DTypeSpec;
  /**
   * A new file grows along its last axis (Fortran order). A 1-d file gets
   * `fortran_order: False`, as `np.save` writes it (it grows along axis 0
   * either way). An existing file's order must match, unless its shape
   * reads the same in both orders: a 1-d file keeps its header; one with
   * at most one axis longer than 1 (`np.save` writes a Fortran `(3, 1)`
   * with C order) takes this order, and its header says so from the first
   * append.
   */
  fortranOrder?: boolean;
  /** How appended data may be cast to the file's dtype (default `"same_kind"`). */
  casting?: Casting;
  /**
   * Flush data to stable storage before the header that covers it is
   * written, and the header after (default `false`).
   */
  fsync?: boolean;
  /**
   * Largest header accepted when opening an existing file, in bytes of
   * header text (default 10,000); a positive integer.
   */
  maxHeaderSize?: number;
  /**
   * Collect appends in memory, up to this many bytes, and write them in
   * one call when the buffer is full and at `updateHeader()` and `close()`
   * (default 0: every append is written at once). Needs
   * `rewriteHeaderOnAppend: false`. Many times faster for small appends,
   * but appends still in the buffer are lost if the process dies before
   * `close()`; arrays as large as the buffer are written directly.
   */
  bufferBytes?: number;
  /**
   * Make every append until `close()` one all-or-nothing change (default
   * `false`; paths only). The file's size and header are first recorded in
   * `<file>.journal`; `close()` commits by writing the header (then removes
   * the record), `abort()` rolls the file back. Meanwhile the library's
   * readers refuse the file, and the header on disk keeps the old rows (a
   * new file's is spoilt), so `np.load` reads the file as before the
   * change; `updateHeader()` is refused. After a kill the next writer's
   * `open` or `recover` keeps the change if `close()` had written the
   * header (as `np.load` reads it then), and rolls it back otherwise.
   *
   * With `deleteIfExists: true` too, the writer replaces the file as a
   * whole: under the file's lock, appends go to a temporary file beside it
   * (`.<name>.<random>.tmp`); `close()` flushes it (and syncs it with
   * `fsync: true`), renames it over the file (keeping its mode, and a
   * symlink as a link to the new file) and syncs the folder. Until then
   * readers see the old file; `abort()`, a failed stream or a kill leaves
   * it untouched, and the temporary file is removed (by the next `open` or
   * `recover` after a kill). Closing with nothing appended removes the
   * file, as `deleteIfExists` alone does; but when appends were tried and
   * every one failed (a full disk, bad input), closing keeps the old file,
   * as `abort()` does.
   *
   * @example Replace a file all or nothing
   * ```ts
   * import { NpyAppendArraySync, readNpySync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const path = Deno.makeTempFileSync({ suffix: ".npy" });
   * Deno.removeSync(path);
   * const old = NpyAppendArraySync.open(path);
   * old.append(new Int32Array([1, 2]));
   * old.close();
   *
   * const npy = NpyAppendArraySync.open(path, { atomic: true, deleteIfExists: true });
   * npy.append(new Float64Array([0.5]));
   * assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2]);
   * npy.close();
   * assert.deepEqual([...readNpySync(path).data as Float64Array], [0.5]);
   *
   * const failed = NpyAppendArraySync.open(path, { atomic: true, deleteIfExists: true });
   * failed.append(new Int32Array([9]));
   * failed.abort();
   * assert.deepEqual([...readNpySync(path).data as Float64Array], [0.5]);
   * ```
   */
  atomic?: boolean;
}
