/**
 * Stop 26 (h1): standard output that fails.
 *
 * - Redirected to a full disk (`> /dev/full`): Deno said only "No space left
 *   on device (os error 28)", Node and Bun "ENOSPC: no space left on
 *   device, write", naming neither standard output nor a fix. Now "Cannot
 *   write to standard output: the disk is full ...: free some, then run it
 *   again", exit 1, one line.
 * - A reader that goes away (`to-csv big.npy | head -1`): exit 0, nothing
 *   on stderr (held before; checked here on each runtime).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeHeader } from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";

const [EXE, PRE] = scriptCommand(new URL("../cli.ts", import.meta.url), [
  "-R",
  "-W",
  "--no-lock",
]);

/** A float64 file of `rows` rows of 4 (its data all zeros, sparse). */
function bigFile(dir: string, rows: number): string {
  const p = join(dir, "big.npy");
  const h = encodeHeader({
    dtype: "<f8",
    fortranOrder: false,
    shape: [rows, 4],
  });
  const bytes = new Uint8Array(h.length + rows * 32);
  bytes.set(h);
  writeFileSync(p, bytes);
  return p;
}

test(
  "standard output on a full disk: one line naming it and the fix, exit 1",
  { skip: existsSync("/dev/full") ? undefined : "no /dev/full" },
  () => {
    const dir = tempDir();
    const src = bigFile(dir, 100_000);
    const full = openSync("/dev/full", "w");
    try {
      for (
        const args of [["to-csv", "--no-progress", src], ["info", src], [
          "--help",
        ]]
      ) {
        const run = spawnSync(EXE, [...PRE, ...args], {
          stdio: ["ignore", full, "pipe"],
          encoding: "utf8",
        });
        assert.equal(run.status, 1, `${args.join(" ")}: ${run.stderr}`);
        assert.equal(
          run.stderr,
          "npy-append-array: Cannot write to standard output: the disk is full (no free space, or no free inodes): free some, then run it again\n",
        );
      }
    } finally {
      closeSync(full);
    }
  },
);

test("to-csv into a pipe closed early (| head -1): exit 0, stderr empty", async () => {
  const dir = tempDir();
  const src = bigFile(dir, 400_000);
  const child = spawn(EXE, [...PRE, "to-csv", "--no-progress", src], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (t: string) => (err += t));
  let first = "";
  child.stdout.once("data", (b: Uint8Array) => {
    first = new TextDecoder().decode(b).split("\n")[0]!;
    child.stdout.destroy();
  });
  const [code, signal] = await new Promise<[number | null, string | null]>(
    (resolve) => child.on("close", (c, s) => resolve([c, s])),
  );
  assert.equal(first, "0.0,0.0,0.0,0.0"); // NumPy's str() style (stop 27)
  assert.equal(err, "");
  // Ended by the closed pipe: quietly, or by SIGPIPE as `head` expects.
  assert.ok(code === 0 || signal === "SIGPIPE", `code ${code}, ${signal}`);
});
