/**
 * The read and write loops every adapter runs over its runtime's call
 * (which may move fewer bytes than asked): one place for "read until full
 * or at the end" and "write until all is written".
 *
 * @module
 */

/**
 * Calls `step` until `length` bytes are read or it reads nothing (the end).
 *
 * @param length Bytes wanted.
 * @param step Reads at offset `done` of the buffer (and `done` bytes past
 * the start position); returns bytes read, `0` or `null` at the end.
 * @returns Bytes read in all.
 */
export function readLoop(
  length: number,
  step: (done: number) => number | null,
): number {
  let done = 0;
  while (done < length) {
    const n = step(done);
    if (n === null || n <= 0) break;
    done += n;
  }
  return done;
}

/**
 * The error of a write call that wrote nothing of what was left (a file
 * system that takes no more bytes, such as a failing network or FUSE
 * mount): `code` `"EIO"`, so the path layer names the file. Without it a
 * loop would ask again forever.
 *
 * @param position Where the bytes left were to go (byte offset).
 * @param left How many bytes were left.
 * @returns The error.
 */
export function wroteNothing(position: number, left: number): Error {
  const e = new Error(
    `EIO: the file system wrote none of the ${left} bytes at byte ${position}; check the disk, then write again`,
  );
  (e as Error & { code: string }).code = "EIO";
  return e;
}

/**
 * Calls `step` until `length` bytes are written.
 *
 * @param length Bytes to write.
 * @param step Writes from offset `done` of the buffer; returns bytes
 * written.
 * @param stalled The error to throw when a step writes nothing (see
 * {@linkcode wroteNothing}), given the bytes written before.
 * @returns `length`.
 * @throws the `stalled` error when a step writes nothing.
 */
export function writeLoop(
  length: number,
  step: (done: number) => number,
  stalled: (done: number) => Error,
): number {
  let done = 0;
  while (done < length) {
    const n = step(done);
    if (!(n > 0)) throw stalled(done);
    done += n;
  }
  return done;
}
