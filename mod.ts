/**
 * Create NumPy `.npy` files by appending arrays along the growth axis (axis
 * 0, or the last axis in Fortran order), like `numpy.concatenate` but
 * stored out of memory, so files can grow far beyond RAM and be read back
 * by `np.load(path, mmap_mode="r")`. Runs on Deno, Node, Bun and in
 * browsers; no dependencies.
 *
 * ```ts
 * import { NpyAppendArray } from "@x/npy-append-array";
 *
 * const path = await Deno.makeTempFile({ suffix: ".npy" });
 * const arr1 = [[1, 2], [3, 4]];
 * const arr2 = [[1, 2], [3, 4], [5, 6]];
 * {
 *   await using npy = await NpyAppendArray.open(path, { deleteIfExists: true });
 *   await npy.append(arr1);
 *   await npy.append(arr2);
 *   await npy.append(arr2);
 * }
 * // np.load(path, mmap_mode="r") now gives an (8, 2) float64 array
 * ```
 *
 * @module
 */

export * from "./src/npy_append_array.ts";
export * from "./src/npy_append_array_sync.ts";
export * from "./src/npy_append_array_options.ts";
export * from "./src/read_npy.ts";
export * from "./src/npy_reader.ts";
export * from "./src/inspect_npy.ts";
export * from "./src/maintenance.ts";
export * from "./src/errors.ts";
export * from "./src/memory_file.ts";
export * from "./src/sync_backed_file.ts";
export * from "./src/npy_group_writer.ts";
export * from "./src/npy_group_reader.ts";
export * from "./src/recover_group.ts";
export * from "./src/npy_stack_writer.ts";
export * from "./src/npy_stack_reader.ts";
export * from "./src/read_npy_stack.ts";
export * from "./src/recover_stack.ts";
export * from "./src/read_npy_records.ts";
export type { FileLike, FileLikeSync, Target } from "./src/file_like.ts";
export type { NpyData } from "./src/decode.ts";
export {
  encodeHeader,
  type EncodeHeaderOptions,
  type NpyHeader,
  parseHeader,
  type ParseHeaderOptions,
} from "./src/header.ts";
export {
  type DType,
  type DTypeField,
  type DTypeSpec,
  type FieldSpec,
  parseDType,
} from "./src/dtype.ts";
export { canCast, type Casting, castRefusal } from "./src/casting.ts";
export type {
  ArrayData,
  ArrayInput,
  StridedArrayLike,
  TensorLike,
  TypedArray,
} from "./src/array_input.ts";
