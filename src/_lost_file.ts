/**
 * What became of the rows of a path writer whose open file lost its name
 * (`OpenedFile.linkCount` 0): another program deleted it, renamed another
 * file over it, or copied it and renamed the copy over it (a backup tool,
 * `rsync`, an editor's save), the copy then holding the rows written
 * before it was made.
 *
 * @module
 */

import type { FileLikeSync } from "./file_like.ts";
import { type FileInfo, inspect } from "./_inspect.ts";
import { runSync } from "./_io.ts";
import { pathFs } from "./_path_fs.ts";

/** Bytes compared at a time. */
const CHUNK = 1 << 16;

/**
 * How many of the rows of `orphan` (the writer's file, its header
 * written) the file now at `path` holds as a copy: the same dtype, order
 * and row shape, a header of at most as many rows, and those rows' bytes
 * the same. `-1` when nothing is there or it is no such copy.
 *
 * @param path The writer's path.
 * @param orphan The writer's open file, which has no name any more.
 * @returns The rows the copy holds, or `-1`.
 */
export function copiedRows(path: string, orphan: FileLikeSync): number {
  try {
    const fs = pathFs();
    if (fs.kind(path) !== "file") return -1;
    const mine = runSync(inspect(), orphan);
    const copy = fs.open(path, "read");
    try {
      const theirs = runSync(inspect(), copy);
      const rows = sameRows(mine, theirs);
      if (rows < 0) return -1;
      const bytes = rows * rowBytes(mine);
      if (theirs.dataLength < bytes) return -1;
      const a = new Uint8Array(Math.min(CHUNK, bytes));
      const b = new Uint8Array(a.length);
      for (let at = 0; at < bytes; at += a.length) {
        const n = Math.min(a.length, bytes - at);
        if (
          orphan.readSync(a.subarray(0, n), mine.header.headerLength + at) !==
            n ||
          copy.readSync(b.subarray(0, n), theirs.header.headerLength + at) !==
            n
        ) return -1;
        for (let i = 0; i < n; i++) if (a[i] !== b[i]) return -1;
      }
      return rows;
    } finally {
      copy.closeSync();
    }
  } catch {
    return -1;
  }
}

/** The rows of `theirs` if it has the layout of `mine` and no more rows; else `-1`. */
function sameRows(mine: FileInfo, theirs: FileInfo): number {
  const m = mine.header, t = theirs.header;
  if (
    m.dtype.str !== t.dtype.str || m.fortranOrder !== t.fortranOrder ||
    m.shape.length !== t.shape.length || m.shape.length === 0
  ) return -1;
  const axis = m.fortranOrder ? m.shape.length - 1 : 0;
  for (let i = 0; i < m.shape.length; i++) {
    if (i !== axis && m.shape[i] !== t.shape[i]) return -1;
  }
  return t.shape[axis]! <= m.shape[axis]! ? t.shape[axis]! : -1;
}

/** Bytes of one row along the growth axis. */
function rowBytes(info: FileInfo): number {
  const h = info.header;
  const axis = h.fortranOrder ? h.shape.length - 1 : 0;
  return h.shape.reduce((n, d, i) => i === axis ? n : n * d, h.dtype.itemsize);
}
