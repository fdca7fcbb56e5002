/**
 * Resolving a writer's target (path, URL or file object) into a file and
 * an {@linkcode AppendCore}, synchronously where the file allows.
 *
 * @module
 */

import { isFileLike, isFileLikeSync } from "./file_like.ts";
import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import {
  adoptExisting,
  AppendCore,
  type NpyAppendArrayOptions,
} from "./_append_core.ts";
import { type OpenedFile, pathFs, toPath } from "./_path_fs.ts";
import { runSync } from "./_io.ts";
import { beginAppend, type JournalStore } from "./_journal.ts";
import { pathJournal, settlePath } from "./_journal_path.ts";

/** A writer's file: opened now, or created at the first append. */
export interface SyncWriterFile {
  core: AppendCore;
  /** The open file, `null` until a new path file is created. */
  file: FileLikeSync | null;
  /** Creates the file of a new path (set only for paths). */
  create: (() => FileLikeSync) | null;
  /** Closes the file if the library opened it. */
  release: () => void;
  /** The change record of an `atomic` writer, else `null`. */
  journal?: JournalStore | null;
  /** Removes the path's file (an atomic writer's new file, rolled back). */
  removePath?: () => void;
}

function takeLock(file: OpenedFile, label: string): void {
  // The caller closes the file: closing it here too made the caller's
  // second close throw "Bad resource ID", hiding this message.
  if (file.tryLockSync !== undefined && !file.tryLockSync()) {
    throw new Error(
      `Cannot open ${label}: another writer holds its lock; close that writer first`,
    );
  }
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
  if (typeof target === "string" || target instanceof URL) {
    const path = toPath(target);
    const core = new AppendCore(path, options);
    const fs = pathFs();
    let opened: OpenedFile | null = null;
    const release = () => {
      if (opened !== null) {
        const f = opened;
        opened = null;
        f.closeSync();
      }
    };
    const journal = options.atomic === true ? pathJournal(path) : null;
    if (journal !== null && options.deleteIfExists) {
      throw new TypeError(
        `Cannot open ${path} with both atomic and deleteIfExists: deleting the old file cannot be undone; write a new file and rename it instead, or drop one option`,
      );
    }
    // A change left by a killed writer or rewrite is settled first.
    settlePath(path, (p) => {
      const f = fs.open(p, "write");
      try {
        takeLock(f, p);
      } catch (e) {
        f.closeSync();
        throw e;
      }
      return f;
    });
    if (options.deleteIfExists && fs.exists(path)) fs.remove(path);
    if (fs.exists(path)) {
      opened = fs.open(path, "write");
      try {
        takeLock(opened, path);
        // An empty file (a writer killed right after creating it) is
        // started afresh, as an empty FileLikeSync is.
        if (opened.sizeSync() !== 0) {
          runSync(adoptExisting(core, options), opened);
        }
        if (journal !== null) {
          beginAppend(opened, journal, options.fsync === true);
        }
      } catch (e) {
        release();
        throw e;
      }
      return { core, file: opened, create: null, release, journal };
    }
    return {
      core,
      file: null,
      create: () => {
        const created = fs.open(path, "create");
        try {
          takeLock(created, path);
          // Only when needed: on ext4, a truncate to 0 (even of an empty
          // file) makes close() write back every page of the new file
          // (auto_da_alloc), which doubled the time of big appends.
          if (created.sizeSync() !== 0) created.truncateSync?.(0);
          if (journal !== null) {
            beginAppend(created, journal, options.fsync === true);
          }
        } catch (e) {
          created.closeSync();
          throw e;
        }
        opened = created;
        return created;
      },
      release,
      journal,
      removePath: () => fs.remove(path),
    };
  }
  if (!isFileLikeSync(target)) {
    throw new TypeError(
      "Cannot open target: pass a path, a file: URL or a FileLikeSync (readSync, writeSync, sizeSync)",
    );
  }
  if (options.atomic === true) throw atomicNeedsPath();
  const core = new AppendCore("the file object", options);
  const size = target.sizeSync();
  if (size === 0 || options.deleteIfExists) core.staleSize = size;
  else runSync(adoptExisting(core, options), target);
  return { core, file: target, create: null, release: () => {} };
}

/**
 * Tells whether a target can be written synchronously (paths, URLs and
 * `FileLikeSync`s), or needs the asynchronous `FileLike` interface.
 *
 * @param target The target.
 * @returns The async file, or `null` when synchronous I/O works.
 */
export function asyncOnly(target: Target): FileLike | null {
  if (typeof target === "string" || target instanceof URL) return null;
  if (isFileLikeSync(target)) return null;
  if (isFileLike(target)) return target;
  throw new TypeError(
    "Cannot open target: pass a path, a file: URL, a FileLike or a FileLikeSync",
  );
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
