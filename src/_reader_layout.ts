/**
 * What a reader knows of an opened `.npy` file: its layout along the
 * growth axis, the header read so that a writer's rewrite is never taken
 * half-done, and the checks of bounds and batch sizes.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { objectsReadWhy } from "./decode.ts";
import { type IoSteps, readFully, size } from "./_io.ts";
import { type FileInfo, inspect } from "./_inspect.ts";
import { headerLengthFromPreamble, type NpyHeader } from "./header.ts";
import {
  bytesPerRow,
  fileState,
  fileStateError,
  growthAxis,
  itemsPerRow,
  wholeRows,
} from "./_layout.ts";
import { showFile } from "./_file_label.ts";
import { show } from "./_describe_value.ts";

/** Bytes per batch by default. */
export const BATCH_BYTES = 1 << 20;

/** The layout facts of an opened file. */
export interface Layout {
  header: NpyHeader;
  /** Index of the growth axis; -1 for a 0-d array, which has none. */
  axis: number;
  /** Items in one slice along the growth axis. */
  rowItems: number;
  /** Bytes in one slice along the growth axis. */
  rowBytes: number;
  /** Slices readable now. */
  length: number;
}

/**
 * The layout of an inspected file, or the completeness policy's error.
 *
 * @param follow Whether a writer may be appending now (`refresh()`, or a
 *   function asked only when the file holds more bytes than its header
 *   counts, without `allowIncomplete`: whether a live writer holds its
 *   lock): then those bytes are an append in progress and the header's
 *   rows are read, not refused.
 */
export function layoutOf(
  info: FileInfo,
  label: string,
  allowIncomplete: boolean,
  follow: boolean | (() => boolean),
): Layout {
  const { header } = info;
  if (header.dtype.hasObject) {
    throw new NpyFormatError(
      "unsupported-dtype",
      objectsReadWhy(header.dtype),
      { file: label },
    );
  }
  if (header.shape.length === 0) {
    // A 0-d file opens (shape and dtype are known); row reads refuse it.
    if (info.dataLength < info.expectedDataLength) {
      throw new NpyFormatError(
        "truncated",
        `it holds ${info.dataLength} data bytes but its header says ${info.expectedDataLength}; save the array again`,
        { file: label },
      );
    }
    return {
      header,
      axis: -1,
      rowItems: 1,
      rowBytes: header.dtype.itemsize,
      length: 0,
    };
  }
  const axis = growthAxis(header.fortranOrder, header.shape.length);
  const rowItems = itemsPerRow(header.shape, header.fortranOrder);
  const rowBytes = bytesPerRow(header);
  let length = header.shape[axis]!;
  const state = fileState(info, "read");
  // More bytes than the header covers while following a writer (refresh,
  // or a live writer holds the file) is an append in progress: keep to the
  // header, which the writer rewrites after the data.
  // With `allowIncomplete` an open counts the data's whole rows, as asked.
  const following = info.dataLength > info.expectedDataLength &&
    (typeof follow === "function" ? !allowIncomplete && follow() : follow);
  if (state.state === "needs-recovery" && !following) {
    if (!allowIncomplete) {
      throw fileStateError(state, "read", {
        verb: "read",
        label,
        offersAllowIncomplete: true,
      });
    }
    length = wholeRows(header, info.dataLength);
  }
  return { header, axis, rowItems, rowBytes, length };
}

/**
 * Whether the bytes past the header of a file opened by path are an append
 * in progress: `follow` says whether a live writer holds its lock; when
 * none does, the header is read again, since a writer that finished its
 * append and closed between the reader's size look and its lock look has
 * rewritten it (1 in 30 reads of a file a writer opened, appended to and
 * closed in a loop was refused as needing recovery).
 *
 * @param follow Whether a live writer holds the file's lock.
 * @param header The header the reader read.
 * @param maxHeaderSize As given to the reader.
 * @param tries How many times the reader started over already.
 * @returns `"follow"` (keep to the header), `"refuse"` (no writer: the
 *   file needs recovery) or `"again"` (the header moved: read again).
 */
export function* pastHeader(
  follow: () => boolean,
  header: NpyHeader,
  maxHeaderSize: number | undefined,
  tries: number,
): IoSteps<"follow" | "refuse" | "again"> {
  if (follow()) return "follow";
  if (tries >= 3) return "refuse";
  const again = yield* inspect(maxHeaderSize);
  return sameHeader(again.header, header) ? "refuse" : "again";
}

/**
 * {@linkcode stableInspect}, then {@linkcode layoutOf}, started over when
 * {@linkcode pastHeader} finds the header moved.
 *
 * @returns The file's facts and its layout.
 */
export function* settledLayout(
  maxHeaderSize: number | undefined,
  label: string,
  allowIncomplete: boolean,
  follow: boolean | (() => boolean),
): IoSteps<{ info: FileInfo; layout: Layout }> {
  for (let tries = 0;; tries++) {
    const info = yield* stableInspect(maxHeaderSize);
    let f = follow;
    if (
      typeof follow === "function" && !allowIncomplete &&
      info.dataLength > info.expectedDataLength
    ) {
      const v = yield* pastHeader(follow, info.header, maxHeaderSize, tries);
      if (v === "again") continue;
      f = v === "follow";
    }
    return { info, layout: layoutOf(info, label, allowIncomplete, f) };
  }
}

/**
 * Reads the header until two reads in a row agree, so a header being
 * rewritten by a writer at the same moment is not taken half-written, then
 * the file size: read after the header, it covers all the data the header
 * counts (a writer writes the data first).
 */
export function* stableInspect(
  maxHeaderSize: number | undefined,
): IoSteps<FileInfo> {
  let info = yield* inspect(maxHeaderSize);
  for (let i = 0; i < 8; i++) {
    const again = yield* inspect(maxHeaderSize);
    if (sameHeader(info.header, again.header)) break;
    info = again;
  }
  const fileSize = yield* size();
  const dataLength = fileSize - info.header.headerLength;
  return {
    ...info,
    fileSize,
    dataLength,
    needsRecovery: fileState({ ...info, dataLength }, "read").state ===
      "needs-recovery",
  };
}

function sameHeader(a: NpyHeader, b: NpyHeader): boolean {
  return a.headerLength === b.headerLength && a.dtype.str === b.dtype.str &&
    a.fortranOrder === b.fortranOrder && a.shape.length === b.shape.length &&
    a.shape.every((n, i) => n === b.shape[i]);
}

/**
 * `value` as an index into `length` items (negative counts from the end),
 * clamped to `[0, length]`.
 *
 * @throws {TypeError} `value` is not an integer; the message names
 * `label`, the file.
 */
export function clampIndex(
  value: number,
  length: number,
  name: string,
  label: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `Cannot read items of ${
        showFile(label)
      }: ${name} must be an integer, got ${
        showArg(value)
      }; pass an item index (negative counts from the end)`,
    );
  }
  if (value < 0) return Math.max(0, length + value);
  return Math.min(value, length);
}

/** An argument for a message: `show`'s form, a symbol by its description. */
export function showArg(value: unknown): string {
  return typeof value === "symbol" ? String(value) : show(value);
}

/**
 * `value` as a batch's item count.
 *
 * @throws {RangeError} `value` is not a positive integer; the message
 * names `label`, the file.
 */
export function checkBatchItems(value: number, label: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    const big = Number.isInteger(value) && value > 0;
    throw new RangeError(
      `Cannot read batches of ${
        showFile(label)
      }: batchItems must be a positive integer${
        big ? " of at most 2**53 - 1" : ""
      }, got ${showArg(value)}`,
    );
  }
  return value;
}

/**
 * After a whole read's data: the file still starts with a header of
 * `headerLength` bytes, so that no in-place `ensureAppendable` (another
 * process's) moved the bytes read. Such a move zeroes the magic's first
 * byte before any byte moves and writes the longer header only after the
 * last one moved, so a preamble read after the data that is whole and of
 * the old length means the move had not begun when the data was read.
 * (`NpyReader` checks the same at each read, with the change record:
 * `checkNotMoved`.)
 *
 * @param headerLength The header length the data was read behind.
 * @throws {NpyFormatError} `needs-recovery` when the move is under way
 *   (or was killed), `changed` when it is done: read again.
 */
export function* refuseMovedWhileRead(headerLength: number): IoSteps<void> {
  const pre = new Uint8Array(12);
  const got = yield* readFully(pre, 0);
  let length = -1;
  try {
    length = headerLengthFromPreamble(pre.subarray(0, got));
  } catch (e) {
    if (e instanceof NpyFormatError && e.code === "needs-recovery") throw e;
  }
  if (length !== headerLength) {
    throw new NpyFormatError(
      "changed",
      "its header was rewritten (an in-place ensureAppendable grew it, which moves the data) while it was read; read it again",
    );
  }
}
