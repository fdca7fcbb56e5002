/**
 * Adversary round 12, known defects: a failed `close()` of an `atomic`
 * writer did not say whether its change was committed or rolled back;
 * one failing after the commit (the folder sync after the rename or
 * after the change record's removal) even looked like a
 * failure to a caller who then wrote the rows again. Now its message ends
 * with what became of the change: committed (the file holds the appends),
 * rolled back (the file as it was), or not committed and left for the
 * next open or `recover` to roll back.
 *
 * Every call of the close on the file, its change record and its folder
 * (writes, syncs, truncates, renames, removals) fails in turn with `EIO`
 * (`strace` injection, Linux), for the in-place atomic writer and for
 * `atomic` with `deleteIfExists` (a temporary renamed over the file); the
 * file is then checked against what the message said.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync, recover } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const OPTS = { timeout: 300_000, ...straceOptions };
const CHILD = new URL("./_adversary12_close_child.ts", import.meta.url);

function ramp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A file of rows 0..3 (`<f8`). */
function fourRows(path: string): void {
  const w = NpyAppendArraySync.open(path, { deleteIfExists: true });
  w.append(new Float64Array(ramp(4)));
  w.close();
}

/** What fails: its calls, and whether only on the file, record and folder. */
const FAULTS: [string, string, boolean][] = [
  ["a write", "write,pwrite64", true],
  ["a sync", "fsync,fdatasync", false],
  ["a rename", "rename,renameat,renameat2", false],
  ["a removal", "unlink,unlinkat", false],
];

for (const mode of ["in-place", "lazy", "replace"]) {
  for (const [what, calls, onFile] of FAULTS) {
    // Calls that a close of this mode makes (a write of the in-place
    // writer's close goes to the header only when it is not rewritten at
    // every append; the temporary's writes are not singled out; no
    // truncate: a commit removes its change record, voided only when the
    // record's name is gone).
    const made = (what !== "a write" || mode === "lazy") &&
      (what !== "a rename" || mode === "replace");
    if (!made) continue;
    test(
      `atomic (${mode}): close() failing at ${what} says whether the change was committed or rolled back, truly`,
      OPTS,
      () => {
        const dir = tempDir();
        const path = join(dir, "x.npy");
        const seen = new Set<string>();
        let closeFailures = 0;
        for (let k = 1; k <= 14; k++) {
          fourRows(path);
          const out = straceFailing(CHILD, [path, mode], {
            paths: onFile ? [path, `${path}.journal`] : [],
            calls: calls.split(","),
            error: "EIO",
            when: k,
          }).split("\n");
          assert.equal(out.at(-2), "done", out.join("\n"));
          if (!out.includes("ack")) continue; // open or append failed
          if (out.includes("closed")) {
            // Nothing failed, or only what the change does not need.
            assert.deepEqual(
              [...readNpySync(path).data as Float64Array],
              ramp(8),
            );
            continue;
          }
          const i = out.findIndex((l) => l.startsWith("close-err "));
          assert.ok(i >= 0, out.join("\n"));
          closeFailures++;
          assert.equal(out[i], "close-err EIO");
          const message = JSON.parse(out[i + 1]!) as string;
          assert.match(message, new RegExp(`^Cannot \\w+ "`));
          const said = /; the change was committed: /.test(message)
            ? "committed"
            : /; the change was rolled back: /.test(message)
            ? "rolled back"
            : /; the change was not committed and could not be rolled back now: the next open or recover of /
                .test(message)
            ? "pending"
            : "nothing";
          assert.notEqual(said, "nothing", message);
          seen.add(said);
          // What the message said is what the file holds, once any left
          // change is settled (a writer's open or recover does it).
          if (said === "pending") recover(path);
          const rows = [...readNpySync(path).data as Float64Array];
          assert.deepEqual(
            rows,
            said === "committed" ? ramp(8) : ramp(4),
            `${message}\n(k=${k})`,
          );
        }
        assert.ok(closeFailures > 0, what);
        console.log(`${mode} ${what}: ${[...seen].join(", ")}`);
      },
    );
  }
}
