/**
 * Stop 26 (h3): an `atomic` writer rewrote the header at every append, as
 * a plain one does; this library's readers refuse the file while its
 * change record is there, but NumPy knows no record: killed between two
 * appends (or before `close()`), `np.load` read the appended rows, which
 * the next `recover` or open then rolled back, silently. Now an atomic
 * writer's header is written at `close()` only (a new file's says 0 rows
 * until then): after a kill at every file call, NumPy reads the rows as
 * before the change or the whole change (or refuses the file), never one
 * append of two; rows as before stay so after `recover`, and since stop 27
 * (the header is the commit point) so does the whole change NumPy read
 * (killed in `close()` between the header's write and the record's
 * removal, `recover` rolled it back before: see DECISIONS "Stop 27: the
 * atomic commit point").
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, recoverSync } from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { ints, killPoints, runKilledAt } from "./_kill_at.ts";
import { tempDir } from "./_numpy.ts";
import { numpyRampRows } from "./_numpy_ramp_rows.ts";

const CHILD = scriptCommand(
  new URL("./_stop26_full_disk_child.ts", import.meta.url),
);

/** Rows NumPy reads of `path` (see `numpyRampRows`). */
function rows(path: string, start: number): string {
  return numpyRampRows(start, path)[0]!;
}

for (const existing of [true, false]) {
  test(
    `stop 26: an atomic writer ${
      existing ? "of an existing file" : "creating its file"
    } killed at every file call: NumPy reads the rows before it or the whole change, never part`,
    { timeout: 600_000 },
    () => {
      const root = tempDir();
      let through = false;
      for (const k of killPoints(1, 300)) {
        const dir = join(root, String(k));
        mkdirSync(dir);
        const path = join(dir, "x.npy");
        if (existing) {
          const w = NpyAppendArraySync.open(path);
          w.append(ints(0, 1000));
          w.close();
        }
        through = runKilledAt(CHILD, k, "atomic2", path).through;
        const start = existing ? 0 : 1000;
        const before = rows(path, start);
        assert.notEqual(before, "wrong", `kill after call ${k}`);
        if (existsSync(path) || existsSync(`${path}.journal`)) {
          recoverSync(path);
        }
        const after = rows(path, start);
        const old = existing ? "1000" : "missing";
        const all = existing ? "2000" : "1000";
        assert.ok([old, all].includes(after), `call ${k}: ${after}`);
        // Rows as before the change (a new file: none) are still so after.
        assert.ok(
          ["refused", "missing", "0", old, all].includes(before),
          `kill after call ${k}: ${before}`,
        );
        if (before === old || before === "0") {
          assert.equal(after, old, `kill after call ${k}`);
        }
        if (before === all) assert.equal(after, all, `kill after call ${k}`);
        if (through) break;
      }
      assert.ok(through, "the writer never got through");
    },
  );
}
