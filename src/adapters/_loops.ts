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
 * Calls `step` until `length` bytes are written.
 *
 * @param length Bytes to write.
 * @param step Writes from offset `done` of the buffer; returns bytes
 * written.
 * @param stalled The error to throw when a step writes nothing; without
 * it, the loop asks again (a runtime whose call blocks until it can write).
 * @returns `length`.
 */
export function writeLoop(
  length: number,
  step: (done: number) => number,
  stalled?: (done: number) => Error,
): number {
  let done = 0;
  while (done < length) {
    const n = step(done);
    if (n <= 0 && stalled !== undefined) throw stalled(done);
    done += n;
  }
  return done;
}
