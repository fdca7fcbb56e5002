/**
 * Adversary 12f: round 12 made a write call that writes nothing an `EIO`
 * in the adapters' loops (`wroteNothing`), but the Deno path backend has a
 * second loop: after 1024 scattered calls it moves to `node:fs` positioned
 * writes, whose loop added the 0 and asked again, forever. A Deno writer
 * of a path that had appended some 500 rows (each append writes its data
 * at the end and its header at 0) then hung on a file system that takes
 * no more bytes. The library's loop now gives the same `EIO` naming the
 * file, but Deno's own `node:fs` `writeSync` (and `writevSync`) retries a
 * write of 0 bytes inside the call, forever (strace: three injected 0s,
 * then 8, and it returned 8): the hang stays until writes after the move
 * leave `node:fs` (a cost on every scattered write) or Deno stops looping.
 * So this test is a `todo`: it shows the hang (20 s timeout) until then.
 *
 * Needs strace (its `retval=0`); the loop is Deno's, so Deno only.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync, recoverSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { straceOptions } from "./_strace.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_adversary12f_stall_child.ts", import.meta.url);
const deno = (globalThis as { Deno?: unknown }).Deno;

test(
  "Deno path writer after its move to node:fs: a pwrite that writes nothing is EIO, not a hang",
  {
    timeout: 120_000,
    ...(deno === undefined
      ? { skip: "Deno's path backend only" }
      : straceOptions),
    todo: "Deno's node:fs writeSync retries a 0-byte write forever",
  },
  () => {
    const file = join(tempDir(), "x.npy");
    {
      using w = NpyAppendArraySync.open(file);
      w.append(new Float64Array([0]));
    }
    const [cmd, args] = scriptCommand(CHILD);
    // Before the move Deno writes with write(2); after it, with pwrite64.
    const r = spawnSync("strace", [
      "-f",
      "-qq",
      "-o",
      "/dev/null",
      "-P",
      file,
      "-e",
      "trace=pwrite64",
      "-e",
      "inject=pwrite64:retval=0:when=1+",
      cmd,
      ...args,
      file,
      "3000",
    ], { encoding: "utf8", timeout: 20_000, killSignal: "SIGKILL" });
    assert.equal(r.status, 0, `hung or failed: ${r.stdout}${r.stderr}`);
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    assert.equal(lines.at(-1), "done", r.stdout);
    const line = lines.find((l) => l.startsWith("err "));
    assert.ok(line !== undefined, r.stdout);
    const err = JSON.parse(line.slice(4)) as { code: string; message: string };
    assert.equal(err.code, "EIO", err.message);
    assert.ok(err.message.includes(`"${file}"`), err.message);
    assert.match(err.message, /wrote none of the \d+ bytes at byte \d+/);
    const rows = Number(/rows (\d+)/.exec(r.stdout)![1]);
    assert.ok(rows > 400 && rows < 3000, r.stdout);
    // The disk works again: the next open goes on (after recover, if the
    // failed append's undo could not be written either).
    try {
      using w = NpyAppendArraySync.open(file);
      w.append(new Float64Array([-1]));
    } catch {
      recoverSync(file);
      using w = NpyAppendArraySync.open(file);
      w.append(new Float64Array([-1]));
    }
    const back = readNpySync(file).data as Float64Array;
    assert.equal(back.at(-1), -1);
    for (let i = 0; i < rows; i++) assert.equal(back[i + 1], i);
    assert.ok(readFileSync(file).length > 0);
  },
);
