/**
 * Creating a file that must be new (`O_EXCL`: the lock's temporaries, a
 * writer's first append to a new path): since issue 17.2 (cold start) the
 * path layer no longer stats the path first for this mode, so whatever
 * took the name meanwhile (a FIFO, a folder, a dangling symlink, a file)
 * fails with `EEXIST` at once, is never opened or waited on, and keeps
 * every byte.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { pathFs } from "../src/_path_fs.ts";
import { tempDir } from "./_numpy.ts";

/** The things that can take a name, made at `path`; each returns a check that it is untouched. */
const TAKERS: Record<string, (path: string) => () => void> = {
  fifo(path) {
    assert.equal(spawnSync("mkfifo", [path]).status, 0);
    return () => assert.ok(lstatSync(path).isFIFO());
  },
  folder(path) {
    mkdirSync(path);
    writeFileSync(join(path, "inside"), "kept");
    return () =>
      assert.equal(readFileSync(join(path, "inside"), "utf8"), "kept");
  },
  "dangling symlink"(path) {
    symlinkSync(`${path}.nowhere`, path);
    return () => {
      assert.ok(lstatSync(path).isSymbolicLink());
      assert.equal(existsSync(`${path}.nowhere`), false);
    };
  },
  file(path) {
    writeFileSync(path, "theirs");
    return () => assert.equal(readFileSync(path, "utf8"), "theirs");
  },
};

describe("createNew: whatever holds the name fails with EEXIST, untouched", () => {
  for (const [what, make] of Object.entries(TAKERS)) {
    test(`the path layer, on a ${what}`, () => {
      const dir = tempDir();
      const path = join(dir, "x.npy");
      const untouched = make(path);
      assert.throws(() => pathFs().open(path, "createNew"), { code: "EEXIST" });
      untouched();
      assert.deepEqual(readdirSync(dir), ["x.npy"]);
    });

    test(`a writer's first append after a ${what} took the new path`, () => {
      const dir = tempDir();
      const path = join(dir, "late.npy");
      const npy = NpyAppendArraySync.open(path);
      const untouched = make(path);
      const started = Date.now();
      assert.throws(
        () => npy.append({ data: new Float64Array([1, 2]), shape: [1, 2] }),
        (e: unknown) => {
          assert.equal((e as { code?: string }).code, "EEXIST");
          assert.match(
            (e as Error).message,
            what === "dangling symlink"
              ? /^Cannot create ".*late\.npy": it is a symlink to a missing file/
              : /^Cannot create ".*late\.npy": another program created it after this writer was opened/,
          );
          return true;
        },
      );
      // At once: a FIFO is never opened, so nothing waits for a peer.
      assert.ok(Date.now() - started < 5000);
      npy.close();
      untouched();
      assert.equal(existsSync(`${path}.lock`), false);
    });
  }

  test("a writer opened on a dangling symlink locks the link's own name and refuses its first append", () => {
    const dir = tempDir();
    const link = join(dir, "link.npy");
    symlinkSync(join(dir, "target.npy"), link);
    const npy = NpyAppendArraySync.open(link);
    assert.deepEqual(readdirSync(dir).sort(), ["link.npy", "link.npy.lock"]);
    assert.throws(
      () => npy.append({ data: new Float64Array([1, 2]), shape: [1, 2] }),
      { code: "EEXIST", message: /is a symlink to a missing file/ },
    );
    npy.close();
    assert.deepEqual(readdirSync(dir), ["link.npy"]);
    assert.equal(existsSync(join(dir, "target.npy")), false);
  });

  test("a new path still becomes the writer's file", () => {
    const path = join(tempDir(), "new.npy");
    const npy = NpyAppendArraySync.open(path);
    npy.append({ data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] });
    npy.close();
    assert.deepEqual(readNpySync(path).shape, [2, 2]);
  });
});
