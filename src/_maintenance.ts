/**
 * The algorithms behind `isAppendable`, `needsRecovery`,
 * `ensureAppendable` and `recover`, written once as generators of I/O
 * steps (see `_io.ts`), plus the dispatch onto paths and file objects.
 *
 * Every algorithm works in constant memory: data moves in chunks of at
 * most {@linkcode CHUNK_SIZE} bytes.
 *
 * @module
 */

import type { FileLikeSync, Target } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import { headerText, wrapHeaderText } from "./header.ts";
import { descrValue } from "./dtype.ts";
import { pyRepr } from "./py_literal.ts";
import { type FileInfo, inspect, refuseMoreRecords } from "./_inspect.ts";
import { withFileName } from "./_error_label.ts";
import {
  type IoSteps,
  readFully,
  runAsync,
  runSync,
  size,
  truncate,
  write,
} from "./_io.ts";
import { dirOf, type OpenedFile, pathFs, syncDir } from "./_path_fs.ts";
import { shiftInPlace } from "./_journal.ts";
import { beginCopy } from "./_journal_atomic.ts";
import {
  bytesPerRow,
  checkFileState,
  fileState,
  fileStateError,
  growthAxis,
  wholeRows,
} from "./_layout.ts";
import { folderOf, pathJournal } from "./_journal_path.ts";
import { applyMeta, realPath, refuseReplaced, statPath } from "./_path_meta.ts";
import {
  FILE_OBJECT_LABEL,
  openTarget,
  type TargetMode,
  withTarget,
  withTargetSync,
} from "./_open_target.ts";
import { showFile } from "./_file_label.ts";
import { rewriteError } from "./_close_error.ts";
import { afterFinished } from "./_lock_release.ts";

export { FILE_OBJECT_LABEL };

/** Largest buffer the maintenance functions allocate for moving data. */
export const CHUNK_SIZE: number = 16 * 1024 * 1024;

/** The verb of `ensureAppendable` in messages: `Cannot rewrite "x.npy": ...`. */
export const ENSURE_VERB = "rewrite";

/**
 * Reads the header and judges it; a malformed file's error names it.
 *
 * @param verb What is done, for messages.
 * @param label The file, for messages.
 * @param maxHeaderSize The header size cap.
 * @returns The facts.
 */
export function* infoSteps(
  verb: string,
  label: string,
  maxHeaderSize?: number,
): IoSteps<FileInfo> {
  try {
    return yield* inspect(maxHeaderSize);
  } catch (e) {
    throw withFileName(e, verb, label);
  }
}

/**
 * {@linkcode infoSteps}, but `null` for an empty file: one left by a writer
 * killed as it created the file, which the next writer starts afresh
 * (it holds no array yet), so maintenance leaves it alone.
 *
 * @param verb What is done, for messages.
 * @param label The file, for messages.
 * @param maxHeaderSize The header size cap.
 * @returns The facts, or `null`.
 */
export function* infoUnlessEmpty(
  verb: string,
  label: string,
  maxHeaderSize?: number,
): IoSteps<FileInfo | null> {
  if ((yield* size()) === 0) return null;
  return yield* infoSteps(verb, label, maxHeaderSize);
}

/**
 * Moves the bytes `[from, end)` to `to` (`to >= from`), chunk by chunk
 * from the end backwards, so nothing is overwritten before it is read.
 *
 * @param from Start of the bytes to move.
 * @param to Where they start afterwards.
 * @param end End of the bytes to move.
 * @param chunkSize Largest chunk.
 */
export function* shiftTowardsEnd(
  from: number,
  to: number,
  end: number,
  chunkSize: number = CHUNK_SIZE,
): IoSteps<void> {
  if (to < from) throw new RangeError("Cannot shift data towards the start");
  if (to === from || end <= from) return;
  const buffer = new Uint8Array(Math.min(chunkSize, end - from));
  let pos = end;
  while (pos > from) {
    const n = Math.min(buffer.length, pos - from);
    pos -= n;
    const chunk = buffer.subarray(0, n);
    const got = yield* readFully(chunk, pos);
    if (got !== n) {
      throw new NpyFormatError(
        "changed",
        `read ${got} of ${n} bytes at offset ${pos} while moving data; the file shrank while it was rewritten`,
      );
    }
    yield* write(chunk, pos + (to - from));
  }
}

/**
 * `ensureAppendable` in place: the data moves towards the end of the file
 * to make room for the header with growth space.
 *
 * @param label The file, for messages.
 * @param maxHeaderSize The header size cap.
 * @param chunkSize Largest buffer.
 * @returns `true`.
 */
export function* ensureAppendableInPlaceSteps(
  label: string,
  maxHeaderSize?: number,
  chunkSize: number = CHUNK_SIZE,
): IoSteps<boolean> {
  const info = yield* infoUnlessEmpty(ENSURE_VERB, label, maxHeaderSize);
  if (info === null) return true;
  refuseMoreRecords(info, ENSURE_VERB, label);
  if (info.appendable) return true;
  const oldLength = info.header.headerLength;
  const newLength = info.grownHeader.length;
  // Reserve the final size first: a full disk fails before data moves.
  yield* write(new Uint8Array(newLength - oldLength), info.fileSize);
  yield* shiftTowardsEnd(oldLength, newLength, info.fileSize, chunkSize);
  yield* write(info.grownHeader, 0);
  return true;
}

/** How `recover` treats a trailing partial item. */
export interface RecoverPlan {
  /** The shape to write. */
  readonly shape: number[];
  /** The file size to leave. */
  readonly end: number;
  /** The header to write over the old one (of the same length). */
  readonly header: Uint8Array;
}

/**
 * Works out what `recover` does to a file: the growth-axis length that
 * the data holds, and the file size to leave.
 *
 * @param info The file's facts.
 * @param label The file, for messages.
 * @param zerofillIncomplete Keep a trailing partial item, zero-filled.
 * @param maxRows Keep at most this many items (groups cut every member to
 * the rows all hold).
 * @returns The plan.
 */
export function recoverPlan(
  info: FileInfo,
  label: string,
  zerofillIncomplete: boolean,
  maxRows: number = Infinity,
): RecoverPlan {
  const { header } = info;
  checkFileState(info, "recover", { verb: "recover", label });
  const shape = [...header.shape];
  const axis = growthAxis(header.fortranOrder, shape.length);
  // The header keeps its length (the data does not move): a header with
  // no room to grow (NumPy < 1.23) takes the new shape when it fits.
  const plan = (end: number): RecoverPlan => {
    try {
      const text = headerText(
        pyRepr(descrValue(header.dtype)),
        header.fortranOrder,
        shape,
      );
      return {
        shape,
        end,
        header: wrapHeaderText(text, header.headerLength, header.version[0]),
      };
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw fileStateError(
        {
          state: "not-appendable",
          reason: "no-room",
          dataLength: info.dataLength,
          expectedDataLength: info.expectedDataLength,
        },
        "recover",
        { verb: "recover", label },
      );
    }
  };
  const rowBytes = bytesPerRow(header);
  if (rowBytes === 0) {
    // Items of zero bytes (a shape like (n, 0)): the data cannot say how
    // many there are. Keep the header's count and cut the stray bytes.
    shape[axis] = Math.min(shape[axis]!, maxRows);
    return plan(header.headerLength);
  }
  let rows = wholeRows(header, info.dataLength);
  if (zerofillIncomplete && rows * rowBytes < info.dataLength) {
    // A hostile header can claim rows of terabytes: zero-fill at most as
    // much as the file already holds (or 16 MiB).
    const missing = (rows + 1) * rowBytes - info.dataLength;
    if (missing > Math.max(CHUNK_SIZE, info.dataLength)) {
      throw new RangeError(
        `Cannot recover ${
          showFile(label)
        }: zero-filling its last item would add ${missing} bytes to its ${info.dataLength} data bytes; recover without zerofillIncomplete to cut the partial item instead`,
      );
    }
    rows += 1;
  }
  rows = Math.min(rows, maxRows);
  shape[axis] = rows;
  return plan(header.headerLength + rows * rowBytes);
}

/**
 * `recover`: sets the growth-axis length from the file size, cutting off or
 * zero-filling a trailing partial item, and rewrites the header keeping
 * its length.
 *
 * @param label The file, for messages.
 * @param zerofillIncomplete Keep a trailing partial item, zero-filled.
 * @param maxHeaderSize The header size cap.
 * @param chunkSize Largest buffer of zeros.
 * @param maxRows Keep at most this many items along the growth axis.
 * @returns `true`.
 */
export function* recoverSteps(
  label: string,
  zerofillIncomplete: boolean,
  maxHeaderSize?: number,
  chunkSize: number = CHUNK_SIZE,
  maxRows: number = Infinity,
): IoSteps<boolean> {
  const info = yield* infoUnlessEmpty("recover", label, maxHeaderSize);
  if (info === null) return true;
  refuseMoreRecords(info, "recover", label);
  const { header } = info;
  const rows =
    header.shape[growthAxis(header.fortranOrder, header.shape.length)];
  if (
    fileState(info, "recover").state === "complete" && !((rows ?? 0) > maxRows)
  ) {
    return true;
  }
  const { end, header: bytes } = recoverPlan(
    info,
    label,
    zerofillIncomplete,
    maxRows,
  );
  // Zeros first, then the header that covers them: a crash in between
  // leaves a file that still needs (and gets) the same recovery.
  if (end > info.fileSize) {
    try {
      const zeros = new Uint8Array(Math.min(chunkSize, end - info.fileSize));
      for (let pos = info.fileSize; pos < end; pos += zeros.length) {
        yield* write(zeros.subarray(0, Math.min(zeros.length, end - pos)), pos);
      }
    } catch (e) {
      // A full disk took part of the zeros: cut them off again, so that
      // the failed call leaves the file as it was (best effort: stray
      // zeros past the header's rows are what recover cuts anyway).
      try {
        yield* truncate(info.fileSize);
      } catch {
        // Keep the first error.
      }
      throw e;
    }
  }
  // The cut before the header: a file object that cannot truncate fails
  // before any byte changed, and a crash in between leaves whole rows
  // under the old header, which the same recovery repairs.
  if (end < info.fileSize) yield* truncate(end);
  yield* write(bytes, 0);
  return true;
}

/**
 * Runs an algorithm on a path or a `FileLikeSync`; a path opened to write
 * is locked first (`_open_target.ts`), so it never changes a file that a
 * writer holds.
 *
 * @param target The target.
 * @param mode How to open a path.
 * @param verb What is done, for messages.
 * @param steps The algorithm, given the label of the file.
 * @returns What the algorithm returns.
 */
export function onTargetSync<T>(
  target: Target,
  mode: TargetMode,
  verb: string,
  steps: (label: string) => IoSteps<T>,
): T {
  return withTargetSync(
    target,
    { mode, verb },
    (file, label) => runSync(steps(label), file),
  );
}

/**
 * Runs an algorithm on any target: synchronously on paths and
 * `FileLikeSync`s, else through the async interface.
 *
 * @param target The target.
 * @param mode How to open a path.
 * @param verb What is done, for messages.
 * @param steps The algorithm, given the label of the file.
 * @returns What the algorithm returns.
 */
export function onTarget<T>(
  target: Target,
  mode: TargetMode,
  verb: string,
  steps: (label: string) => IoSteps<T>,
): Promise<T> {
  return withTarget(
    target,
    { mode, verb },
    (file, label) => runSync(steps(label), file),
    (file, label) => runAsync(steps(label), file),
  );
}

function splitPath(path: string): [string, string] {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return [path.slice(0, cut + 1), path.slice(cut + 1)];
}

/**
 * A temporary file name next to `path`: `.<name>.<random>.tmp`.
 *
 * @param path The file the temporary one replaces.
 * @returns The temporary path.
 */
export function tempPathFor(path: string): string {
  const [dir, name] = splitPath(path);
  const random = new Uint8Array(6);
  crypto.getRandomValues(random);
  const hex = [...random].map((b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  return `${dir}.${name}.${hex}.tmp`;
}

function copyData(
  from: FileLikeSync,
  to: FileLikeSync,
  start: number,
  end: number,
  target: number,
  chunkSize: number,
): void {
  if (end <= start) return;
  const buffer = new Uint8Array(Math.min(chunkSize, end - start));
  for (let pos = start; pos < end; pos += buffer.length) {
    const chunk = buffer.subarray(0, Math.min(buffer.length, end - pos));
    const got = runSync(readFully(chunk, pos), from);
    if (got !== chunk.length) {
      throw new NpyFormatError(
        "changed",
        `read ${got} of ${chunk.length} bytes at offset ${pos} while copying data; the file shrank while it was copied`,
      );
    }
    to.writeSync(chunk, target + (pos - start));
  }
}

/**
 * `ensureAppendable` in place on a path, all or nothing: a leftover change
 * is settled first, then the data moves under a change record (see
 * `_journal.ts`).
 *
 * @param path The file.
 * @param maxHeaderSize The header size cap.
 * @param chunkSize Largest chunk.
 * @returns `true`.
 */
export function ensureAppendableInPlacePath(
  path: string,
  maxHeaderSize?: number,
  chunkSize: number = CHUNK_SIZE,
): boolean {
  // Locked, and a leftover change settled first.
  const target = openTarget(path, { mode: "write", verb: ENSURE_VERB });
  const file = target.file!;
  return afterFinished(
    () => {
      const info = runSync(
        infoUnlessEmpty(ENSURE_VERB, path, maxHeaderSize),
        file,
      );
      if (info === null) return true;
      refuseMoreRecords(info, ENSURE_VERB, path);
      if (info.appendable) return true;
      shiftInPlace(
        file,
        pathJournal(path),
        path,
        info.header.headerLength,
        info.grownHeader,
        info.fileSize,
        chunkSize,
      );
      return true;
    },
    () => target.release(),
    ENSURE_VERB,
    path,
  );
}

/**
 * `ensureAppendable` through a temporary file: the new header and the
 * data go to `.<name>.<random>.tmp` in the same folder, which is flushed
 * and renamed over the original (atomic on POSIX file systems). A
 * symlink is followed (the real file is replaced, the link stays); the
 * copy gets the file's mode and, where permitted, owner; a file with
 * several hard links is rewritten in place instead, so that every link
 * sees the change. A change record names the temporary file, so that a
 * killed run's copy is removed by the next run.
 *
 * @param path The file.
 * @param maxHeaderSize The header size cap.
 * @param chunkSize Largest buffer.
 * @returns `true`.
 */
export function ensureAppendableByCopy(
  path: string,
  maxHeaderSize?: number,
  chunkSize: number = CHUNK_SIZE,
): boolean {
  const fs = pathFs();
  const meta = statPath(path, ENSURE_VERB);
  if (meta.nlink > 1) {
    return ensureAppendableInPlacePath(path, maxHeaderSize, chunkSize);
  }
  const real = realPath(path);
  // Locked, and a leftover change settled: no writer may hold the file
  // that the copy replaces.
  const target = openTarget(real, { mode: "write", verb: ENSURE_VERB });
  const source = target.file!;
  // A name the file gained while it was copied (`ln x.npy h.npy` after
  // the look above): the copy is dropped and the file rewritten in place,
  // as one with several names is; renamed, it split the names into two
  // files (rows appended through one never reached the other).
  let linked = false;
  const done = afterFinished(
    () => {
      const info = runSync(
        infoUnlessEmpty(ENSURE_VERB, path, maxHeaderSize),
        source,
      );
      if (info === null) return true;
      refuseMoreRecords(info, ENSURE_VERB, path);
      if (info.appendable) return true;
      const tmp = tempPathFor(real);
      const store = pathJournal(real);
      let out: OpenedFile | null = null;
      let copied = false;
      let renamed = false;
      try {
        beginCopy(store, tmp.slice(folderOf(tmp).length), true);
        out = fs.open(tmp, "createNew");
        out.writeSync(info.grownHeader, 0);
        copyData(
          source,
          out,
          info.header.headerLength,
          info.fileSize,
          info.grownHeader.length,
          chunkSize,
        );
        out.syncSync?.();
        const done = out;
        out = null;
        done.closeSync();
        copied = true;
        applyMeta(tmp, meta);
        refuseReplaced(
          real,
          (source as Partial<OpenedFile>).identity?.() ?? undefined,
          ENSURE_VERB,
          path,
          "it was copied",
        );
        if (((source as Partial<OpenedFile>).linkCount?.() ?? 1) > 1) {
          linked = true;
          return true; // the copy and its record removed below
        }
        fs.rename(tmp, real);
        renamed = true;
        // The record only names the temporary, gone with the rename: removed
        // at once, so a kill after the rename leaves nothing behind; one
        // folder sync makes both last.
        store.remove();
        syncDir(dirOf(real));
      } catch (e) {
        // The copy (or its record) did not fit: the words name the file
        // asked about, not the temporary one, and what would fit.
        if (copied) throw e;
        const growth = info.grownHeader.length - info.header.headerLength;
        throw rewriteError(
          e,
          path,
          "the file is unchanged",
          `the copy needs ${
            info.grownHeader.length + info.fileSize - info.header.headerLength
          } bytes beside it; or pass inplace: true, which needs only ${growth} more bytes, plus a change record`,
          "by a copy",
        );
      } finally {
        if (!renamed) {
          try {
            out?.closeSync();
          } catch {
            // already failing
          }
          try {
            if (fs.exists(tmp)) fs.remove(tmp);
            store.remove();
          } catch {
            // the next run removes it
          }
        }
      }
      return true;
    },
    () => target.release(),
    ENSURE_VERB,
    path,
  );
  return linked
    ? ensureAppendableInPlacePath(path, maxHeaderSize, chunkSize)
    : done;
}
