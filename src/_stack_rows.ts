/**
 * Reading rows of a stack across its shards: which shards a range
 * touches, and their rows joined.
 *
 * @module
 */

import type { NpyData } from "./decode.ts";
import { concatData } from "./_concat_data.ts";
import { NpyReader } from "./npy_reader.ts";
import {
  partPath,
  type ShardHead,
  shardHead,
  shardPath,
} from "./_stack_core.ts";
import type { PathFs } from "./_path_fs.ts";
import { headerCapOption, isMissing } from "./_stack_scan.ts";
import { readShardRows, type ShardIds } from "./_shard_read.ts";

/** What a stack reader knows of its shards. */
export interface StackView {
  dir: string;
  /** Rows of each sealed shard. */
  chunks: readonly number[];
  /** First row of each sealed shard, and the end of the last. */
  starts: readonly number[];
  /** Whole rows of the live shard. */
  liveRows: number;
  fortran: boolean;
  /** The dtype the reader scanned (a shard of another is refused). */
  dtype: string;
  /** A shard's shape (for items per row). */
  shape: readonly number[];
  /** The header size cap the reader was opened with. */
  maxHeaderSize: number | undefined;
  /** Each shard's file as the reader first found it. */
  ids?: ShardIds;
}

/**
 * Reads rows `[s, e)` (already clamped to the stack's length), one shard
 * at a time.
 *
 * @returns The rows' data, joined.
 */
export function stackRowsSync(v: StackView, s: number, e: number): NpyData {
  const parts: NpyData[] = [];
  const { chunks, starts } = v;
  // Binary search for the first shard holding row s.
  let lo = 0, hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid + 1]! <= s) lo = mid + 1;
    else hi = mid;
  }
  for (let n = lo, at = s; at < e; n++) {
    const first = starts[Math.min(n, starts.length - 1)]!;
    const rows = n < chunks.length ? chunks[n]! : v.liveRows;
    const b = Math.min(e, first + rows);
    if (b > at) {
      const paths = n < chunks.length
        ? [shardPath(v.dir, n)]
        : [partPath(v.dir, n), shardPath(v.dir, n)];
      parts.push(
        readShardRows(
          paths,
          at - first,
          b - first,
          v.fortran,
          v.shape,
          { dtype: v.dtype, rows: n < chunks.length ? chunks[n] : undefined },
          v.maxHeaderSize,
          v.ids === undefined ? undefined : { seen: v.ids, n },
        ),
      );
    }
    at = b;
    if (n >= chunks.length) break;
  }
  if (parts.length > 0) return concatData(parts);
  return NpyReader.openSync(
    chunks.length > 0 ? shardPath(v.dir, 0) : partPath(v.dir, 0),
    { allowIncomplete: true, ...headerCapOption(v.maxHeaderSize) },
  ).readSync(0, 0).data;
}

/**
 * A range's rows `[s, e)` clamped to the stack, negative ends counted
 * from its end (as `NpyReader`'s).
 *
 * @throws {TypeError} for an end that is not an integer.
 */
export function rowRange(
  dir: string,
  length: number,
  start: number,
  end: number | undefined,
): [number, number] {
  const clamp = (v: number, name: string): number => {
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new TypeError(
        `Cannot read the stack "${dir}": ${name} must be an integer, not ${
          String(v)
        }`,
      );
    }
    return v < 0 ? Math.max(0, length + v) : Math.min(v, length);
  };
  const s = clamp(start, "start");
  const e = end === undefined ? length : clamp(end, "end");
  return [s, Math.max(s, e)];
}

/**
 * The header of the live shard `{n}.npy.part` of the stack `dir`: `null`
 * where there is none or its first header is not written yet (no rows),
 * `"sealed"` where it vanished because it was sealed meanwhile.
 */
export function liveShardHead(
  fs: PathFs,
  dir: string,
  n: number,
  maxHeaderSize: number | undefined,
): ShardHead | null | "sealed" {
  const path = partPath(dir, n);
  if (!fs.exists(path)) return fs.exists(shardPath(dir, n)) ? "sealed" : null;
  try {
    return shardHead(path, maxHeaderSize);
  } catch (e) {
    return isMissing(e) ? "sealed" : null;
  }
}
