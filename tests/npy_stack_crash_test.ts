/**
 * Stacks under SIGKILL: children appending to one stack (shards of 3
 * rows, so kills land in appends, seals, renames and info rewrites) are
 * killed at random moments; every acknowledged row must survive, after
 * `recoverStack` or by simply reopening (the next child continues the
 * stack), and Dask must read the sealed shards. The child runs on the
 * same runtime as the test.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const KILLS = Number(process.env.STACK_CRASH_KILLS ?? 16);
const WIDTH = 3;

/** Runs one child until it acknowledged some rows, kills it after `waitMs`; returns the last ack. */
function runAndKill(
  dir: string,
  seed: number,
  waitMs: number,
): Promise<{ opened: number; acked: number }> {
  const [cmd, args] = scriptCommand(
    new URL("./_stack_crash_child.ts", import.meta.url),
  );
  const child = spawn(cmd, [...args, dir, "3", String(WIDTH), String(seed)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  let opened = -1,
    acked = -1,
    buf = "",
    timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Uint8Array) => {
      buf += new TextDecoder().decode(chunk);
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const [word, n] = buf.slice(0, nl).split(" ");
        buf = buf.slice(nl + 1);
        if (word === "open") {
          opened = Number(n);
          timer ??= setTimeout(() => child.kill("SIGKILL"), waitMs);
        } else if (word === "ack") acked = Number(n);
      }
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== "SIGKILL") {
        reject(new Error(`child ended without a kill (${signal}): ${err}`));
      } else resolve({ opened, acked: Math.max(acked, opened) });
    });
  });
}

function checkRows(dir: string, atLeast: number): number {
  const a = readNpyStackSync(dir);
  const rows = a.shape[0]!;
  assert.ok(rows >= atLeast, `${rows} rows, ${atLeast} acknowledged`);
  const data = a.data as Float64Array;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== i) assert.fail(`value ${i} is ${data[i]}`);
  }
  return rows;
}

test(`no acknowledged stack append is lost over ${KILLS} kills`, {
  ...numpyTestOptions(),
  timeout: 300_000,
}, async () => {
  const dir = tempDir();
  let acked = 0;
  let recovered = 0;
  let retries = 0;
  for (let k = 0; k < KILLS; k++) {
    let r;
    try {
      r = await runAndKill(dir, 1000 + k, 150 + ((k * 37) % 11) * 40);
    } catch (e) {
      // A child killed while creating the lock file leaves it empty: it
      // counts as held for 2 s (it may be being written), then as stale.
      if (!/NpyLockedError/.test(String(e)) || retries++ > 5) throw e;
      await new Promise((done) => setTimeout(done, 2500));
      k--;
      continue;
    }
    // The next child opened where the last acknowledged row left off, or later.
    assert.ok(
      r.opened >= acked,
      `child ${k} opened at ${r.opened}, ${acked} acknowledged`,
    );
    acked = r.acked;
    if (k % 2 === 0) {
      // Repair explicitly; the writer stays live for the next child.
      const shape = recoverStackSync(dir);
      recovered++;
      // No lock of the killed child is left (its live shard's included).
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.endsWith(".lock")),
        [],
        `after kill ${k}`,
      );
      assert.ok(shape[0]! >= acked);
      checkRows(dir, acked);
    } else {
      // Read as it is (the reader takes whole rows of a cut-off live shard).
      const reader = NpyStackReader.openSync(dir);
      assert.ok(reader.length >= acked);
      const last = reader.readSync(-1).data as Float64Array;
      assert.equal(last[0], (reader.length - 1) * WIDTH);
    }
  }
  assert.ok(acked > 0);
  assert.equal(recovered, Math.ceil(KILLS / 2));
  recoverStackSync(dir);
  // The killed child's lock was taken over and released.
  assert.ok(!existsSync(`${dir}.lock`));
  const rows = checkRows(dir, acked);
  const names = readdirSync(dir);
  assert.ok(!names.includes("info.tmp"), names.join(" "));
  // Dask reads the sealed shards: the first rows, in order.
  const out = runPython(
    `import sys, numpy as np, dask.array as da
x = da.from_npy_stack(sys.argv[1]).compute()
print(x.shape[0], bool(np.array_equal(x.ravel(), np.arange(x.size, dtype=float))))`,
    [dir],
  ).trim().split(" ");
  assert.equal(out[1], "True");
  assert.ok(Number(out[0]) <= rows && Number(out[0]) > 0);
});

test("a stack's open and recover remove live-shard locks of dead writers, not of live ones", () => {
  const dir = tempDir();
  const w = NpyStackWriterSync.open(dir, { shardRows: 2 });
  w.append(new Float64Array([0, 1, 2]));
  w.close();
  const gone = spawnSync(process.execPath, ["--version"]).pid;
  const record = (pid: number) =>
    JSON.stringify({ pid, start: null, host: hostname(), token: "t" });
  // A writer killed after sealing 0.npy and before the next shard, and
  // one killed while writing 1.npy.part; pid 1 (init) is alive.
  writeFileSync(join(dir, "0.npy.part.lock"), record(gone!));
  writeFileSync(join(dir, "5.npy.part.lock"), record(gone!));
  writeFileSync(join(dir, "6.npy.part.lock"), record(1));
  assert.deepEqual(recoverStackSync(dir), [3]);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".lock")),
    ["6.npy.part.lock"],
  );
  writeFileSync(join(dir, "5.npy.part.lock"), record(gone!));
  NpyStackWriterSync.open(dir).close();
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".lock")),
    ["6.npy.part.lock"],
  );
  assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [0, 1, 2]);
});
