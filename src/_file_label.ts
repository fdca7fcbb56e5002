/**
 * How messages show a file: every error that names a file shows a path
 * quoted (`Cannot open "x.npy": ...`), and a file object as
 * `the file object`. Code keeps the raw path (a label) for paths and
 * shows it with {@linkcode showFile} only in messages.
 *
 * @module
 */

/** Label of a file object in messages. */
export const FILE_OBJECT_LABEL = "the file object";

/**
 * How a message shows a file: a path quoted as JSON (`"x.npy"`), a file
 * object as `the file object`.
 *
 * @param label The file's path, or `"the file object"`.
 * @returns The text for the message.
 */
export function showFile(label: string): string {
  return label === FILE_OBJECT_LABEL ? label : JSON.stringify(label);
}
