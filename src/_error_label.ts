/**
 * Naming the file in errors about its contents: the header codec does not
 * know which file it reads, so the functions that open one name it, by
 * making a new {@linkcode NpyFormatError} from the old one's parts (code and
 * reason), the old one kept as its cause. No message text is edited.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";

export { FILE_OBJECT_LABEL, showFile } from "./_file_label.ts";

/**
 * Runs `run`; an {@linkcode NpyFormatError} it throws that names no file is
 * thrown again naming `label` (see {@linkcode withFileName}).
 *
 * @param verb What was being done, such as `"read"` or `"open"`.
 * @param label The file's name, or `"the file object"`.
 * @param run The work.
 * @returns What `run` returns.
 */
export function namingFile<T>(verb: string, label: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw withFileName(e, verb, label);
  }
}

/**
 * The error to throw instead of `e`: an {@linkcode NpyFormatError} that
 * names no file becomes one with the same code and reason that does
 * (`Cannot <verb> <label>: <reason>`, `e` as its cause); anything else,
 * or one that already names its file, is returned unchanged.
 *
 * @param e The error.
 * @param verb What was being done.
 * @param file The file's name, or `"the file object"`.
 * @param label How the message shows the file, if not as `file`.
 * @returns The error to throw.
 */
export function withFileName(
  e: unknown,
  verb: string,
  file: string,
  label?: string,
): unknown {
  if (!(e instanceof NpyFormatError) || e.file !== undefined) return e;
  return new NpyFormatError(e.code, e.reason, { file, verb, label, cause: e });
}
