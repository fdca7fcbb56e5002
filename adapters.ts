/**
 * File adapters for runtimes and handles that the library does not open by
 * itself: wrap a Deno `FsFile`, a Node file descriptor or `FileHandle`, or
 * a browser OPFS `FileSystemSyncAccessHandle` to get a `FileLike` or
 * `FileLikeSync` that every function of the main module accepts. Paths
 * need none of these: `NpyAppendArray.open("x.npy")` picks the runtime's
 * adapter itself.
 *
 * ```ts
 * import { DenoFile } from "@x/npy-append-array/adapters";
 * import { NpyAppendArraySync, readNpySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".npy" });
 * const file = new DenoFile(Deno.openSync(path, { read: true, write: true }));
 * const npy = NpyAppendArraySync.open(file);
 * npy.append(new Float32Array([1, 2, 3]));
 * npy.close();
 * file.closeSync();
 * assert.deepEqual(readNpySync(path).shape, [3]);
 * ```
 *
 * @module
 */

export * from "./src/adapters/deno.ts";
export * from "./src/adapters/node.ts";
export * from "./src/adapters/node_file_handle.ts";
export * from "./src/adapters/opfs.ts";
