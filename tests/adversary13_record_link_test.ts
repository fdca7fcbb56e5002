/**
 * Adversary round 13: the hard link that makes a change record appear
 * whole (`x.npy.journal.new` linked to `x.npy.journal`) failing with `EIO`
 * (a failing disk; injected by strace), in `ensureAppendable` by copy and
 * in place and in an `atomic` writer's open.
 *
 * Found: the error was the runtime's own, naming no file in the library's
 * words (`EIO: i/o error, link '...x.npy.journal.new' -> '...x.npy.journal'`,
 * where every other failure says `Cannot <verb> "<file>": ...`); and the
 * in-place rewrite's error dropped the code (`undefined`: a caller's check
 * for `ENOSPC` or `EIO` missed it) and blamed the space it needs. Now
 * `Cannot create "x.npy.journal": EIO: ...`, the code kept, the space
 * told only for a disk without room. Held: nothing
 * changed, no record, temporary or lock left, and the call gets through
 * once the disk does.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { threeRows } from "./_three_rows.ts";
import { compactHeaderFile } from "./_test_files.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const CHILD = new URL("./_adversary13_disk_child.ts", import.meta.url);

/**
 * A file as NumPy < 1.23 wrote it with no room in its header to grow:
 * rows 0, 1, 2 of shape `(3, 1, ..., 1)` (15 axes fill its 128 bytes).
 */
function oldHeader(): { dir: string; file: string; bytes: Uint8Array } {
  const dir = tempDir();
  const file = join(dir, "x.npy");
  const bytes = compactHeaderFile();
  writeFileSync(file, bytes);
  return { dir, file, bytes };
}

for (const op of ["ensure", "ensure-inplace", "atomic"]) {
  test(
    `adversary 13: ${op}, the change record's link failing with EIO: named after the record, nothing changed or left, then through`,
    { timeout: 120_000, ...straceOptions },
    () => {
      const f = op === "atomic" ? threeRows() : oldHeader();
      const record = `${f.file}.journal`;
      const out = straceFailing(CHILD, [f.file, op], {
        paths: [record],
        calls: ["link", "linkat"],
        error: "EIO",
        when: 1,
      });
      const lines = out.trim().split("\n");
      assert.equal(lines[0], "err EIO", out);
      const message = JSON.parse(lines[1]!) as string;
      assert.ok(
        message.includes(`Cannot create ${JSON.stringify(record)}: EIO`),
        message,
      );
      assert.ok(!message.includes("it needs"), message);
      assert.deepEqual(
        new Uint8Array(readFileSync(f.file)),
        new Uint8Array(f.bytes),
      );
      assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
      const again = straceFailing(CHILD, [f.file, op], {
        paths: [record],
        calls: ["link", "linkat"],
        error: "EIO",
        when: 2,
      });
      assert.equal(again.trim().split("\n")[0], "ok", again);
      assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
      assert.deepEqual(
        [...readNpySync(f.file).data as Float64Array],
        op === "atomic" ? [0, 1, 2, 3, 4] : [0, 1, 2],
      );
    },
  );
}
