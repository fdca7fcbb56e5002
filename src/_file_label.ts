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

/**
 * The error for a small file read whole (a lock record) that holds `size`
 * bytes, more than `max`: a symlink to a data file, never read whole.
 *
 * @param path The file.
 * @param size Its size in bytes.
 * @param max The most bytes such a file takes.
 * @returns The error.
 */
export function tooLarge(path: string, size: number, max: number): TypeError {
  return new TypeError(
    `Cannot read ${
      showFile(path)
    }: it holds ${size} bytes, more than the ${max} such a file takes; remove it`,
  );
}
