/**
 * Each reader's {@linkcode RowSource}, for what other modules ask of the
 * file a reader opened: its header's shape and its device and inode.
 *
 * @module
 */

import type { RowSource } from "./_row_source.ts";

/** Each reader's source, for {@linkcode openedIdentity}. */
const sources = new WeakMap<object, RowSource>();

/** Notes `src` as `owner`'s (a reader), for {@linkcode openedIdentity}. */
export function noteSource(owner: object, src: RowSource): void {
  sources.set(owner, src);
}

/**
 * The shape `owner`'s (a reader's) header states, rows as the header
 * counts them whatever the file's size (a sealed shard's rows).
 */
export function headerShape(owner: object): readonly number[] | undefined {
  return sources.get(owner)?.layout.header.shape;
}

/**
 * The device and inode of the file `owner` (a reader) opened from a path
 * (`fstat` of its descriptor); `null` for a file object or where the
 * runtime cannot tell.
 */
export function openedIdentity(owner: object): string | null {
  const f = sources.get(owner)?.sync as
    | { identity?: () => string | null }
    | null
    | undefined;
  return f?.identity?.() ?? null;
}
