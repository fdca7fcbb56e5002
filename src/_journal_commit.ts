/**
 * The commit point of an `atomic` writer's change (an `append` record, see
 * `_journal.ts`): the header that `close()` writes. NumPy knows no record:
 * it reads the rows the header on disk states. So a leftover record is
 * settled by that header, as NumPy reads the file: kept when `close()` had
 * written it (killed before it removed the record), rolled back when the
 * header is still the old one (or torn, or spoilt). An atomic writer
 * writes no other header while its change runs (`updateHeader()` is
 * refused; a file it creates has byte 0 of its magic zeroed until then).
 *
 * @module
 */

import type { FileLikeSync } from "./file_like.ts";
import type { Journal } from "./_journal.ts";
import { type NpyHeader, parseHeader, wrapHeaderText } from "./header.ts";
import { MOVING } from "./_moving_magic.ts";
import { readFully, runSync } from "./_io.ts";
import { ambiguousOrder, growthAxis } from "./_layout.ts";

/** Headers longer than this are not read for the decision (no writer makes one). */
const MAX_HEADER = 1 << 24;

/** The file's header, or `null` when it is not a valid one (torn, spoilt). */
function headerOf(file: FileLikeSync, size: number): NpyHeader | null {
  try {
    const pre = new Uint8Array(Math.min(12, size));
    if (runSync(readFully(pre, 0), file) !== pre.length) return null;
    const v = new DataView(pre.buffer);
    const length = pre.length < 10
      ? 0
      : pre[6] === 1
      ? 10 + v.getUint16(8, true)
      : pre.length < 12
      ? 0
      : 12 + v.getUint32(8, true);
    if (length < 10 || length > Math.min(size, MAX_HEADER)) return null;
    const bytes = new Uint8Array(length);
    if (runSync(readFully(bytes, 0), file) !== length) return null;
    return parseHeader(bytes, { maxHeaderSize: length });
  } catch {
    return null;
  }
}

/** The end of a header's data (`Infinity` past the safe integers). */
function dataEnd(h: NpyHeader): number {
  const n = h.shape.reduce((a, b) => a * b, h.dtype.itemsize);
  return Number.isSafeInteger(n) ? h.headerLength + n : Infinity;
}

/**
 * Whether `now` extends `old` along its growth axis: same dtype and rank,
 * the other axes equal, at least the old rows (the order may differ only
 * for a shape that reads alike in both: see `adoptedOrder`).
 */
function extendsOld(old: NpyHeader, now: NpyHeader): boolean {
  if (
    old.dtype.str !== now.dtype.str || old.shape.length !== now.shape.length
  ) return false;
  if (old.fortranOrder !== now.fortranOrder && !ambiguousOrder(old.shape)) {
    return false;
  }
  const axis = growthAxis(now.fortranOrder, now.shape.length);
  return now.shape.every((n, i) =>
    i === axis ? n >= old.shape[i]! : n === old.shape[i]
  );
}

/**
 * The data end of the change an `append` record is for, when the file's
 * header shows it committed: a valid header, other than the recorded old
 * one, of the old length, extending the old shape along the growth axis,
 * whose data the file holds (a new file, `created`: a valid header whose
 * data the file holds). `null`: not committed (the old header, or a torn
 * or spoilt one), to roll back.
 *
 * @param file The file at the record's name.
 * @param j The record (kind `append`).
 * @returns The end of the committed data, or `null`.
 */
export function committedEnd(file: FileLikeSync, j: Journal): number | null {
  const size = file.sizeSync();
  const now = headerOf(file, size);
  if (now === null || dataEnd(now) > size) return null;
  if (j.created) return dataEnd(now);
  if (now.headerLength !== j.oldHeader.length) return null;
  const head = new Uint8Array(now.headerLength);
  if (runSync(readFully(head, 0), file) !== head.length) return null;
  if (head.every((b, i) => b === j.oldHeader[i])) return null;
  let old: NpyHeader;
  try {
    old = parseHeader(j.oldHeader, { maxHeaderSize: j.oldHeader.length });
  } catch {
    return null;
  }
  return extendsOld(old, now) ? dataEnd(now) : null;
}

/**
 * The first header of a new file (`text` wrapped to `length`); with
 * `atomic`, byte 0 of its magic zeroed (`MOVING`): NumPy refuses the file
 * until `close()` writes the header, as no file was there before.
 *
 * @param text The header text for no rows.
 * @param length The header length.
 * @param atomic Whether an atomic writer makes the file.
 * @returns The header bytes.
 */
export function unborn(
  text: string,
  length: number,
  atomic: boolean,
): Uint8Array {
  const first = wrapHeaderText(text, length);
  if (atomic) first.set(MOVING);
  return first;
}

/**
 * The refusal of `updateHeader()` on an atomic writer: its header is its
 * commit point, written by `close()` only.
 *
 * @param shown The file, for the message.
 * @returns The error.
 */
export function atomicUpdateRefusal(shown: string): TypeError {
  return new TypeError(
    `Cannot update the header of ${shown}: the writer is atomic, and its header is the change's commit point, written by close() only (NumPy reads all the appends then, or none before); call close() to commit, or open without atomic: true to update the header as you go`,
  );
}
