/**
 * Change records of files on paths: `<real path>.journal` beside the file
 * (see `_journal.ts`), settled by whoever opens the file for writing and
 * refused by readers.
 *
 * @module
 */

import { createWhole } from "./_path_whole.ts";
import { NpyFormatError } from "./errors.ts";
import {
  journalKind,
  type JournalStore,
  readJournal,
  settleFile,
} from "./_journal.ts";
import { committedEnd } from "./_journal_commit.ts";
import { type OpenedFile, pathFs, syncDir } from "./_path_fs.ts";
import { realPath, statPath } from "./_path_meta.ts";

/**
 * The record of the file at `path`: `<real path>.journal`, beside the file
 * itself when `path` is a symlink.
 *
 * @param path The file's path.
 * @returns The store.
 */
export function pathJournal(path: string): JournalStore {
  const fs = pathFs();
  const label = `${realPath(path)}.journal`;
  return {
    label,
    // A record gone between the look and the open (its change just
    // finished) is none.
    open(write = true) {
      if (!fs.exists(label)) return null;
      try {
        return fs.open(label, write ? "write" : "read");
      } catch (e) {
        const err = e as { code?: unknown; cause?: { code?: unknown } };
        if ((err.code ?? err.cause?.code) === "ENOENT") return null;
        throw e;
      }
    },
    create(fill) {
      // Settled before: whatever is still there is not ours. Written whole
      // to `<record>.new` first (the file's lock is held, so one name
      // does), which the next open removes if a kill leaves it.
      const tmp = tempOf(label);
      if (fs.exists(tmp)) fs.remove(tmp);
      const f = createWhole(fs, label, tmp, fill);
      if (f === null) {
        throw new Error(
          `Cannot write the change record "${label}": a file of that name exists and is not a record of this library; move it away`,
        );
      }
      return f;
    },
    remove() {
      try {
        fs.remove(label);
      } catch (e) {
        if (fs.exists(label)) throw e;
      }
    },
    removeIfNames(record) {
      const id = record.identity?.() ?? null;
      if (id === null || !fs.exists(label)) return false;
      if (statPath(label, "remove").id !== id) return false;
      fs.remove(label);
      return true;
    },
    syncFolder: () => syncDir(folderOf(label)),
  };
}

/** The temporary a record is written to before it appears whole. */
function tempOf(label: string): string {
  return `${label}.new`;
}

/** The folder part of a path, with its final separator. */
export function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.slice(0, cut + 1);
}

/**
 * Settles a leftover record of the file at `path` (see
 * {@linkcode settleFile}); a quick `stat` when there is none.
 *
 * @param path The file's path.
 * @param open Opens the file for writing, taking its lock.
 * @returns What was done.
 */
export function settlePath(
  path: string,
  open: (path: string) => OpenedFile,
): ReturnType<typeof settleFile> {
  const store = pathJournal(path);
  const fs = pathFs();
  // A record's temporary left by a kill before it appeared: removed (the
  // caller holds the file's lock, so no one is writing it).
  const tmp = tempOf(store.label);
  if (fs.exists(tmp)) fs.remove(tmp);
  if (!fs.exists(store.label)) return "none";
  const real = realPath(path);
  const file = fs.exists(real) ? open(path) : null;
  let result: ReturnType<typeof settleFile>;
  try {
    result = settleFile(file, store, (name) => {
      const tmp = folderOf(real) + name;
      if (!name.includes("/") && fs.exists(tmp)) fs.remove(tmp);
    }, () => fs.remove(real));
  } finally {
    file?.closeSync();
  }
  return result;
}

/**
 * Throws when the file at `path` has an unfinished change (a leftover
 * `shift` or `append` record), for functions that only read.
 *
 * @param path The file's path.
 * @param verb What is done, for the message.
 * @throws {NpyFormatError} naming `recover` as the fix.
 */
export function refuseUnsettled(path: string, verb: string): void {
  const store = pathJournal(path);
  if (!pathFs().exists(store.label)) return;
  const kind = journalKind(store);
  if (kind === null || kind === "copy") return;
  const outcome = kind === "shift"
    ? "finishes the change"
    : committed(path, store)
    ? "keeps the change (its writer's close() had written the header, which commits it; np.load reads it so)"
    : "rolls back the change";
  throw new NpyFormatError(
    "needs-recovery",
    `it has an unfinished ${
      kind === "shift" ? "in-place rewrite" : "atomic append"
    } recorded in "${store.label}" (still running, or killed); run recover("${path}") once no writer holds it, which ${outcome}`,
    { file: path, verb },
  );
}

/** Whether the file's header commits its `append` record's change (`committedEnd`). */
function committed(path: string, store: JournalStore): boolean {
  const fs = pathFs();
  try {
    const rec = store.open(false);
    if (rec === null) return false;
    let j;
    try {
      j = readJournal(rec);
    } finally {
      rec.closeSync();
    }
    if (j === null) return false;
    const file = fs.open(realPath(path), "read");
    try {
      return committedEnd(file, j) !== null;
    } finally {
      file.closeSync();
    }
  } catch {
    return false;
  }
}

/**
 * Whether the file at `path` has an unfinished `shift` or `append` record.
 *
 * @param path The file's path.
 * @returns `true` if `recover` has a change to settle.
 */
export function hasUnsettled(path: string): boolean {
  const store = pathJournal(path);
  if (!pathFs().exists(store.label)) return false;
  const kind = journalKind(store);
  return kind !== null && kind !== "copy";
}
