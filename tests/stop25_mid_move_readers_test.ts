/**
 * Stop 25 (h6): readers of a file whose data an in-place
 * `ensureAppendable` is moving. The move zeroes the magic's first byte
 * (`\x93NUMPY` reads `\0NUMPY`) so that NumPy refuses the file; a reader
 * that looked for the change record just before the move made it (a
 * reader in another process, between its look and its header read) found
 * the spoilt byte and said "not a .npy file: the magic string is missing"
 * (code `bad-magic`), advice to give the file up, and `needsRecovery`
 * threw instead of answering `true`. The same for a copy of the file
 * (bytes in a `MemoryFile`). Every reader now says a move is under way
 * (or was killed) and to run `recover` on the file's path (code
 * `needs-recovery`); `needsRecovery` answers `true`.
 *
 * The race is made exact: a child killed in the middle of the move leaves
 * the file with its byte zeroed and its record; the record is set aside
 * while the readers run (what a reader sees that looked before the move
 * made it) and put back for `recover`, which finishes the move.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  inspectNpySync,
  isAppendableSync,
  MemoryFile,
  needsRecoverySync,
  NpyFormatError,
  NpyReader,
  readNpy,
  readNpyRecordsSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";
import { runKilledAt } from "./_kill_at.ts";
import { cli } from "./_cli_run.ts";

const [EXE, PRE] = scriptCommand(
  new URL("./_journal_child.ts", import.meta.url),
);
const CHILD: [string, string[]] = [EXE, [...PRE, "killat"]];

/** A file killed in the middle of its in-place move (byte 0 zeroed). */
function killedMidMove(dir: string): string {
  for (let n = 1; n < 200; n++) {
    const path = join(dir, `${n}.npy`);
    writeFileSync(path, oldNpyBytes(ramp(5000)));
    if (runKilledAt(CHILD, n, "shift", path).through) break;
    if (existsSync(`${path}.journal`) && readFileSync(path)[0] === 0) {
      return path;
    }
  }
  throw new Error("no kill left the move under way");
}

function movingError(e: unknown): boolean {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "needs-recovery", e.message);
  assert.match(e.message, /in-place rewrite/);
  assert.match(e.message, /recover/);
  assert.doesNotMatch(e.message, /not a \.npy file/);
  return true;
}

test("readers that looked for the record just before the move made it: 'a move is under way, run recover', never 'not a .npy file'", numpyTestOptions(), async () => {
  const dir = tempDir();
  try {
    const path = killedMidMove(dir);
    const bytes = readFileSync(path);
    renameSync(`${path}.journal`, `${path}.aside`);
    try {
      assert.throws(() => readNpySync(path), movingError);
      await assert.rejects(readNpy(path), movingError);
      assert.throws(() => NpyReader.openSync(path), movingError);
      assert.throws(() => inspectNpySync(path), movingError);
      assert.throws(() => readNpyRecordsSync(path), movingError);
      assert.throws(() => isAppendableSync(path), movingError);
      assert.equal(needsRecoverySync(path), true);
      const info = cli(["info", path]);
      assert.notEqual(info.code, 0);
      assert.match(info.stderr, /in-place rewrite/);
      assert.doesNotMatch(info.stderr, /not a \.npy file/);
      // A copy of the file's bytes: the same words.
      assert.throws(() => readNpySync(new MemoryFile(bytes)), movingError);
      assert.equal(needsRecoverySync(new MemoryFile(bytes)), true);
      // Nothing was changed by the readers.
      assert.deepEqual(readFileSync(path), bytes);
    } finally {
      renameSync(`${path}.aside`, `${path}.journal`);
    }
    recoverSync(path);
    assert.equal(existsSync(`${path}.journal`), false);
    assert.deepEqual(readNpySync(path).data, ramp(5000));
    assert.deepEqual(npLoadJson(path).values, [...ramp(5000)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
