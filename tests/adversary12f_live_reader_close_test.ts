/**
 * Adversary 12f: round 12 made readers opened beside a live writer keep to
 * the header instead of calling the file one that needs recovery. But the
 * lock is looked at after the file's size: a writer that finished its
 * append and closed in between (one `with NpyAppendArray(f)` block per
 * batch, as the Python package is used) left no lock, so the reader
 * judged the bytes past its (old) header a crash: 9 of 260 `readNpySync`
 * calls beside such a writer were refused with "call recover". Now a
 * reader that finds no live writer reads the header again, and starts over
 * when it moved. A file with bytes past its header and no writer (a
 * killed one) is still refused.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  type NpyArray,
  NpyFormatError,
  NpyReader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";

const CHILD = new URL("./_adversary12f_close_loop_child.ts", import.meta.url);
const WIDTH = 512;

/** Row `i` of a read holds `i` in every column. */
function checkRows(a: NpyArray): void {
  assert.equal(a.shape[1], WIDTH);
  const d = a.data as Float64Array;
  for (let i = 0; i < a.shape[0]!; i++) {
    assert.equal(d[i * WIDTH], i);
    assert.equal(d[i * WIDTH + WIDTH - 1], i);
  }
}

function emptyFile(): string {
  const path = join(tempDir(), "x.npy");
  using w = NpyAppendArraySync.open(path, { dtype: "<f8" });
  w.append({ data: new Float64Array(0), shape: [0, WIDTH] });
  return path;
}

test(
  "readers beside a writer that opens, appends one row and closes, in a loop",
  { timeout: 240_000 },
  async () => {
    const path = emptyFile();
    const [cmd, args] = scriptCommand(CHILD);
    const child = spawn(cmd, [...args, path, "4000"], { stdio: "inherit" });
    let running = true;
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        running = false;
        resolve(code);
      })
    );
    const refused: string[] = [];
    let reads = 0;
    const readers: (() => Promise<NpyArray> | NpyArray)[] = [
      () => readNpySync(path),
      () => readNpy(path),
      () => {
        using r = NpyReader.openSync(path);
        return r.readSync();
      },
      async () => {
        await using r = await NpyReader.open(path);
        return await r.read();
      },
    ];
    while (running) {
      try {
        checkRows(await readers[reads % readers.length]!());
      } catch (e) {
        if (!(e instanceof NpyFormatError)) throw e;
        refused.push(e.message);
      }
      reads++;
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal(await exited, 0);
    assert.ok(reads > 50, `only ${reads} reads`);
    assert.deepEqual(refused, [], `${refused.length} of ${reads} refused`);
    checkRows(readNpySync(path));
    assert.equal(readNpySync(path).shape[0], 4000);
  },
);

test("bytes past the header with no writer are still refused", async () => {
  const path = emptyFile();
  {
    using w = NpyAppendArraySync.open(path);
    w.append({ data: new Float64Array(WIDTH), shape: [1, WIDTH] });
  }
  appendFileSync(path, new Uint8Array(WIDTH * 8));
  const needsRecovery = (e: unknown) => {
    assert.ok(e instanceof NpyFormatError, String(e));
    assert.match(e.message, /call recover/);
    assert.ok(e.message.includes(JSON.stringify(path)), e.message);
    return true;
  };
  assert.throws(() => readNpySync(path), needsRecovery);
  await assert.rejects(readNpy(path), needsRecovery);
  assert.throws(() => NpyReader.openSync(path), needsRecovery);
  await assert.rejects(NpyReader.open(path), needsRecovery);
});
