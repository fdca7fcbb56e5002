/**
 * Repairing a stack after a crash.
 *
 * @module
 */

import { checkStackFolder, StackCore } from "./_stack_core.ts";
import { headerCapOption } from "./_stack_scan.ts";
import { releaseFinished } from "./_lock_release.ts";
import { pathFs, toPath } from "./_path_fs.ts";
import type { ParseHeaderOptions } from "./header.ts";
import { checkOptions } from "./_options_check.ts";
import { HEADER_OPTIONS } from "./_option_kinds.ts";

/**
 * Repairs a stack left by a killed writer, as reopening it for writing
 * would: recovers a cut-off live shard `{n}.npy.part` (keeping its whole
 * rows, as `recover` does for one file), removes an empty one, and
 * rewrites `info` when it misses a shard sealed just before the kill. It
 * takes in every sealed shard past `info`, also ones older than `info`
 * (which readers refuse: an earlier stack's, left by `to_npy_stack`). The
 * live shard stays live (a writer continues it). Takes the stack's lock.
 *
 * @example
 * ```ts
 * import { NpyStackWriterSync, recoverStackSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * {
 *   using stack = NpyStackWriterSync.open(dir, { shardRows: 2 });
 *   stack.append([1, 2, 3]);
 * }
 * Deno.removeSync(`${dir}/info`); // as if killed before info was written
 * assert.deepEqual(recoverStackSync(dir), [3]);
 * ```
 *
 * @param dir The stack folder, a path or `file:` URL.
 * @param options `maxHeaderSize`: the largest shard header read (default
 *   10,000 characters, as `np.load`'s `max_header_size`); a stack written
 *   with a larger one is recovered with the same.
 * @returns The shape of the stack (sealed and live rows).
 * @throws {TypeError} when the folder does not exist, or is not a folder.
 * @throws {NpyLockedError} when a writer holds the stack.
 * @throws {NpyFormatError} for a broken `info` or a shard it cannot repair.
 */
export function recoverStackSync(
  dir: string | URL,
  options: ParseHeaderOptions = {},
): number[] {
  const path = toPath(dir);
  const { maxHeaderSize } = checkOptions(
    options,
    "recover",
    dir,
    HEADER_OPTIONS,
  );
  checkStackFolder(pathFs(), path, "recover", false);
  const core = new StackCore(
    path,
    headerCapOption(maxHeaderSize),
    "recover",
  );
  const shape = core.shape;
  releaseFinished(() => core.close(true), "recover", path);
  return shape;
}

/**
 * Repairs a stack left by a killed writer; see
 * {@linkcode recoverStackSync}.
 *
 * @example
 * ```ts
 * import { NpyStackWriterSync, readNpyStack, recoverStack } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const stack = NpyStackWriterSync.open(dir, { shardRows: 4 });
 * stack.append([1, 2, 3, 4, 5]);
 * // (a kill here leaves 0.npy, info and a live 1.npy.part)
 * stack.seal();
 * stack.close();
 * assert.deepEqual(await recoverStack(dir), [5]);
 * assert.deepEqual((await readNpyStack(dir)).shape, [5]);
 * ```
 *
 * @param dir The stack folder, a path or `file:` URL.
 * @param options `maxHeaderSize`, as {@linkcode recoverStackSync}.
 * @returns The shape of the stack.
 * @throws {TypeError} when the folder does not exist, or is not a folder.
 * @throws {NpyLockedError} when a writer holds the stack.
 * @throws {NpyFormatError} for a broken `info` or a shard it cannot repair.
 */
export function recoverStack(
  dir: string | URL,
  options: ParseHeaderOptions = {},
): Promise<number[]> {
  try {
    return Promise.resolve(recoverStackSync(dir, options));
  } catch (e) {
    return Promise.reject(e);
  }
}
