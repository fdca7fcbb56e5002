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
import process from "node:process";
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

test(
  "readers that looked for the record just before the move made it: 'a move is under way, run recover', never 'not a .npy file'",
  numpyTestOptions(),
  async () => {
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
  },
);

/**
 * Runs `run` with `act` done just before the first read of `bytes` bytes
 * (a whole read's data, after its header) by this process (node:fs and,
 * on Deno, `Deno.FsFile`).
 */
function beforeReadOf(bytes: number, act: () => void, run: () => void): void {
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    unknown
  >;
  const deno = (globalThis as unknown as {
    Deno?: { FsFile: { prototype: Record<string, unknown> } };
  }).Deno;
  const owners: Array<[Record<string, unknown>, string, number]> = [
    [fs, "readSync", 1],
  ];
  if (deno !== undefined) owners.push([deno.FsFile.prototype, "readSync", 0]);
  let fired = false;
  const saved = owners.map(([o, k]) => o[k]);
  for (const [owner, name, at] of owners) {
    const real = owner[name] as (...a: unknown[]) => unknown;
    owner[name] = function (this: unknown, ...args: unknown[]) {
      const buf = args[at] as Uint8Array | undefined;
      const len = typeof args[at + 2] === "number"
        ? args[at + 2] as number
        : buf?.byteLength;
      if (!fired && len === bytes) {
        fired = true;
        act();
      }
      return real.apply(this, args);
    };
  }
  try {
    run();
  } finally {
    owners.forEach(([o, k], i) => (o[k] = saved[i]));
  }
  assert.ok(fired, "the data read was not seen");
}

test(
  "readNpy whose data read comes after another process's in-place move began: an error, never moved bytes as values",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const sample = killedMidMove(dir);
      // The kill point that left the file's data moved under its old header.
      const n = Number(sample.slice(sample.lastIndexOf("/") + 1, -4));
      let tried = 0;
      for (let k = n; k < n + 16 && tried < 2; k++) {
        const path = join(dir, `r${k}.npy`);
        writeFileSync(path, oldNpyBytes(ramp(5000)));
        let moved = false;
        let got: unknown = null;
        beforeReadOf(20000, () => {
          const before = readFileSync(path);
          runKilledAt(CHILD, k, "shift", path);
          // Data moved under the old header: the rows' bytes differ.
          moved = existsSync(`${path}.journal`) &&
            !readFileSync(path).subarray(80, 20080).equals(
              before.subarray(80, 20080),
            );
        }, () => {
          try {
            got = readNpySync(path).data;
          } catch (e) {
            got = e;
          }
        });
        if (!moved) continue;
        tried++;
        if (got instanceof Error) movingError(got);
        else assert.deepEqual(got, ramp(5000), `kill ${k}: moved bytes read`);
        recoverSync(path);
        assert.deepEqual(readNpySync(path).data, ramp(5000));
      }
      assert.ok(tried > 0, "no kill left a move under way");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
