/**
 * Reading a whole stack.
 *
 * @module
 */

import type { NpyArray } from "./read_npy.ts";
import { NpyStackReader } from "./npy_stack_reader.ts";

/**
 * Reads a whole stack (Dask's `to_npy_stack` layout, plus the live
 * shard's whole rows) as one array: what
 * `dask.array.from_npy_stack(dir).compute()` returns.
 *
 * @example
 * ```ts
 * import { NpyStackWriterSync, readNpyStack } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * {
 *   using stack = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<u1" });
 *   stack.append([1, 2, 3, 4, 5]);
 * }
 * const a = await readNpyStack(dir);
 * assert.deepEqual([...a.data as Uint8Array], [1, 2, 3, 4, 5]);
 * assert.deepEqual(a.shape, [5]);
 * ```
 *
 * @param dir The stack folder, a path or `file:` URL.
 * @returns `{ data, shape, dtype, fortranOrder }`.
 * @throws {TypeError} when the folder holds no stack, or the path is not a
 *   folder.
 * @throws {NpyFormatError} for a broken `info` or shard.
 */
export function readNpyStack(dir: string | URL): Promise<NpyArray> {
  try {
    return Promise.resolve(readNpyStackSync(dir));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Reads a whole stack synchronously; see {@linkcode readNpyStack}.
 *
 * @example
 * ```ts
 * import { NpyStackWriterSync, readNpyStackSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * NpyStackWriterSync.open(dir, { fortranOrder: true }).append({
 *   data: new Float64Array([1, 2, 3, 4]),
 *   shape: [2, 2],
 * });
 * assert.deepEqual(readNpyStackSync(dir).shape, [2, 2]);
 * ```
 *
 * @param dir The stack folder, a path or `file:` URL.
 * @returns `{ data, shape, dtype, fortranOrder }`.
 * @throws {TypeError} when the folder holds no stack, or the path is not a
 *   folder.
 * @throws {NpyFormatError} for a broken `info` or shard.
 */
export function readNpyStackSync(dir: string | URL): NpyArray {
  const r = NpyStackReader.openSync(dir);
  try {
    return r.readSync();
  } finally {
    r.closeSync();
  }
}
