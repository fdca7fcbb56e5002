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
 * What an adapter wraps (an OPFS access handle, a `Deno.FsFile`, a Node
 * `FileHandle`, a descriptor's key): two adapters over one handle are one
 * file object to hold.
 */
const wraps = new WeakMap<object, object>();

/** One key object per (fs module, descriptor) pair, for `NodeFile`s. */
const descriptors = new WeakMap<object, Map<number, object>>();

/**
 * Records that `adapter` wraps `inner`, so that a writer holding one
 * adapter over it holds every other (see {@linkcode holdFileObject}).
 *
 * @param adapter The library's adapter (`OpfsFile`, `DenoFile` ...).
 * @param inner The handle or file it wraps.
 */
export function heldAs(adapter: object, inner: object): void {
  wraps.set(adapter, inner);
}

/**
 * The key object of descriptor `fd` of the fs module `fs` (a `NodeFile`
 * wraps a number): the same object for the same pair.
 *
 * @param fs The fs module (or the caller's stand-in for it).
 * @param fd The descriptor.
 * @returns The key.
 */
export function descriptorKey(fs: object, fd: number): object {
  let byFd = descriptors.get(fs);
  if (byFd === undefined) descriptors.set(fs, byFd = new Map());
  let key = byFd.get(fd);
  if (key === undefined) byFd.set(fd, key = { fd });
  return key;
}

/**
 * Holds `object` (what it wraps, for an adapter: see {@linkcode heldAs})
 * for a writer (or `recover`) until the returned function is called.
 *
 * @param object The caller's file object.
 * @param verb What is done, for the message (`"open"`, `"recover"`).
 * @returns Releases the hold (once; later calls do nothing).
 * @throws {NpyLockedError} another writer or recover of this process holds
 * `object`, or another adapter over the same handle.
 */
export function holdFileObject(object: object, verb: string): () => void {
  const file = wraps.get(object) ?? object;
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
