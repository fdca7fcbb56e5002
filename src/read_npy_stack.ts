/**
 * Reading a whole stack.
 *
 * @module
 */

import type { NpyArray } from "./read_npy.ts";
import type { ParseHeaderOptions } from "./header.ts";
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
 * @example Shards whose headers pass 10,000 characters (hundreds of fields)
 * ```ts
 * import { NpyStackWriterSync, readNpyStack } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const dtype: [string, string][] = [];
 * for (let i = 0; i < 600; i++) dtype.push([`field_${i}`, "<u1"]);
 * const options = { dtype, maxHeaderSize: 100_000 };
 * NpyStackWriterSync.open(dir, options).append(new Uint8Array(1200));
 * const a = await readNpyStack(dir, { maxHeaderSize: 100_000 });
 * assert.deepEqual(a.shape, [2]);
 * ```
 *
 * @param dir The stack folder, a path or `file:` URL.
 * @param options `maxHeaderSize`: the longest shard header read, in
 *   characters (default 10,000, as `np.load`'s `max_header_size`).
 * @returns `{ data, shape, dtype, fortranOrder }`.
 * @throws {TypeError} when the folder holds no stack, or the path is not a
 *   folder.
 * @throws {NpyFormatError} for a broken `info` or shard, or a header
 *   longer than `maxHeaderSize`.
 */
export function readNpyStack(
  dir: string | URL,
  options: ParseHeaderOptions = {},
): Promise<NpyArray> {
  try {
    return Promise.resolve(readNpyStackSync(dir, options));
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
 * @param options `maxHeaderSize`, as {@linkcode readNpyStack}.
 * @returns `{ data, shape, dtype, fortranOrder }`.
 * @throws {TypeError} when the folder holds no stack, or the path is not a
 *   folder.
 * @throws {NpyFormatError} for a broken `info` or shard.
 */
export function readNpyStackSync(
  dir: string | URL,
  options: ParseHeaderOptions = {},
): NpyArray {
  const r = NpyStackReader.openSync(dir, options);
  try {
    return r.readSync();
  } finally {
    r.closeSync();
  }
}
