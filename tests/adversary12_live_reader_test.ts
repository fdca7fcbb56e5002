/**
 * Adversary round 12: a reader opened on a file while a writer in another
 * process (any runtime) is appending to it. A writer writes an append's
 * data before the header that covers it, so most of the time the file
 * holds more bytes than its header counts. `NpyReader.open` and `readNpy`
 * refused such a file as one that needs recovery ("call recover, or pass
 * allowIncomplete: true"): in a run of a reader opening a file a Deno
 * writer was appending to, 403 of 513 opens failed, so a reader could not
 * start following a live log (README: "a reader following a live file")
 * and `readNpy` of a live file mostly failed, where `np.load` reads it.
 * Now a reader of a path whose lock a live writer holds keeps to the
 * header, as `refresh()` does: whole acknowledged rows only. Without a
 * live holder (the writer was killed) the file is refused as before.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyGroupWriterSync,
  NpyReader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";
import { holdInChild, LOCK_CHILD, otherRuntime } from "./_lock_holder.ts";

/** Children start other runtimes through npx: Bun gives a test 5 s unless told. */
const SLOW = { timeout: 120_000 };

/** Every reader entry point on `path`: the shape and values each reports. */
async function readAll(path: string): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const r = await NpyReader.open(path);
  out.push(["NpyReader.open", [r.shape, [
    ...(await r.read()).data as Float64Array,
  ]]]);
  await r.close();
  const s = NpyReader.openSync(path);
  out.push(["NpyReader.openSync", [s.shape, [
    ...s.readSync().data as Float64Array,
  ]]]);
  s.closeSync();
  const a = await readNpy(path);
  out.push(["readNpy", [a.shape, [...a.data as Float64Array]]]);
  const b = readNpySync(path);
  out.push(["readNpySync", [b.shape, [...b.data as Float64Array]]]);
  return out;
}

/** An append in progress: data past the header (one whole row, half a row). */
function appendInProgress(path: string): void {
  appendFileSync(path, new Uint8Array(new Float64Array([8, 8, 9]).buffer));
}

for (const who of ["same runtime", "other runtime"] as const) {
  test(
    `readers of a file a live writer (${who}) is appending to keep to its header`,
    SLOW,
    async () => {
      const dir = tempDir();
      const path = join(dir, "live.npy");
      const cmd = who === "same runtime"
        ? scriptCommand(LOCK_CHILD)
        : otherRuntime().cmd;
      const holder = await holdInChild(cmd, path);
      try {
        appendInProgress(path);
        for (const [name, got] of await readAll(path)) {
          assert.deepEqual(got, [[1, 2], [7, 7]], name);
        }
        // Asked for, the whole rows the data holds, as before.
        const all = readNpySync(path, { allowIncomplete: true });
        assert.deepEqual(all.shape, [2, 2]);
        assert.deepEqual([...all.data as Float64Array], [7, 7, 8, 8]);
        using r = NpyReader.openSync(path, { allowIncomplete: true });
        assert.equal(r.length, 2);
      } finally {
        await holder.kill();
      }
      // The holder is gone: the same bytes are a file that needs recovery.
      await assert.rejects(
        () => readNpy(path),
        (e) => e instanceof NpyFormatError && e.code === "needs-recovery",
      );
      assert.throws(
        () => NpyReader.openSync(path),
        (e) => e instanceof NpyFormatError && e.code === "needs-recovery",
      );
    },
  );
}

test("a reader of a group member while the group writer holds it keeps to the header", async () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, { members: { a: "<f8" } });
  try {
    w.append({ a: { data: new Float64Array([7, 7]), shape: [1, 2] } });
    const path = join(dir, "a.npy");
    assert.ok(existsSync(path));
    appendInProgress(path);
    for (const [name, got] of await readAll(path)) {
      assert.deepEqual(got, [[1, 2], [7, 7]], name);
    }
  } finally {
    w.close();
  }
});

test(
  "opening readers while another process appends: no refusal, whole acknowledged rows only",
  SLOW,
  async () => {
    const dir = tempDir();
    const path = join(dir, "log.npy");
    const width = 3;
    const child = spawn(
      ...(() => {
        const [exe, args] = scriptCommand(
          new URL("./_live_writer.ts", import.meta.url),
        );
        return [exe, [...args, path, "400000", String(width)]] as const;
      })(),
      { stdio: "ignore" },
    );
    const ended = new Promise((r) => child.on("close", r));
    let running = true;
    void ended.then(() => (running = false));
    try {
      while (!existsSync(path) || statSync(path).size < 256) {
        await new Promise((r) => setTimeout(r, 5));
      }
      let opens = 0;
      let last = 0;
      while (running && opens < 400) {
        // Each open sees whole rows `i * width + j`, never fewer than before.
        const sync = opens % 2 === 0;
        const got = sync ? readNpySync(path) : await readNpy(path);
        const rows = got.shape[0]!;
        assert.ok(rows >= last, `${rows} rows after ${last}`);
        last = rows;
        const data = got.data as Float64Array;
        assert.equal(data.length, rows * width);
        for (let i = Math.max(0, rows - 50) * width; i < data.length; i++) {
          assert.equal(data[i], i);
        }
        opens++;
      }
      assert.ok(opens > 0);
    } finally {
      child.kill("SIGKILL");
      await ended;
    }
  },
);
