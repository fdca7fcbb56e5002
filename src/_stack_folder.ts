/**
 * Whether a stack's or group's folder is still the one its writer opened:
 * another program may move, remove or replace it while the writer holds
 * it.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import type { PathFs } from "./_path_fs.ts";
import { statPath } from "./_path_meta.ts";

/**
 * The identity (device and inode) of a stack's folder as a writer opens
 * it, for {@linkcode folderMoved}; `null` where the system gives none.
 */
export function folderId(dir: string): string | null {
  try {
    return statPath(dir, "open").id;
  } catch {
    return null;
  }
}

/**
 * Whether the folder at `dir` is no longer the one a writer opened (`id`,
 * from {@linkcode folderId}): another program moved, removed or replaced
 * it. A stack's live shard is written through its open file, which moves
 * with the folder, but sealed (renamed) and undone (cut) by path.
 */
export function folderMoved(
  fs: PathFs,
  dir: string,
  id: string | null,
): boolean {
  return id === null ? fs.kind(dir) !== "directory" : folderId(dir) !== id;
}

/**
 * The refusal of a stack or group writer whose folder moved
 * (`folderMoved`): `NpyFormatError` code `changed`, `what` saying what
 * became of the rows; `label` names the writer's folder (a stack by
 * default).
 */
export function movedFolderError(
  dir: string,
  verb: string,
  what: string,
  label = `the stack "${dir}"`,
  cause?: unknown,
): NpyFormatError {
  return new NpyFormatError(
    "changed",
    `another program moved, removed or replaced its folder while this writer held it; ${what}`,
    { file: dir, verb, label, ...(cause === undefined ? {} : { cause }) },
  );
}
