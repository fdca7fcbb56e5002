/**
 * Stop 20 (h5): a stack folder where a shard, `info` or the live shard is
 * a folder or a FIFO, not a file. Readers, the writer and `recoverStack`
 * threw a bare `TypeError` whose fix was "pass the path of a .npy file",
 * though the caller had passed the stack's folder. It is now an
 * `NpyFormatError` ("damaged-stack") naming the stack, the path and a fix
 * that works: move it out of the stack folder (and restore the shard);
 * nothing in the folder changes, and after the fix every row reads back.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const ROWS = Array.from({ length: 10 }, (_, i) => i);

function snapshot(dir: string): string {
  return readdirSync(dir).sort().map((name) => {
    const p = join(dir, name);
    return lstatSync(p).isFile()
      ? `${name}:${readFileSync(p).toString("hex")}`
      : `${name}:not a file`;
  }).join("\n");
}

/** Each case: the file replaced, and how. */
const CASES: Array<[string, string, "dir" | "fifo"]> = [
  ["a sealed shard that is a folder", "1.npy", "dir"],
  ["a sealed shard that is a FIFO", "1.npy", "fifo"],
  ["info that is a folder", "info", "dir"],
  ["info that is a FIFO", "info", "fifo"],
  ["a live shard that is a folder", "3.npy.part", "dir"],
];

for (const [name, file, kind] of CASES) {
  test(`${name}: NpyFormatError naming it, and the fix works`, async () => {
    const root = tempDir();
    const dir = join(root, "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
    w.append(Int32Array.from(ROWS));
    w.close();
    const path = join(dir, file);
    const saved = join(root, "saved");
    const had = readdirSync(dir).includes(file);
    if (had) renameSync(path, saved);
    if (kind === "dir") mkdirSync(path);
    else execFileSync("mkfifo", [path]);
    const before = snapshot(dir);
    const refused = (e: unknown) => {
      assert.ok(e instanceof NpyFormatError, String(e));
      assert.equal(e.code, "damaged-stack");
      assert.ok(e.message.includes(`"${path}" is a`), e.message);
      assert.match(e.message, /move it out of the stack folder/);
      return true;
    };
    const live = file.endsWith(".part");
    if (!live) {
      assert.throws(() => readNpyStackSync(dir), refused);
      await assert.rejects(NpyStackReader.open(dir), refused);
    }
    assert.throws(() => NpyStackWriterSync.open(dir), refused);
    assert.throws(() => recoverStackSync(dir), refused);
    assert.equal(snapshot(dir), before);
    // The fix: move it out of the folder (and put the shard back).
    rmSync(path, { recursive: true });
    if (had && file !== "info") renameSync(saved, path);
    if (file === "info") assert.deepEqual(recoverStackSync(dir), [10]);
    {
      using s = NpyStackWriterSync.open(dir);
      assert.deepEqual(s.shape, [10]);
    }
    assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], ROWS);
  });
}
