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
import { existsSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./_numpy.ts";
import { stackInts, startReady } from "./_stack_dask.ts";

test(
  "a clock stepped back an hour, then a kill between a seal and info: every acknowledged row is read",
  { timeout: 120_000 },
  async () => {
    const dir = join(tempDir(), "s");
    const { child, first, exited } = await startReady(
      new URL("./_stop23_clock_child.ts", import.meta.url),
      [dir],
      "pipe",
    );
    let out = first;
    child.stdout!.on("data", (b) => out += String(b));
    const info = join(dir, "info");
    const ahead = new Date(statSync(info).mtimeMs + 3600_000);
    utimesSync(info, ahead, ahead); // the clock went back an hour since
    child.stdin!.write("go\n");
    assert.equal((await exited).signal, "SIGKILL", out);
    assert.ok(existsSync(join(dir, "1.npy")));
    assert.deepEqual(stackInts(dir), [0, 1, 2]);
  },
);
