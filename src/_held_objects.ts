/**
 * The in-process hold on file objects: a caller's `FileLike` or
 * `FileLikeSync` has no lock file (it may live in memory, in a browser's
 * storage), so two writers given the same object in one process each kept
 * their own end of the data and header, the second's rows overwritten by
 * the first's and lost though acknowledged. A writer (and `recover`)
 * holds its object here from open to close; a second one is refused.
 *
 * @module
 */

import { NpyLockedError } from "./errors.ts";
import { FILE_OBJECT_LABEL } from "./_file_label.ts";

/** File objects held by a writer or a recover of this process. */
const held = new WeakSet<object>();

/**
 * Holds `file` for a writer (or `recover`) until the returned function is
 * called.
 *
 * @param file The caller's file object.
 * @param verb What is done, for the message (`"open"`, `"recover"`).
 * @returns Releases the hold (once; later calls do nothing).
 * @throws {NpyLockedError} another writer or recover of this process holds
 * `file`.
 */
export function holdFileObject(file: object, verb: string): () => void {
  if (held.has(file)) {
    throw new NpyLockedError(
      `Cannot ${verb} ${FILE_OBJECT_LABEL}: this process holds it (another writer or maintenance call on this same object: two writers on one object overwrite each other's rows); close that first, or append through it`,
      { path: FILE_OBJECT_LABEL, lockPath: "", holder: "this process" },
    );
  }
  held.add(file);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    held.delete(file);
  };
}
