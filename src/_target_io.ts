/**
 * Running an I/O algorithm on any target: paths and `FileLikeSync`s with
 * synchronous calls, async-only `FileLike`s with the async driver.
 *
 * @module
 */

import type { FileLike, FileLikeSync, Target } from "./file_like.ts";
import { isFileLike, isFileLikeSync } from "./file_like.ts";
import { type IoSteps, runAsync, runSync } from "./_io.ts";
import { pathFs, toPath } from "./_path_fs.ts";
import { refuseUnsettled } from "./_journal_path.ts";

export function withSyncFile<T>(
  target: Target,
  run: (file: FileLikeSync) => T,
): T {
  if (typeof target === "string" || target instanceof URL) {
    refuseUnsettled(toPath(target), "read");
    const file = pathFs().open(toPath(target), "read");
    try {
      return run(file);
    } finally {
      file.closeSync();
    }
  }
  if (isFileLikeSync(target)) return run(target);
  throw new TypeError(
    "Cannot read target: pass a path, a file: URL or a FileLikeSync",
  );
}

/**
 * Runs `run` on the target as a sync file when possible (paths and
 * `FileLikeSync`s), else on its async interface.
 *
 * @param target The target.
 * @param steps The algorithm.
 * @param mode How to open a path.
 * @returns What the algorithm returns.
 */
export function runOnTarget<T>(
  target: Target,
  steps: () => IoSteps<T>,
): Promise<T> {
  if (
    typeof target === "string" || target instanceof URL ||
    isFileLikeSync(target)
  ) {
    try {
      return Promise.resolve(withSyncFile(target, (f) => runSync(steps(), f)));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (isFileLike(target)) return runAsync(steps(), target as FileLike);
  return Promise.reject(
    new TypeError(
      "Cannot read target: pass a path, a file: URL, a FileLike or a FileLikeSync",
    ),
  );
}
