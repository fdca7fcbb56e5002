/**
 * The change records of atomic changes (see `_journal.ts`): an atomic
 * writer's appends ({@linkcode beginAppend}, {@linkcode endAppend}) and a
 * rewrite by copy ({@linkcode beginCopy}).
 *
 * @module
 */

import type { FileLikeSync } from "./file_like.ts";
import {
  encode,
  type JournalFile,
  type JournalStore,
  layout,
  readExact,
  settleFile,
} from "./_journal.ts";

/**
 * Starts an atomic change of a writer: records the file's size and header
 * (`file` `null` or empty: a new file) before anything is written.
 *
 * @param file The file, open with its lock held (empty: a new file;
 *   `null`: one not created yet, which its writer creates next).
 * @param store Where its record goes.
 * @param durable Also sync the record's folder (the writer's `fsync`).
 */
export function beginAppend(
  file: FileLikeSync | null,
  store: JournalStore,
  durable: boolean,
): JournalFile {
  const size = file?.sizeSync() ?? 0;
  const oldHeader = new Uint8Array(size === 0 ? 0 : headerLength(file!));
  if (size !== 0) readExact(file!, oldHeader, 0);
  const j = layout({
    kind: "append",
    created: size === 0,
    oldSize: size,
    oldHeader,
    blob: new Uint8Array(0),
    slot: 0,
  });
  const rec = store.create((f) => {
    f.writeSync(encode(j), 0);
    f.syncSync?.();
  });
  try {
    if (durable) store.syncFolder?.();
  } catch (e) {
    rec.closeSync();
    store.remove(); // nothing changed yet: readers must not refuse the file
    throw e;
  }
  return rec;
}

/** The header length of a valid `.npy` file (its writer checked it). */
function headerLength(file: FileLikeSync): number {
  const b = new Uint8Array(12);
  readExact(file, b, 0);
  const v = new DataView(b.buffer);
  return b[6] === 1 ? 10 + v.getUint16(8, true) : 12 + v.getUint32(8, true);
}

/**
 * Ends an atomic writer's change: commits or rolls the file back, then
 * ends the record. The commit point is the header `close()` wrote before
 * (what NumPy reads, and what settling a record left by a kill keeps: see
 * `_journal_commit.ts`); the record then ends: its name removed
 * while it still names the open record (a kill right after leaves no
 * record behind), or else, when the name is gone or names another file (a
 * folder renamed meanwhile took the record along), the record voided
 * through its open descriptor, since a record left there would roll
 * committed appends back at the next open (or keep rolled-back ones). A
 * void (empty) record is no change: removed when its name still holds it,
 * as is a copy of the record renamed over the name (by a sync tool).
 *
 * @param file The file.
 * @param store Its record.
 * @param commit Keep the appends.
 * @param durable Make the commit durable (the writer's `fsync`).
 * @param record The record, open since {@linkcode beginAppend} (closed here).
 * @param hooks `removeFile`: a new file rolled back; `committed`: committed.
 * @returns `"emptied"` when a new file was rolled back (and removed).
 */
export function endAppend(
  file: FileLikeSync,
  store: JournalStore,
  commit: boolean,
  durable: boolean,
  record: JournalFile,
  hooks: { removeFile?: (() => void) | undefined; committed?: () => void } = {},
): ReturnType<typeof settleFile> {
  let result: ReturnType<typeof settleFile> = "finished";
  let removed = false;
  let mine: Uint8Array | null = null;
  try {
    if (!commit) {
      // settleFile closes what `open` gives: this one is closed below.
      const view: JournalFile = {
        readSync: (b, p) => record.readSync(b, p),
        writeSync: (b, p) => record.writeSync(b, p),
        sizeSync: () => record.sizeSync(),
        closeSync: () => {},
      };
      result = settleFile(
        file,
        { ...store, open: () => view, remove: () => {} },
        () => {},
        hooks.removeFile,
        true,
      );
    }
    try {
      removed = store.removeIfNames?.(record) ?? false;
    } catch {
      // voided below instead
    }
    if (removed) {
      if (commit) hooks.committed?.();
      if (durable) {
        try {
          store.syncFolder?.();
        } catch (e) {
          // The removal may not last a power cut: a void record does.
          record.truncateSync!(0);
          record.syncSync?.();
          throw e;
        }
      }
    } else {
      mine = contents(record);
      record.truncateSync!(0);
      if (commit) hooks.committed?.();
      if (durable) record.syncSync?.();
    }
  } finally {
    record.closeSync();
  }
  if (removed) return result;
  // The name: removed if it still holds a void record (ours, not moved),
  // or a copy of ours (a sync tool or `cp` renamed it over the name while
  // the writer was open), which would roll the change back again at the
  // next open, and which readers refuse.
  const at = store.open();
  if (at !== null) {
    let isVoid: boolean;
    try {
      const now = at.sizeSync() === 0 ? null : contents(at);
      isVoid = now === null || (mine !== null && sameBytes(now, mine));
    } finally {
      at.closeSync();
    }
    if (isVoid) {
      store.remove();
      if (durable) store.syncFolder?.();
    }
  }
  return result;
}

/** A record's bytes, or `null` when they cannot be read (a copy is then kept). */
function contents(f: FileLikeSync): Uint8Array | null {
  try {
    const b = new Uint8Array(f.sizeSync());
    readExact(f, b, 0);
    return b;
  } catch {
    return null;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Starts a copy: records the temporary file's name.
 *
 * @param store Where the record goes.
 * @param tempName The temporary file's name (in the same folder).
 * @param durable Sync the record before it takes its name (`fsync`).
 */
export function beginCopy(
  store: JournalStore,
  tempName: string,
  durable: boolean,
): void {
  const j = layout({
    kind: "copy",
    created: false,
    oldSize: 0,
    oldHeader: new Uint8Array(0),
    blob: new TextEncoder().encode(tempName),
    slot: 0,
  });
  store.create((f) => {
    f.writeSync(encode(j), 0);
    if (durable) f.syncSync?.();
  }).closeSync();
}
