/**
 * Resolving a writer's target (path, URL or file object) into a file and
 * an {@linkcode AppendCore}, synchronously where the file allows. Paths
 * are opened by `_open_target.ts`: locked from `open` to `close`, and a
 * missing file is created (exclusively) only at the first append.
 *
 * @module
 */

import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import {
  adoptExisting,
  AppendCore,
  type NpyAppendArrayOptions,
} from "./_append_core.ts";
import { openTarget, targetLabel } from "./_open_target.ts";
import { runSync } from "./_io.ts";
import { pathFs } from "./_path_fs.ts";
import { beginAppend, type JournalStore } from "./_journal.ts";
import { pathJournal } from "./_journal_path.ts";

/** A writer's file: opened now, or created at the first append. */
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
  /** Removes the path's file (an atomic writer's new file, rolled back). */
  removePath?: () => void;
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
  const atomic = options.atomic === true;
  if (atomic && typeof target !== "string" && !(target instanceof URL)) {
    throw atomicNeedsPath();
  }
  if (atomic && options.deleteIfExists) {
    throw new TypeError(
      `Cannot open ${
        targetLabel(target)
      } with both atomic and deleteIfExists: deleting the old file cannot be undone; write a new file and rename it instead, or drop one option`,
    );
  }
  const t = openTarget(target, {
    mode: "create",
    verb: "open",
    needSync: true,
    deleteIfExists: options.deleteIfExists === true,
    fsync: options.fsync === true,
  });
  try {
    const core = new AppendCore(t.label, options);
    const file = t.file;
    if (file !== null) {
      const size = file.sizeSync();
      if (t.path === null && options.deleteIfExists) core.startOver(size);
      // An empty file (a writer killed right after creating it) is
      // started afresh, as an empty FileLikeSync is.
      else if (size !== 0) runSync(adoptExisting(core, options), file);
    }
    const journal = atomic ? pathJournal(t.path!) : null;
    const fsync = options.fsync === true;
    if (journal !== null && file !== null) beginAppend(file, journal, fsync);
    return {
      core,
      file,
      create: t.create === null ? null : () => {
        const created = t.create!();
        // On failure the file stays held by `release`, which closes it.
        if (journal !== null) beginAppend(created, journal, fsync);
        return created;
      },
      release: () => t.release(),
      journal,
      removePath: () => pathFs().remove(t.path!),
    };
  } catch (e) {
    t.release();
    throw e;
  }
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
  const t = openTarget(target, { mode: "create", verb: "open" });
  return t.asyncFile;
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
