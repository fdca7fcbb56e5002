/**
 * Adversary round 13, paths of the wrong kind: a writer or `recover` of a
 * file in a folder where no file can be created. `/proc` and `/sys` files
 * are regular files (`stat` says so; `/proc/sys/vm/swappiness` is even
 * writable by root), but their folders take no new file, so the lock
 * beside them cannot be made. Nothing was changed, yet the error said
 * `ENOENT: no such file or directory, open '/proc/self/status.lock.<pid>.<token>.new'`
 * of a file that exists (`/proc`), or `EACCES` (`/sys`), naming a
 * temporary and no fix. Now the message says that the lock file cannot be
 * created in that folder and what to do; `code` is kept, and no byte
 * changes.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import {
  ensureAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
  recover,
  recoverSync,
} from "../mod.ts";

const FILES = [
  `/proc/${process.pid}/status`,
  "/proc/sys/vm/swappiness",
  "/sys/kernel/mm/transparent_hugepage/enabled",
].filter((f) => process.platform === "linux" && existsSync(f));

const CODES = ["ENOENT", "EACCES", "EPERM", "EROFS"];

function refused(verb: string, file: string): (e: unknown) => boolean {
  const dir = file.slice(0, file.lastIndexOf("/"));
  return (e) => {
    assert.ok(e instanceof Error, String(e));
    const code = (e as { code?: string }).code ?? "";
    assert.ok(CODES.includes(code), `code ${code}: ${e.message}`);
    assert.ok(
      e.message.startsWith(`Cannot ${verb} "${file}": `),
      e.message,
    );
    assert.ok(
      e.message.endsWith(
        `; the file is locked by creating "${file}.lock", which the folder "${dir}" does not allow: write the .npy file in a folder where this process may create files`,
      ),
      e.message,
    );
    return true;
  };
}

describe("adversary 13: a file in a folder that takes no lock file", {
  skip: FILES.length === 0 ? "no /proc or /sys here" : false,
}, () => {
  for (const file of FILES) {
    test(`${file}: writers and maintenance say why and what to do, no byte changed`, async () => {
      const before = readFileSync(file, "latin1");
      const calls: [string, () => unknown][] = [
        ["open", () => NpyAppendArraySync.open(file)],
        ["open", () => NpyAppendArraySync.open(file, { deleteIfExists: true })],
        ["open", () => NpyAppendArraySync.open(file, { atomic: true })],
        ["recover", () => recoverSync(file)],
        ["rewrite", () => ensureAppendableSync(file)],
      ];
      for (const [verb, call] of calls) {
        assert.throws(call, refused(verb, file));
      }
      await assert.rejects(
        NpyAppendArray.open(file, { deleteIfExists: true }),
        refused("open", file),
      );
      await assert.rejects(recover(file), refused("recover", file));
      // /proc/<pid>/status changes by itself (its memory counters): the
      // first line, the process's name, stays.
      const now = readFileSync(file, "latin1");
      if (file.endsWith("/status")) {
        assert.equal(now.split("\n")[0], before.split("\n")[0]);
      } else assert.equal(now, before);
    });
  }
});
