/**
 * Adversary round 11, a writer's path that ends in a separator (`o.npy/`,
 * a typo or a shell completion): a name for a folder, not a file.
 *
 * Found before the fix, on Deno, Bun and Node: `open` took the lock of
 * `o.npy` (`o.npy/` and `o.npy` share `o.npy.lock`) and succeeded; the
 * first `append` then failed with the system's "EISDIR: illegal operation
 * on a directory" (a plain `Error`, no fix), or, for an `atomic` writer,
 * "ENOENT ... open 'o.npy/.journal.new'" naming a file the caller never
 * passed; meanwhile the writer still held the lock, so `open("o.npy")` in
 * the same process failed with `NpyLockedError` until it was closed. The
 * command line said the same (`from-csv a.csv o.npy/`). Now `open`
 * refuses the name at once with a `TypeError` naming the fix, taking no
 * lock and creating nothing.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArray, NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

function refused(path: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof TypeError, String(e));
    assert.equal(
      e.message,
      `Cannot open "${path}": the path ends in "/", so it names a folder, not a file; remove the trailing "/"`,
    );
    return true;
  };
}

describe("adversary 11: a writer's path ending in a separator", () => {
  for (const atomic of [false, true]) {
    test(`a missing o.npy/ (atomic: ${atomic}): a TypeError at open, no lock kept`, async () => {
      const dir = tempDir();
      const slash = join(dir, "o.npy") + "/";
      assert.throws(
        () => NpyAppendArraySync.open(slash, { atomic }),
        refused(slash),
      );
      await assert.rejects(
        NpyAppendArray.open(slash, { atomic, dtype: "<f8" }),
        refused(slash),
      );
      assert.deepEqual(readdirSync(dir), []);
      // No lock held by a half-open writer: the plain name opens.
      const w = NpyAppendArraySync.open(join(dir, "o.npy"), { atomic });
      w.append([[1, 2]]);
      w.close();
      assert.deepEqual(readNpySync(join(dir, "o.npy")).shape, [1, 2]);
      assert.deepEqual(readdirSync(dir), ["o.npy"]);
    });
  }

  test("an existing file's name with a / after it: refused, the file unchanged", async () => {
    const dir = tempDir();
    const path = join(dir, "x.npy");
    const w = NpyAppendArraySync.open(path);
    w.append([[1, 2]]);
    w.close();
    const before = readFileSync(path);
    assert.throws(
      () => NpyAppendArraySync.open(path + "/", { deleteIfExists: true }),
      refused(path + "/"),
    );
    await assert.rejects(
      NpyAppendArray.open(path + "/", { deleteIfExists: true }),
      refused(path + "/"),
    );
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ["x.npy"]);
  });

  test("the command line: from-csv and concat into o.npy/ exit 1, naming the fix", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.csv"), "1,2\n3,4\n");
    const w = NpyAppendArraySync.open(join(dir, "x.npy"));
    w.append([[1, 2]]);
    w.close();
    for (const args of [["from-csv", "a.csv"], ["concat"]]) {
      const out = args[0] === "concat"
        ? [...args, "o.npy/", "x.npy"]
        : [...args, "o.npy/"];
      const r = cli(out, { cwd: dir, timeout: 20_000, allPermissions: true });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        // A relative path is named resolved (adversary round 13).
        `npy-append-array: Cannot open "${dir}/o.npy/": the path ends in "/", so it names a folder, not a file; remove the trailing "/"\n`,
      );
      assert.deepEqual(readdirSync(dir).sort(), ["a.csv", "x.npy"]);
    }
  });
});
