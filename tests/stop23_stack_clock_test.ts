/**
 * Stop 23 (h2): a clock stepped back under a live stack writer. Its last
 * `info` then has a time ahead of the clock; the shard it seals next is
 * touched (`freshenShard`) at a time before that `info`'s, and a kill
 * between the seal and the rewrite of `info` left an unlisted shard older
 * than `info`, refused as Dask's leftover (stop 22's time rule), though it
 * holds acknowledged rows. Now a writer whose touched shard is still older
 * than `info` rewrites `info` (the same shards) first and touches the
 * shard again: the shard is as new as `info`, and read.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { readNpyStackSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

test(
  "a clock stepped back an hour, then a kill between a seal and info: every acknowledged row is read",
  { timeout: 120_000 },
  async () => {
    const dir = join(tempDir(), "s");
    const [exe, pre] = scriptCommand(
      new URL("./_stop23_clock_child.ts", import.meta.url),
    );
    const child = spawn(exe, [...pre, dir], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (b) => out += String(b));
    const exited = new Promise<string | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal))
    );
    await new Promise<void>((resolve) =>
      child.stdout!.once("data", () => resolve())
    );
    const info = join(dir, "info");
    const ahead = new Date(statSync(info).mtimeMs + 3600_000);
    utimesSync(info, ahead, ahead); // the clock went back an hour since
    child.stdin!.write("go\n");
    assert.equal(await exited, "SIGKILL", out);
    assert.ok(existsSync(join(dir, "1.npy")));
    assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], [0, 1, 2]);
  },
);
