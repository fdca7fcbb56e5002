/**
 * Adversary round 6, hostile group folders: a `group.json` that is not a
 * regular file. A FIFO there made every group entry point (reader, writer,
 * `recoverGroup`) wait for ever for a writer to the pipe; a folder or a
 * symlink loop there gave the runtime's bare `EISDIR`/`ELOOP`, naming
 * neither the group nor the fix. `group.json` is now read through the path
 * layer, as a stack's `info` is: a `TypeError` naming it and the fix, at
 * once, nothing changed.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  recoverGroupSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function group(): string {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { a: "<f8", b: "<i4" },
  });
  w.append({ a: new Float64Array([1, 2]), b: new Int32Array([3, 4]) });
  w.close();
  return dir;
}

const ENTRY_POINTS: [string, (dir: string) => unknown][] = [
  ["NpyGroupReader.open", (dir) => NpyGroupReader.open(dir)],
  [
    "NpyGroupWriterSync.open",
    (dir) => NpyGroupWriterSync.open(dir, { members: { a: "<f8", b: "<i4" } }),
  ],
  [
    "NpyGroupWriter.open",
    (dir) => NpyGroupWriter.open(dir, { members: { a: "<f8", b: "<i4" } }),
  ],
  ["recoverGroupSync", (dir) => recoverGroupSync(dir)],
];

async function refused(
  dir: string,
  message: RegExp,
): Promise<void> {
  const members = ["a.npy", "b.npy"].map((f) => readFileSync(join(dir, f)));
  for (const [name, run] of ENTRY_POINTS) {
    const t0 = Date.now();
    await assert.rejects(
      (async () => await run(dir))(),
      (e: unknown) => {
        assert.ok(e instanceof TypeError, `${name}: ${e}`);
        assert.ok(e.message.includes(JSON.stringify(join(dir, "group.json"))));
        assert.match(e.message, message);
        return true;
      },
      name,
    );
    assert.ok(Date.now() - t0 < 2000, `${name} took ${Date.now() - t0} ms`);
  }
  ["a.npy", "b.npy"].forEach((f, i) =>
    assert.deepEqual(readFileSync(join(dir, f)), members[i])
  );
}

describe("adversary 6: a group.json that is not a regular file", () => {
  test("a FIFO: refused at once, never waiting for a writer", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX only");
    const dir = group();
    const json = join(dir, "group.json");
    rmSync(json);
    assert.equal(spawnSync("mkfifo", [json]).status, 0);
    // A writer that lets a reader that waits go after 3 s (so a failure
    // is a slow test, not a hung one); it waits for a reader for ever.
    const writer = spawn("sh", ["-c", `sleep 3 > '${json}'`], {
      stdio: "ignore",
    });
    try {
      await refused(
        dir,
        /is a FIFO \(named pipe\), not a regular file; move it out of the folder, then recoverGroup/,
      );
      assert.ok(statSync(json).isFIFO());
    } finally {
      writer.kill("SIGKILL");
    }
  });

  test("a folder: TypeError naming it", async () => {
    const dir = group();
    rmSync(join(dir, "group.json"));
    mkdirSync(join(dir, "group.json"));
    await refused(
      dir,
      /is a directory, not a regular file; move it out of the folder, then recoverGroup/,
    );
  });

  test("a symlink loop: TypeError naming it and the fix", async (t) => {
    if (process.platform === "win32") return t.skip("POSIX only");
    const dir = group();
    const json = join(dir, "group.json");
    rmSync(json);
    symlinkSync(json, json);
    await refused(
      dir,
      /ELOOP.*a symbolic link on the path leads back to itself/,
    );
  });
});
