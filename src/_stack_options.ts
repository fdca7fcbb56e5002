/**
 * The options of a stack writer and their checks.
 *
 * @module
 */

import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import type { DType } from "./dtype.ts";
import { show } from "./_describe_value.ts";

/** Options of `NpyStackWriter.open` and `NpyStackWriterSync.open`. */
export interface NpyStackWriterOptions extends NpyAppendArrayOptions {
  /**
   * Rows (items along the growth axis) per sealed shard: an append that
   * crosses the boundary is split, so every sealed shard but the last
   * holds exactly this many.
   */
  shardRows?: number;
  /**
   * Seal the live shard after the append that brings its data to this
   * many bytes or more (an append is not split by size: `shardRows` gives
   * exact shards).
   */
  shardBytes?: number;
}

/**
 * Checks the option `shardRows` or `shardBytes` (`name`) of a stack or a
 * group of stacks: `undefined` or a positive integer, else a RangeError
 * that begins `Cannot ${what}: ...` (`what` such as `open the stack "x"`).
 */
export function checkShardOption(
  value: unknown,
  name: "shardRows" | "shardBytes",
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${what}: ${name} must be a positive integer, not ${show(value)}`,
    );
  }
  return value;
}

/** What `StackCore.undoTo` puts a stack back to (`StackCore.mark`). */
export interface StackMark {
  chunks: number;
  liveRows: number;
  hadLive: boolean;
  tail: number[] | null;
  dtype: DType | undefined;
  fortranOrder: boolean;
  options: NpyAppendArrayOptions;
  rowBytes: number;
}

/**
 * Refuses (`TypeError`, nothing changed) a `dtype` (`want`) or
 * `fortranOrder` option that differs from what an existing stack's shards
 * (`scan`) show, naming the stack `dir` and the fix.
 */
export function checkAgainstShards(
  dir: string,
  scan: { dtype: DType | undefined; fortranOrder: boolean | undefined },
  want: DType | undefined,
  fortranOrder: boolean | undefined,
): void {
  if (
    want !== undefined && scan.dtype !== undefined &&
    want.str !== scan.dtype.str
  ) {
    throw new TypeError(
      `Cannot append to the stack "${dir}": its dtype is "${scan.dtype.str}", not "${want.str}"; drop the dtype option or write a new stack`,
    );
  }
  if (
    scan.fortranOrder !== undefined && fortranOrder !== undefined &&
    fortranOrder !== scan.fortranOrder
  ) {
    throw new TypeError(
      `Cannot append to the stack "${dir}": its shards are ${
        scan.fortranOrder ? "" : "not "
      }in Fortran order; drop the fortranOrder option or write a new stack`,
    );
  }
}
