/**
 * Cold start (issue 17.2): the first open, append and close of a process
 * load nothing slow that they do not need. On Deno the path layer uses
 * Deno's own calls, never `process` (whose first use loads the Node
 * compatibility layer, 10 to 80 ms with `node:fs`); on every runtime the
 * lock token needs no `crypto` (Node loads its Web Crypto module at the
 * first use). A file read and written at many scattered positions moves to
 * `node:fs` positioned calls on Deno: the bytes stay right across the move.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyReader, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(new URL("./_cold_child.ts", import.meta.url));

/** Runs the child; the watched globals it reports. */
function child(mode: string, path: string): string[] {
  const r = spawnSync(CHILD[0], [...CHILD[1], mode, path], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  assert.ok(line !== undefined, r.stdout);
  return (JSON.parse(line) as { touched: string[] }).touched;
}

describe("cold start: a fresh process loads nothing slow it does not need", () => {
  test("open + append + close of a new file, then of the same file, then a read", () => {
    const dir = tempDir();
    const path = join(dir, "cold.npy");
    assert.deepEqual(child("new", path), [], "new file");
    let a = readNpySync(path);
    assert.deepEqual(a.shape, [1000, 3]);
    assert.deepEqual(
      [...(a.data as Float64Array).subarray(2995)],
      [2995, 2996, 2997, 2998, 2999],
    );
    assert.deepEqual(child("again", path), [], "existing file");
    a = readNpySync(path);
    assert.deepEqual(a.shape, [1001, 3]);
    assert.deepEqual([...(a.data as Float64Array).subarray(3000)], [0, 1, 2]);
    assert.deepEqual(child("read", path), [], "read");
    // No lock file, no temporary left.
    assert.deepEqual(readdirSync(dir), ["cold.npy"]);
  });
});

describe("scattered reads and writes of one file (on Deno: node:fs after many)", () => {
  const ROWS = 3000; // header rewritten after each: 6000 scattered writes

  test("3000 one-row appends with the header rewritten: every row right", () => {
    const path = join(tempDir(), "rows.npy");
    const npy = NpyAppendArraySync.open(path);
    for (let i = 0; i < ROWS; i++) {
      npy.append({ data: new Float64Array([i, -i]), shape: [1, 2] });
    }
    npy.close();
    const a = readNpySync(path);
    assert.deepEqual(a.shape, [ROWS, 2]);
    const d = a.data as Float64Array;
    for (let i = 0; i < ROWS; i++) {
      assert.equal(d[2 * i], i);
      assert.equal(d[2 * i + 1], -i);
    }
  });

  test("3000 random single-row reads: every row right", () => {
    const path = join(tempDir(), "random.npy");
    const npy = NpyAppendArraySync.open(path);
    npy.append({
      data: new Float64Array(2 * ROWS).map((_, i) => i),
      shape: [ROWS, 2],
    });
    npy.close();
    const reader = NpyReader.openSync(path);
    try {
      for (let k = 0; k < ROWS; k++) {
        const i = (k * 7919) % ROWS;
        const row = reader.readSync(i, i + 1).data as Float64Array;
        assert.deepEqual([...row], [2 * i, 2 * i + 1], `row ${i}`);
      }
    } finally {
      reader.closeSync();
    }
  });

  test("a file renamed away while written keeps taking the rows", () => {
    const dir = tempDir();
    const path = join(dir, "moved.npy");
    const moved = join(dir, "elsewhere.npy");
    const npy = NpyAppendArraySync.open(path);
    npy.append({ data: new Float64Array([0, 0]), shape: [1, 2] });
    // The writer's descriptor follows the file, not the name: a move
    // to node:fs would have to reopen the name, which now is missing.
    renameSync(path, moved);
    for (let i = 1; i < ROWS; i++) {
      npy.append({ data: new Float64Array([i, -i]), shape: [1, 2] });
    }
    npy.close();
    const a = readNpySync(moved);
    assert.deepEqual(a.shape, [ROWS, 2]);
    assert.equal((a.data as Float64Array)[2 * (ROWS - 1)], ROWS - 1);
  });
});
