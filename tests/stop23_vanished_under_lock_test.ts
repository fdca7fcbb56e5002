/**
 * Stop 23 (h5): a file removed (or moved away: `mv x.npy elsewhere`) at
 * any moment of a writer's open, not only between its first look and its
 * lock (`stop19_race_vanished_test.ts`). Found with Deno, Bun and Node
 * writers racing on one path while a fourth process moved it away and
 * back: an open threw `ENOENT` ("no such file or directory, stat" or
 * "open") where a missing path is created. Made exact here: the file is
 * removed right after the open's `n`th `stat` of its path, for every `n`.
 * The open must then create the file afresh (or, removed after it opened
 * the file, append to it and say at `close()` that it is in no file any
 * more), never fail with `ENOENT`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { appendOutcome, removedAtStat } from "./_remove_at_stat.ts";

function seeded(dir: string, name: string): string {
  const path = join(dir, name);
  using w = NpyAppendArraySync.open(path);
  w.append(new Int32Array([1, 2]));
  return path;
}

for (const kind of ["sync", "async"] as const) {
  test(`a ${kind} open never fails with ENOENT when the file vanishes during it`, async () => {
    const dir = tempDir();
    for (let n = 1; n <= 12; n++) {
      const path = seeded(dir, `${n}.npy`);
      let outcome = "";
      const fired = await removedAtStat(path, n, "after", async () => {
        outcome = await appendOutcome(kind, path);
      });
      if (!fired) break; // past the open's last look
      if (outcome === "ok") {
        // Created afresh, or appended before the removal was seen.
        const got = Array.from(readNpySync(path).data as Int32Array);
        assert.ok(
          ["5,6", "1,2,5,6"].includes(String(got)),
          `stat ${n}: ${got}`,
        );
      } else {
        assert.match(outcome, /in no file any more/, `stat ${n}`);
      }
    }
  });
}
