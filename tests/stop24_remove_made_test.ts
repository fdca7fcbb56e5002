/**
 * Stop 24: a writer that made a file at its first append and then failed
 * removes the empty file it made (a failed append leaves no trace), and
 * removed it by name: another program's file moved onto that name in
 * between (`mv other.npy x.npy`) was removed instead, its data lost. Now
 * only the file the writer made goes, checked by device and inode.
 *
 * Exact race: at the nth stat of the path after the file is made, another
 * file is renamed onto the name and that stat fails (EIO), so the writer's
 * open fails right after; whichever stat it is, the other program's file
 * must be at the name, byte for byte.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./_numpy.ts";
import { appendOutcome, atStat } from "./_remove_at_stat.ts";

for (const kind of ["sync", "async"] as const) {
  test(`a ${kind} first append that fails never removes a file moved onto its name`, async () => {
    const dir = tempDir();
    let fires = 0;
    for (let n = 1; n <= 12; n++) {
      const path = join(dir, `${kind}${n}.npy`);
      const other = join(dir, `other${kind}${n}.bin`);
      const theirs = new TextEncoder().encode(`another program's data ${n}`);
      writeFileSync(other, theirs);
      let outcome = "";
      const fired = await atStat(path, n, "before", () => {
        renameSync(other, path);
        throw Object.assign(new Error("EIO: i/o error, stat"), {
          code: "EIO",
        });
      }, async () => {
        outcome = await appendOutcome(kind, path);
      });
      if (!fired) continue;
      fires++;
      assert.notEqual(outcome, "ok", `stat ${n}`);
      assert.deepEqual(
        new Uint8Array(readFileSync(path)),
        theirs,
        `stat ${n}: ${outcome}`,
      );
    }
    assert.ok(fires > 0, "a file was moved onto the name at some stat");
  });
}
