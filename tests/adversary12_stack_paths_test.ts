/**
 * Adversary round 12: "Misuse throws `TypeError` ... Messages name the file
 * and the fix." The stack readers on a path that is not a folder threw a
 * plain `Error` with the runtime's `ENOTDIR: not a directory, readdir`; they
 * now refuse it as `recoverStack` and the writers do, naming the file and
 * the fix, and leave it untouched.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  NpyStackReader,
  readNpyStack,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const calls: [string, (p: string | URL) => unknown][] = [
  ["NpyStackReader.open", (p) => NpyStackReader.open(p)],
  ["NpyStackReader.openSync", (p) => NpyStackReader.openSync(p)],
  ["readNpyStack", (p) => readNpyStack(p)],
  ["readNpyStackSync", (p) => readNpyStackSync(p)],
  ["recoverStackSync", (p) => recoverStackSync(p)],
];

for (const [name, call] of calls) {
  test(`${name} on a regular file, a file: URL of one, a FIFO`, async () => {
    const dir = tempDir();
    const file = join(dir, "x.npy");
    const bytes = new Uint8Array([0x93, 78, 85, 77, 80, 89, 1, 0, 1, 2, 3]);
    writeFileSync(file, bytes);
    const fifo = join(dir, "pipe");
    const made = spawnSync("mkfifo", [fifo]).status === 0;
    const targets: [string | URL, string, RegExp][] = [
      [file, file, /it is a regular file, not a folder/],
      [pathToFileURL(file), file, /it is a regular file, not a folder/],
    ];
    if (made) targets.push([fifo, fifo, /it is a FIFO \(named pipe\)/]);
    for (const [target, path, what] of targets) {
      await assert.rejects(
        async () => await call(target),
        (e: Error) => {
          assert.equal(e.name, "TypeError", e.message);
          assert.ok(e.message.includes(`"${path}"`), e.message);
          assert.match(e.message, what);
          assert.match(e.message, /pass a folder path$/);
          return true;
        },
      );
    }
    assert.deepEqual(new Uint8Array(readFileSync(file)), bytes);
  });
}
