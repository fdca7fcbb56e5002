/**
 * Whether an atomic writer's change record is of the file now at its name.
 * Another program may replace the file while the writer holds it (renames
 * another file over it, or `np.save`s to the name, which knows no lock);
 * if the writer is then killed, its record stays beside the new file, and
 * rolling that back put the old header over the new file's data (a
 * float64 array read as int32 garbage, no error).
 *
 * @module
 */

import type { FileLikeSync } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import { showFile } from "./_file_label.ts";
import { readFully, runSync } from "./_io.ts";
import { latin1Text } from "./py_literal.ts";

const SHAPE = /'shape':\s*\(([^)]*)\)/;

/** The header text without its shape and padding, and the shape. */
function parts(header: Uint8Array): [string, number[]] | null {
  const start = header[6] === 1 ? 10 : 12;
  const text = latin1Text(header.subarray(start));
  const m = SHAPE.exec(text);
  if (m === null) return null;
  const shape = m[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "")
    .map(Number);
  return [text.replace(SHAPE, "").trimEnd(), shape];
}

/**
 * Whether the file cannot be the one an atomic append's record (`oldSize`,
 * `oldHeader`) was made for: it is shorter (an atomic append only grows
 * its file), not a `.npy` file, or its header is of another layout
 * (length, dtype, order, rank, other axes) or holds fewer rows. A header
 * text that does not read (torn by a power cut) is not evidence: the
 * record then puts it back. A file of the same layout with at least as
 * many bytes cannot be told apart (no identity is recorded).
 *
 * @param file The file at the record's name.
 * @param oldSize The file's size before the change.
 * @param oldHeader The file's header before the change.
 * @returns `true` when the record is of another file.
 */
export function recordOfAnotherFile(
  file: FileLikeSync,
  oldSize: number,
  oldHeader: Uint8Array,
): boolean {
  if (file.sizeSync() < oldSize) return true;
  const now = new Uint8Array(oldHeader.length);
  if (runSync(readFully(now, 0), file) !== now.length) return true;
  const magic = (b: Uint8Array) => b[0] === 0x93 && b[1] === 0x4e;
  if (!magic(oldHeader)) return false;
  // The first sector holds the magic before and after any header write.
  if (!magic(now)) return true;
  const lengthOf = (b: Uint8Array) => {
    const v = new DataView(b.buffer, b.byteOffset, b.length);
    return b[6] === 1 ? 10 + v.getUint16(8, true) : 12 + v.getUint32(8, true);
  };
  if (lengthOf(now) !== lengthOf(oldHeader)) return true;
  const a = parts(oldHeader);
  const b = parts(now);
  if (a === null || b === null) return false;
  if (a[0] !== b[0] || a[1].length !== b[1].length) return true;
  const axis = a[0].includes("'fortran_order': True") ? a[1].length - 1 : 0;
  return a[1].some((n, i) => i === axis ? b[1][i]! < n : b[1][i] !== n);
}

/**
 * Refuses, changing nothing, to roll an atomic append's record back onto
 * a file it was not made for ({@linkcode recordOfAnotherFile}).
 *
 * @param file The file at the record's name.
 * @param oldSize The record's old size.
 * @param oldHeader The record's old header.
 * @param label The record's path (`<file>.journal`).
 * @throws {NpyFormatError} code `changed`, saying which record to remove.
 */
export function refuseForeign(
  file: FileLikeSync,
  oldSize: number,
  oldHeader: Uint8Array,
  label: string,
): void {
  if (!recordOfAnotherFile(file, oldSize, oldHeader)) return;
  const name = label.replace(/\.journal$/, "");
  throw new NpyFormatError(
    "changed",
    `its change record ${
      showFile(label)
    } is of another file: the file was replaced while an atomic writer held it, and that writer ended without closing; nothing was changed; if ${
      showFile(name)
    } is the file you want, remove ${showFile(label)}`,
    { file: name, verb: "roll back" },
  );
}
