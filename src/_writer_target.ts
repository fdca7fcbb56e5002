/**
 * Resolving a writer's target (path, URL or file object) into a file and
 * an {@linkcode AppendCore}, synchronously where the file allows. Paths
 * are opened by `_open_target.ts`: locked from `open` to `close`, and a
 * missing file is created (exclusively) only at the first append.
 *
 * @module
 */

import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import { AppendCore } from "./_append_core.ts";
import { adoptExisting } from "./_adopt_existing.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import { openTarget } from "./_open_target.ts";
import { FILE_OBJECT_LABEL } from "./_file_label.ts";
import { checkOptions } from "./_options_check.ts";
import { WRITER_OPTIONS } from "./_option_kinds.ts";
import { runSync, size as sizeStep } from "./_io.ts";
import { pathFs } from "./_path_fs.ts";
import type { JournalFile, JournalStore } from "./_journal.ts";
import { beginAppend, beginCopy } from "./_journal_atomic.ts";
import { writeMadeId } from "./_journal.ts";
import { folderOf, pathJournal } from "./_journal_path.ts";
import {
  applyMeta,
  realPath,
  refuseReplaced,
  removeMade,
  statPath,
} from "./_path_meta.ts";
import {
  baseOf,
  dirOf,
  type OpenedFile,
  quoted,
  syncDir,
  toPath,
} from "./_path_fs.ts";
import { lockPathOf, lockTarget } from "./_lock_names.ts";
import { tempPathFor } from "./_maintenance.ts";
import { copiedRows } from "./_lost_file.ts";

/** A writer's file: opened now, or created at the first append. */
/**
 * Internal calls into a sync writer, set by `NpyAppendArraySync`:
 * `cutBack` cuts it to `rows` through the file it holds (a group's undo,
 * see `AppendCore.cutBack`), returning why it could not.
 */
export const syncWriterHooks: {
  cutBack?: (writer: unknown, rows: number) => unknown;
} = {};

export interface SyncWriterFile {
  core: AppendCore;
  /** The open file, `null` until a new path file is created. */
  file: FileLikeSync | null;
  /** Creates the file of a new path (set only for paths). */
  create: (() => FileLikeSync) | null;
  /** Closes the file if the library opened it, and drops its lock. */
  release: () => void;
  /** The change record of an `atomic` writer, else `null`. */
  journal?: JournalStore | null;
  /**
   * The open record of an `atomic` writer's change (from its file's
   * creation on a new path): committed or rolled back through this
   * descriptor, wherever the folder has moved since.
   */
  record?: JournalFile | null;
  /** Removes the path's file (an atomic writer's new file, rolled back). */
  removePath?: () => void;
  /**
   * `atomic` with `deleteIfExists`: the writer fills a temporary file;
   * `commit` renames it over the path, `discard` removes it.
   */
  replace?: {
    commit(renamed: () => void): void;
    discard(): void;
    /** Whether the temporary file holds nothing (nothing appended). */
    empty(): boolean;
  } | null;
  /**
   * A path writer's check that its file still has a name (see
   * {@linkcode OpenedFile.linkCount}); throws when another program deleted
   * it or renamed another file over it, the rows then being in no file,
   * or says how many rows a copy renamed over it holds (a copy holding
   * every row passes). A file moved elsewhere keeps its rows and passes.
   * Called by `close()`
   * only: one `fstat` per close, none per append.
   */
  checkPath?: (() => void) | null;
}

/**
 * Opens a target for a writer that does synchronous I/O.
 *
 * @param target A path, URL or `FileLikeSync`.
 * @param options The writer options.
 * @returns The core and file.
 */
export function openSyncTarget(
  target: Target,
  options: NpyAppendArrayOptions,
): SyncWriterFile {
  options = checkOptions(options, "open", target, WRITER_OPTIONS);
  const atomic = options.atomic === true;
  if (atomic && typeof target !== "string" && !(target instanceof URL)) {
    throw atomicNeedsPath();
  }
  const path = typeof target === "string" || target instanceof URL
    ? toPath(target)
    : null;
  if (path !== null) refuseStackShard(path);
  // The option values are checked before `openTarget`, which removes the
  // file at once with deleteIfExists: a bad dtype had lost the file.
  const core = new AppendCore(path ?? FILE_OBJECT_LABEL, options);
  if (atomic && options.deleteIfExists) {
    return openReplace(target as string | URL, options);
  }
  const t = openTarget(target, {
    mode: "create",
    verb: "open",
    needSync: true,
    deleteIfExists: options.deleteIfExists === true,
    fsync: options.fsync === true,
  });
  // A file by path (a stack's live shard too) is locked by identity as
  // well by `openTarget` (and by `create` once made), even with one name.
  const shard = stackOpening && t.path !== null;
  try {
    core.keepsOrder = shard;
    const file = t.file;
    if (file !== null) {
      const size = runSync(sizeStep(), file);
      if (t.path === null && options.deleteIfExists) core.startOver(size);
      // An empty file (a writer killed right after creating it) is
      // started afresh, as an empty FileLikeSync is.
      else if (size !== 0) runSync(adoptExisting(core, options), file);
    }
    core.refuseUnsized();
    const journal = atomic ? pathJournal(t.path!) : null;
    const fsync = options.fsync === true;
    const record = journal !== null && file !== null
      ? beginAppend(file, journal, fsync)
      : null;
    /** Whether this writer created the file (at its first append). */
    let created = false;
    /** The device and inode of the file it created (`null`: unknown). */
    let madeId: string | null = null;
    const out: SyncWriterFile = {
      core,
      file,
      create: t.create === null ? null : () => {
        // An atomic writer's record comes first: a kill between creating
        // the file and its record would leave an empty file, no `.npy`,
        // that nothing rolls back.
        const rec = journal === null ? null : beginAppend(null, journal, fsync);
        try {
          // On failure after this, the file stays held by `release`,
          // which closes it.
          const made = t.create!();
          created = true;
          madeId = (made as Partial<OpenedFile>).identity?.() ?? null;
          // Its rollback after a kill then removes only this file.
          if (rec !== null && madeId !== null) writeMadeId(rec, madeId, fsync);
          out.record = rec;
          return made;
        } catch (e) {
          if (rec !== null) {
            rec.closeSync();
            journal!.remove();
          }
          throw e;
        }
      },
      release: () => {
        try {
          // Still open only when the change was neither committed nor
          // rolled back (its record then stays for the next open).
          out.record?.closeSync();
        } finally {
          out.record = null;
          try {
            // A file this writer created but holds no array (its first
            // append failed, a full disk): removed under the lock, as an
            // append that fails leaves no trace.
            if (created && core.shape === null) out.removePath!();
          } finally {
            t.release();
          }
        }
      },
      journal,
      record,
      checkPath: t.path === null ? null : () => {
        const f = out.file as OpenedFile | null;
        if (f === null || f.linkCount() !== 0) return;
        const rows = core.shape?.[core.growthAxis] ?? 0;
        // A copy renamed over it (a backup tool) holds the rows before it.
        const held = copiedRows(t.path!, f);
        if (held === rows) return; // every row: nothing lost
        if (held >= 0) {
          throw new Error(
            `Cannot close ${
              quoted(t.label)
            }: another program replaced the file with a copy of it (it copied the file and renamed the copy over it) while this writer held it open; the copy holds the first ${held} of the ${rows} rows written, the last ${
              rows - held
            } are in no file any more: ${
              shard
                ? "open its stack again and append them there"
                : "append them to it again with a new writer"
            }`,
          );
        }
        throw new Error(
          `Cannot close ${
            quoted(t.label)
          }: another program deleted the file, or renamed another file over it, while this writer held it open; the ${rows} rows written to it are in no file any more: append them again with a new writer`,
        );
      },
      removePath: () => {
        // Only the file this writer made, by device and inode: another
        // program's file moved onto the name meanwhile stays (paths only:
        // a file object, a browser's, has no path layer).
        removeMade(realPath(t.path!), madeId);
      },
    };
    return out;
  } catch (e) {
    t.release();
    throw e;
  }
}

/** Set while a stack writer opens its own live shard. */
let stackOpening = false;

/**
 * Runs `open` as a stack writer opening its own live shard
 * (`{n}.npy.part`), which {@linkcode openSyncTarget} otherwise refuses.
 *
 * @param open A synchronous open of the shard.
 * @returns What `open` returns.
 */
export function openAsStackShard<T>(open: () => T): T {
  stackOpening = true;
  try {
    return open();
  } finally {
    stackOpening = false;
  }
}

/**
 * Refuses a plain writer of a stack's shard: a sealed `{n}.npy` in a
 * folder holding Dask's `info` (which records every sealed shard's rows,
 * so a shard grown under it breaks the stack for its reader and for Dask,
 * whether a stack writer is open or not), and a live `{n}.npy.part` while
 * the stack's lock (`<dir>.lock`) is there (between the stack writer's
 * appends it holds no lock of its own). A live shard of a stack no
 * writer holds is continued by the next stack writer, as a killed
 * writer's is. One or two lookups, only for such names.
 *
 * @param path The writer's path.
 * @throws {TypeError} naming the shard, its stack and the fix.
 */
function refuseStackShard(path: string): void {
  if (stackOpening) return;
  const SHARD = /^\d+\.npy(\.part)?$/;
  // A symlink to a shard (`x.npy -> stack/0.npy`) grows it all the same.
  const real = SHARD.test(baseOf(path)) ? path : realPath(path);
  const shard = SHARD.exec(baseOf(real));
  if (shard === null) return;
  const dir = dirOf(real);
  const fs = pathFs();
  const sep = /[\\/]$/.test(dir) ? "" : "/";
  const taken = shard[1] === undefined
    ? isDaskInfo(fs, `${dir}${sep}info`)
    : fs.exists(lockPathOf(lockTarget(dir))); // as the stack writer names it
  if (!taken) return;
  throw new TypeError(
    `Cannot open ${quoted(path)}: it is ${
      shard[1] === undefined ? "a sealed" : "the live"
    } shard of the stack ${
      quoted(dir)
    }, whose info records each shard's rows; append through NpyStackWriter.open(${
      quoted(dir)
    }) instead`,
  );
}

/**
 * Whether `path` is a file Dask's `info` may be: a pickle (its first byte
 * 0x80), or empty or zeros (a power cut kept its name, not its bytes); a
 * folder or a text file named `info` beside files named `0.npy` is no
 * stack's. One open and a one-byte read, only for names like shards.
 */
function isDaskInfo(fs: ReturnType<typeof pathFs>, path: string): boolean {
  if (fs.kind(path) !== "file") return false;
  try {
    const f = fs.open(path, "read");
    try {
      const first = new Uint8Array(1);
      const n = f.readSync(first, 0);
      return n === null || n === 0 || first[0] === 0x80 || first[0] === 0;
    } finally {
      f.closeSync();
    }
  } catch {
    return true; // unreadable: judged as before, a stack's
  }
}

/**
 * Opens a path to be replaced as a whole (`atomic` with `deleteIfExists`):
 * under the path's lock, a `copy` change record names a temporary file
 * beside the real file (`.<name>.<random>.tmp`), which takes the appends;
 * `commit` renames it over the file (keeping its mode and owner) and
 * syncs the folder, `discard` removes it. After a kill, the next `open`
 * or `recover` of the path removes the temporary file (see
 * `settlePath`); the file itself is old or wholly new.
 *
 * @param target The path or `file:` URL.
 * @param options The writer options.
 * @returns The core and the temporary file.
 */
function openReplace(
  target: string | URL,
  options: NpyAppendArrayOptions,
): SyncWriterFile {
  const t = openTarget(target, {
    mode: "create",
    verb: "open",
    needSync: true,
  });
  const fs = pathFs();
  const path = t.path!;
  const fsync = options.fsync === true;
  let store: JournalStore | null = null;
  let tmp = "";
  try {
    const core = new AppendCore(t.label, options);
    core.refuseUnsized();
    const meta = t.file === null ? null : statPath(path, "open");
    const real = realPath(path);
    tmp = tempPathFor(real);
    store = pathJournal(real);
    beginCopy(store, tmp.slice(folderOf(tmp).length), core.fsync);
    const file = fs.open(tmp, "createNew", "open", path);
    let open = true;
    const closeTemp = () => {
      if (!open) return;
      open = false;
      file.closeSync();
    };
    const journal = store;
    return {
      core,
      file,
      create: null,
      release: () => {
        try {
          closeTemp();
        } finally {
          t.release();
        }
      },
      journal: null,
      replace: {
        commit(renamed) {
          if (fsync) file.syncSync?.();
          const empty = file.sizeSync() === 0;
          closeTemp();
          if (empty) {
            // Nothing appended: no file, as without atomic. Only the file
            // that was there at the open goes, by device and inode: one
            // another program moved onto the name since stays, as it
            // would without atomic.
            fs.remove(tmp);
            removeMade(real, meta?.id ?? null);
          } else {
            if (meta !== null) applyMeta(tmp, meta);
            refuseReplaced(
              real,
              meta === null ? null : meta.id ?? undefined,
              "close",
              t.label,
              "this writer replaced it",
            );
            fs.rename(tmp, real);
          }
          // The commit point: what fails from here leaves the new file.
          renamed();
          // The record only names the temporary, gone with the rename (or
          // removed): removed at once, so a kill after the rename leaves
          // nothing behind; one sync of the folder (the record's too)
          // makes both last.
          journal.remove();
          syncDir(dirOf(real));
        },
        empty: () => file.sizeSync() === 0,
        discard() {
          try {
            closeTemp();
          } finally {
            // On failure the next open or recover removes them.
            if (fs.exists(tmp)) fs.remove(tmp);
            journal.remove();
          }
        },
      },
    };
  } catch (e) {
    try {
      if (tmp !== "" && fs.exists(tmp)) fs.remove(tmp);
      store?.remove();
    } finally {
      t.release();
    }
    throw e;
  }
}

/**
 * Tells whether a target can be written synchronously (paths, URLs and
 * `FileLikeSync`s), or needs the asynchronous `FileLike` interface.
 *
 * @param target The target.
 * @returns The async file, held for this writer in this process until
 * `release()` (see `holdFileObject`), or `null` when synchronous I/O works.
 * @throws {NpyLockedError} another writer of this process holds the object.
 */
export function asyncOnly(
  target: Target,
): { file: FileLike; release: () => void } | null {
  if (typeof target === "string" || target instanceof URL) return null;
  const t = openTarget(target, { mode: "create", verb: "open" });
  if (t.asyncFile === null) {
    t.release();
    return null;
  }
  return { file: t.asyncFile, release: t.release };
}

/**
 * The error for `atomic: true` on a file object.
 *
 * @returns The error.
 */
export function atomicNeedsPath(): TypeError {
  return new TypeError(
    "Cannot open the file object with atomic: true: the change record needs a path; pass a path, or open without atomic",
  );
}
