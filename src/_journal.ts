/**
 * The change record ("journal") that makes a multi-step change of a
 * `.npy` file all or nothing, as SQLite's rollback journal does: before
 * the first byte of the file changes, `<file>.journal` (beside the real
 * file, symlinks resolved) records what is needed to undo or finish the
 * change; it is removed once the change is whole. Whoever opens the file
 * next for writing finds a leftover record and settles it (see
 * {@linkcode settleFile}); readers refuse the file until then.
 *
 * Three kinds of change:
 * - `shift`: `ensureAppendable(path, { inplace: true })`. The file is first
 *   extended to its final size and the record's slot allocated (a full disk
 *   fails before anything moves), then the data moves towards the end in
 *   chunks from the last one, each copied into the slot with a progress
 *   entry before it overwrites the file (a killed move is rolled forward).
 * - `append`: an `atomic` writer: the old size and header, put back (not
 *   onto another file: `_journal_owner.ts`).
 * - `copy`: a file replaced by a copy (`ensureAppendable`, `atomic` with
 *   `deleteIfExists`): the temporary file's name, removed by the next run.
 * Layout (little endian): 64 fixed bytes (`NPYJRNL1`, kind, lengths, old
 * size, CRC-32), the old header, the new header or temporary name, then
 * for `shift` two 64-byte progress entries and a slot at a 4 KiB boundary.
 *
 * @module
 */

import type { FileLikeSync } from "./file_like.ts";
import { NpyFormatError } from "./errors.ts";
import { readFully, runSync } from "./_io.ts";
import { refuseForeign } from "./_journal_owner.ts";
import { rewriteError } from "./_close_error.ts";
import { MOVING } from "./_moving_magic.ts";
import { committedEnd } from "./_journal_commit.ts";

/** A record file, opened by a {@linkcode JournalStore}. */
export interface JournalFile extends FileLikeSync {
  /** Closes the record file. */
  closeSync(): void;
  /** The open file's identity (see `OpenedFile`), or `null`. */
  identity?(): string | null;
}

/** Where the record of one file lives (a path, or memory in tests). */
export interface JournalStore {
  /** The record's name, for messages. */
  readonly label: string;
  /** Opens an existing record read-write (`false`: read-only); `null` if none. */
  open(write?: boolean): JournalFile | null;
  /**
   * Creates the record whole: `fill` writes it where no reader looks, and
   * only then does it appear under its name, so a kill leaves no record or
   * the whole one. Fails if a record exists (settled before: not ours).
   */
  create(fill: (f: JournalFile) => void): JournalFile;
  /** Removes the record (no error if it is gone). */
  remove(): void;
  /**
   * Removes the record's name if it still names `record` (the same open
   * file: its folder was not moved); `false`, changing nothing, otherwise
   * or when that cannot be told.
   */
  removeIfNames?(record: JournalFile): boolean;
  /** Makes the record's creation or removal durable (syncs its folder). */
  syncFolder?(): void;
}

const MAGIC = "NPYJRNL1";
const FIXED = 64;
const ENTRY = 64;
const KINDS = ["shift", "append", "copy"] as const;
/** Largest data slot (the maintenance functions' chunk size). */
const MAX_SLOT = 16 * 1024 * 1024;
/** The kind of change a record is for. */
export type JournalKind = typeof KINDS[number];

/**
 * The CRC-32 table, made at the first CRC (a change record), not when the
 * module loads: building it at load ran a 2048-step loop that V8 compiled
 * on the stack (OSR), 0.3 to 3 ms of every Deno process's start
 * (issue 17.2), which most processes never need.
 */
let crcTable: Uint32Array | null = null;

/** One entry of the CRC-32 table: a function, so no loop runs long enough for OSR. */
function crcEntry(n: number): number {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
}

function table(): Uint32Array {
  if (crcTable !== null) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) t[n] = crcEntry(n);
  return crcTable = t;
}

/** CRC-32 (the zlib one) of some byte runs. */
export function crc32(...parts: Uint8Array[]): number {
  const t = table();
  let c = 0xffffffff;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      c = t[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A decoded record. */
export interface Journal {
  readonly kind: JournalKind;
  /** The file's size before the change. */
  readonly oldSize: number;
  /** The file's header before the change (empty for a new file). */
  readonly oldHeader: Uint8Array;
  /** `shift`: the new header; `copy`: the temporary path, UTF-8. */
  readonly blob: Uint8Array;
  /** `append`: the file did not exist before. */
  readonly created: boolean;
  /** `shift`: bytes in the data slot. */
  readonly slot: number;
  /** `shift`: offset of the progress entries. */
  readonly entries: number;
  /** `shift`: offset of the data slot. */
  readonly data: number;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** A record's offsets from its fixed part: where entries and data go. */
export function layout(j: Omit<Journal, "entries" | "data">): Journal {
  const entries = align(FIXED + j.oldHeader.length + j.blob.length, ENTRY);
  return { ...j, entries, data: align(entries + 2 * ENTRY, 4096) };
}

/** A record's fixed part, old header and blob, with their CRC-32. */
export function encode(j: Journal): Uint8Array {
  const out = new Uint8Array(FIXED + j.oldHeader.length + j.blob.length);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  v.setUint8(8, KINDS.indexOf(j.kind) + 1);
  v.setUint8(9, j.created ? 1 : 0);
  v.setUint32(12, j.oldHeader.length, true);
  v.setFloat64(16, j.oldSize, true);
  v.setUint32(24, j.blob.length, true);
  v.setUint32(28, j.slot, true);
  out.set(j.oldHeader, FIXED);
  out.set(j.blob, FIXED + j.oldHeader.length);
  v.setUint32(56, crc32(out.subarray(0, 56), out.subarray(FIXED)), true);
  return out;
}

/**
 * Reads a record; `null` when it is torn or not a record (written only
 * partly: the change it was for had not started).
 *
 * @param file The record file.
 * @returns The record, or `null`.
 */
export function readJournal(file: FileLikeSync): Journal | null {
  const fixed = new Uint8Array(FIXED);
  if (runSync(readFully(fixed, 0), file) !== FIXED) return null;
  if (new TextDecoder().decode(fixed.subarray(0, 8)) !== MAGIC) return null;
  const v = new DataView(fixed.buffer);
  const kind = KINDS[v.getUint8(8) - 1];
  const headerLength = v.getUint32(12, true);
  const blobLength = v.getUint32(24, true);
  const oldSize = v.getFloat64(16, true);
  // No number in the record drives an allocation beyond its own bytes.
  if (
    kind === undefined || headerLength + blobLength > file.sizeSync() ||
    !Number.isSafeInteger(oldSize) || oldSize < 0 ||
    v.getUint32(28, true) > MAX_SLOT
  ) {
    return null;
  }
  const rest = new Uint8Array(headerLength + blobLength);
  if (runSync(readFully(rest, FIXED), file) !== rest.length) return null;
  if (crc32(fixed.subarray(0, 56), rest) !== v.getUint32(56, true)) {
    return null;
  }
  return layout({
    kind,
    created: v.getUint8(9) === 1,
    oldSize: v.getFloat64(16, true),
    oldHeader: rest.subarray(0, headerLength),
    blob: rest.subarray(headerLength),
    slot: v.getUint32(28, true),
  });
}

/**
 * Reads the kind of the record in `store`, or `null` when there is none or
 * it is torn.
 *
 * @param store Where the record lives.
 * @returns The kind, or `null`.
 */
export function journalKind(store: JournalStore): JournalKind | null {
  const f = store.open(false);
  if (f === null) return null;
  try {
    return readJournal(f)?.kind ?? null;
  } finally {
    f.closeSync();
  }
}

/** A record cut short by a kill (empty, or ours by magic) or a power cut (zeros). */
function tornJournal(file: FileLikeSync): boolean {
  const head = new Uint8Array(512);
  const got = runSync(readFully(head, 0), file);
  const magic = new TextEncoder().encode(MAGIC);
  return head.subarray(0, Math.min(got, 8)).every((b, i) => b === magic[i]) ||
    head.subarray(0, got).every((b) => b === 0);
}

/** A progress entry of a shift: the chunk `[pos, pos + length)` is next or being moved. */
interface Entry {
  seq: number;
  pos: number;
  length: number;
  crc: number;
}

function writeEntry(f: FileLikeSync, j: Journal, e: Entry): void {
  const b = new Uint8Array(ENTRY);
  const v = new DataView(b.buffer);
  v.setUint32(0, e.seq, true);
  v.setFloat64(8, e.pos, true);
  v.setUint32(16, e.length, true);
  v.setUint32(20, e.crc, true);
  v.setUint32(60, crc32(b.subarray(0, 60)), true);
  f.writeSync(b, j.entries + (e.seq % 2) * ENTRY);
}

function lastEntry(f: FileLikeSync, j: Journal): Entry | null {
  let best: Entry | null = null;
  for (let i = 0; i < 2; i++) {
    const b = new Uint8Array(ENTRY);
    if (runSync(readFully(b, j.entries + i * ENTRY), f) !== ENTRY) continue;
    const v = new DataView(b.buffer);
    if (crc32(b.subarray(0, 60)) !== v.getUint32(60, true)) continue;
    const e = {
      seq: v.getUint32(0, true),
      pos: v.getFloat64(8, true),
      length: v.getUint32(16, true),
      crc: v.getUint32(20, true),
    };
    const sane = e.seq > 0 && e.length > 0 && e.length <= j.slot &&
      Number.isSafeInteger(e.pos) && e.pos >= j.oldHeader.length &&
      e.pos + e.length <= j.oldSize;
    if (sane && (best === null || e.seq > best.seq)) best = e;
  }
  return best;
}

/** Reads `buffer.length` bytes at `pos`, or throws (the file shrank). */
export function readExact(
  f: FileLikeSync,
  buffer: Uint8Array,
  pos: number,
): void {
  const got = runSync(readFully(buffer, pos), f);
  if (got !== buffer.length) {
    throw new NpyFormatError(
      "changed",
      `read ${got} of ${buffer.length} bytes at offset ${pos} while moving data; the file shrank while it was rewritten`,
    );
  }
}

/**
 * Moves the chunks below `pos` (the shift's data `[from, pos)`) and writes
 * the new header: the forward half of a shift, from its start or from a
 * record's progress.
 */
function rollForward(
  file: FileLikeSync,
  rec: JournalFile,
  j: Journal,
  pos: number,
  seq: number,
): void {
  const from = j.oldHeader.length;
  const shift = j.blob.length - from;
  const buffer = new Uint8Array(Math.max(1, Math.min(j.slot, pos - from)));
  while (pos > from) {
    const n = Math.min(buffer.length, pos - from);
    const p = pos - n;
    const chunk = buffer.subarray(0, n);
    readExact(file, chunk, p);
    rec.writeSync(chunk, j.data);
    rec.syncSync?.();
    seq += 1;
    writeEntry(rec, j, { seq, pos: p, length: n, crc: crc32(chunk) });
    rec.syncSync?.();
    file.writeSync(chunk, p + shift);
    file.syncSync?.();
    pos = p;
  }
  file.writeSync(j.blob, 0);
  file.syncSync?.();
}

/**
 * Puts back the magic's first byte that an in-place move killed before
 * its first chunk spoilt (`MOVING`); a file whose byte 0 is anything
 * else is left alone.
 */
function restoreMagic(file: FileLikeSync, oldHeader: Uint8Array): void {
  const first = new Uint8Array(1);
  if (file.readSync(first, 0) === 1 && first[0] === MOVING[0]) {
    file.writeSync(oldHeader.subarray(0, 1), 0);
  }
}

/** Marks the identity of the file a new-file record's writer made. */
const MADE = "NPYMADE1";

/**
 * Writes into an `append` record of a new file (`created`) the identity
 * (device and inode) of the file its writer just made, after its fixed
 * part (where a `shift` record's entries go): the rollback of a killed
 * change then removes only that file, not another program's file moved
 * onto the name since. Best effort: a record without it rolls back as
 * before (the file at the name, which a kill before any append left
 * empty).
 *
 * @param rec The open record.
 * @param id The made file's identity.
 * @param durable Whether to sync the record.
 */
export function writeMadeId(
  rec: JournalFile,
  id: string,
  durable: boolean,
): void {
  const text = new TextEncoder().encode(id);
  const out = new Uint8Array(16 + text.length);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MADE), 0);
  v.setUint32(8, text.length, true);
  out.set(text, 16);
  v.setUint32(12, crc32(out.subarray(0, 12), text), true);
  try {
    rec.writeSync(out, align(FIXED, ENTRY));
    if (durable) rec.syncSync?.();
  } catch {
    // Without it, a rollback removes the file at the name, as before.
  }
}

/** The made file's identity written by {@linkcode writeMadeId}, or `null`. */
function madeIdOf(rec: JournalFile, j: Journal): string | null {
  const head = new Uint8Array(16);
  if (runSync(readFully(head, j.entries), rec) !== 16) return null;
  if (new TextDecoder().decode(head.subarray(0, 8)) !== MADE) return null;
  const v = new DataView(head.buffer);
  const n = v.getUint32(8, true);
  if (n > 256) return null;
  const text = new Uint8Array(n);
  if (runSync(readFully(text, j.entries + 16), rec) !== n) return null;
  if (crc32(head.subarray(0, 12), text) !== v.getUint32(12, true)) return null;
  return new TextDecoder().decode(text);
}

/**
 * Settles a leftover record: rolls a killed shift forward (or back, if no
 * data had moved), keeps an atomic append whose header `close()` wrote
 * (its commit point: see `_journal_commit.ts`) and rolls an unfinished
 * one back, removes the temporary file of a killed copy; then removes the
 * record.
 *
 * @param file The file, open for writing (`null` if it is missing).
 * @param store Where its record lives.
 * @param removeTemp Removes the temporary file a `copy` record names.
 * @param removeFile Removes the file an atomic writer had created (once
 *   emptied), before the record goes: a kill in between then leaves the
 *   record, which rolls the creation back again, not an empty file.
 * @param rollBack Roll an atomic append back even if its header was
 *   written (its own writer's rollback: `abort()`, a failed commit).
 * @returns What was done: `"none"` (no record), `"finished"`, `"rolled
 *   back"`, `"emptied"` (a file an atomic writer had created, removed by
 *   `removeFile`) or `"cleaned"` (a copy's leftovers).
 */
export function settleFile(
  file: FileLikeSync | null,
  store: JournalStore,
  removeTemp: (name: string) => void,
  removeFile: () => void = () => {},
  rollBack = false,
): "none" | "finished" | "rolled back" | "emptied" | "cleaned" {
  const rec = store.open();
  if (rec === null) return "none";
  let result: ReturnType<typeof settleFile> = "none";
  try {
    const j = readJournal(rec);
    if (j === null && !tornJournal(rec)) {
      // Not a record of this library (a user's file of that name): keep it.
      return "none";
    }
    if (j === null) result = "none";
    else if (j.kind === "copy") {
      removeTemp(new TextDecoder().decode(j.blob));
      result = "cleaned";
    } else if (file === null) {
      result = "rolled back";
    } else if (j.kind === "append") {
      const made = j.created ? madeIdOf(rec, j) : null;
      const end = rollBack ? null : committedEnd(file, j);
      if (
        made !== null &&
        made !== ((file as { identity?(): string | null }).identity?.() ??
            null)
      ) {
        // Another file at the name (moved onto it since the kill): the
        // made file is gone already; this one stays as it is.
        result = "rolled back";
      } else if (end !== null) {
        // Committed: NumPy reads the change already; bytes past it cut.
        if (file.sizeSync() > end) file.truncateSync!(end);
        result = "finished";
      } else if (j.created) {
        file.truncateSync!(0);
        result = "emptied";
      } else {
        refuseForeign(file, j.oldSize, j.oldHeader, store.label);
        if (file.sizeSync() !== j.oldSize) file.truncateSync!(j.oldSize);
        file.writeSync(j.oldHeader, 0);
        result = "rolled back";
      }
      file.syncSync?.();
    } else {
      const e = lastEntry(rec, j);
      if (e === null) {
        // Nothing moved yet: undo the reservation (and the spoilt byte).
        if (file.sizeSync() > j.oldSize) file.truncateSync!(j.oldSize);
        restoreMagic(file, j.oldHeader);
        file.syncSync?.();
        result = "rolled back";
      } else {
        const chunk = new Uint8Array(e.length);
        const got = runSync(readFully(chunk, j.data), rec);
        // A slot that no longer matches its entry holds the next chunk,
        // being copied in: the entry's chunk is then wholly moved.
        if (got === e.length && crc32(chunk) === e.crc) {
          file.writeSync(chunk, e.pos + j.blob.length - j.oldHeader.length);
        }
        rollForward(file, rec, j, e.pos, e.seq);
        result = "finished";
      }
    }
  } finally {
    rec.closeSync();
  }
  if (result === "emptied") removeFile();
  store.remove();
  return result;
}

/** Whether an error looks like a full disk or another I/O failure worth a smaller try. */
function retryable(e: unknown): boolean {
  return e instanceof Error && !(e instanceof TypeError) &&
    !(e instanceof NpyFormatError);
}

/**
 * `ensureAppendable` in place, all or nothing: reserves the space, then
 * moves the data under a record (see the module text).
 *
 * @param file The file, open for writing, its lock held.
 * @param store Where its record goes.
 * @param label The file, for messages.
 * @param oldLength The current header length.
 * @param grownHeader The new header.
 * @param fileSize The file size.
 * @param chunkSize Largest chunk moved at once.
 * @throws {Error} when the space cannot be reserved (the file is
 *   unchanged) or the move fails (the record stays; the next open
 *   finishes it).
 */
export function shiftInPlace(
  file: FileLikeSync,
  store: JournalStore,
  label: string,
  oldLength: number,
  grownHeader: Uint8Array,
  fileSize: number,
  chunkSize: number,
): void {
  const oldHeader = new Uint8Array(oldLength);
  readExact(file, oldHeader, 0);
  const shift = grownHeader.length - oldLength;
  let slot = Math.min(chunkSize, fileSize - oldLength);
  let rec: JournalFile;
  let j: Journal;
  // Reserve: the record with its data slot, then the file's final size,
  // written as zeros so that the blocks are allocated now. A full disk
  // here leaves the file as it was; a smaller slot is tried first.
  for (;;) {
    j = layout({
      kind: "shift",
      created: false,
      oldSize: fileSize,
      oldHeader,
      blob: grownHeader,
      slot,
    });
    let r: JournalFile | null = null;
    let filling = false;
    try {
      const jj = j;
      r = store.create((f) => {
        filling = true;
        f.writeSync(encode(jj), 0);
        if (slot > 0) f.writeSync(new Uint8Array(slot), jj.data);
        f.syncSync?.();
      });
      store.syncFolder?.();
      file.writeSync(new Uint8Array(shift), fileSize);
      file.syncSync?.();
      rec = r;
      break;
    } catch (e) {
      try {
        if (r !== null) {
          r.closeSync();
          store.remove();
        }
        if (file.sizeSync() > fileSize) file.truncateSync?.(fileSize);
      } catch {
        // already failing
      }
      if (filling && slot > 4096 && retryable(e)) {
        slot = Math.max(4096, slot >> 2);
        continue;
      }
      const needs = `it needs ${shift} more bytes, plus up to ${
        j.data + slot
      } for its change record`;
      throw rewriteError(e, label, "the file is unchanged", needs);
    }
  }
  try {
    // NumPy knows no record: while the data moves under the old header,
    // byte 0 is spoilt, so that np.load refuses the file rather than read
    // moved bytes as rows; the header written at the end (or settling:
    // `restoreMagic`) makes it whole again.
    file.writeSync(MOVING, 0);
    rollForward(file, rec, j, fileSize, 0);
  } catch (e) {
    throw rewriteError(
      e,
      label,
      `the change is recorded in "${store.label}": run recover on the file (or open it again) to finish it`,
    );
  } finally {
    rec.closeSync();
  }
  store.remove();
  store.syncFolder?.();
}
