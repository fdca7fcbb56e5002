/**
 * The mark of a file whose data an in-place `ensureAppendable` is moving
 * (`shiftInPlace` in `_journal.ts`): the magic's first byte (`0x93`)
 * zeroed, so that NumPy refuses the file ("the magic string is not
 * correct") instead of reading moved bytes as rows. The header written at
 * the move's end, or settling its change record, puts the byte back. An
 * `atomic` writer's new file has it too until `close()` writes the header
 * (`unborn` in `_journal_commit.ts`): NumPy refuses it, as no file was there.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";

/** What the move writes over byte 0 while the data moves. */
export const MOVING: Uint8Array = new Uint8Array([0]);

/** `NUMPY`, the magic's bytes after the first. */
const REST = [0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Throws the refusal of a file marked as moving (`\0NUMPY` and a known
 * version): a reader that looked for the change record just before the
 * move made it, or a copy of such a file, reads it so. Not "not a .npy
 * file": the file is whole again once the move ends or `recover` finishes
 * it.
 *
 * @param preamble The file's first bytes (at least 8).
 * @throws {NpyFormatError} `needs-recovery` when they are marked.
 */
export function refuseMoving(preamble: Uint8Array): void {
  if (
    preamble[0] !== MOVING[0] || !REST.every((b, i) => preamble[i + 1] === b) ||
    !(preamble[6]! >= 1 && preamble[6]! <= 3 && preamble[7] === 0)
  ) return;
  throw new NpyFormatError(
    "needs-recovery",
    'its magic string reads "\\x00NUMPY": an in-place rewrite (ensureAppendable with inplace: true) is moving its data, or was killed doing it, and zeroes that byte meanwhile (as an atomic writer does in a file it creates, until its close()); wait for it to end, or run recover on the file\'s path: its change record "<file>.journal" beside it holds the move\'s progress, and recover finishes the move and puts the byte back. A copy of the file taken meanwhile needs that record copied beside it too (from the same moment): without it the moved and unmoved bytes cannot be told apart, so nothing reads or changes the copy; recover the original instead and copy it again',
  );
}
