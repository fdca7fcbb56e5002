/**
 * Stop 20 (h3): the CLI's `concat` and `from-csv` when a step after the
 * commit fails: reading the lock file back to release it fails with `EIO`
 * (injected by strace). The output already held every row, and the
 * writer's error said "the change was committed", but the command exited
 * 1: a script that reruns a failed command (the help says a failure
 * leaves OUT as it was) appended the rows twice. Now the command succeeds
 * (exit 0) with the error printed as a warning when OUT holds every row
 * written and needs no recovery. And a system error the command line had
 * no words for (EIO opening OUT) was printed bare ("EIO: i/o error, open
 * '...'"); it now says "Cannot open" and OUT's name first, as ENOSPC does.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const CLI = new URL("../cli.ts", import.meta.url);
const OPTS = { timeout: 120_000, ...straceOptions };

function ramp(from: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => from + i);
}

for (const kind of ["concat into an existing OUT", "from-csv into a new OUT"]) {
  test(
    `${kind}: a failure after the commit (EIO reading the lock back) exits 0, OUT holds the rows once`,
    OPTS,
    () => {
      const dir = tempDir();
      const out = join(dir, "out.npy");
      let args: string[];
      let expected: Float64Array;
      if (kind.startsWith("concat")) {
        const w = NpyAppendArraySync.open(out, { dtype: "<f8" });
        w.append(ramp(0, 1000));
        w.close();
        const input = join(dir, "in.npy");
        const i = NpyAppendArraySync.open(input, { dtype: "<f8" });
        i.append(ramp(1000, 5000));
        i.close();
        args = ["concat", "--no-progress", out, input];
        expected = ramp(0, 6000);
      } else {
        const csv = join(dir, "in.csv");
        writeFileSync(csv, Array.from(ramp(0, 3000)).join("\n") + "\n");
        args = ["from-csv", "--no-progress", "--1d", csv, out];
        expected = ramp(0, 3000);
      }
      // The first open of OUT's lock file by its exact name is the release's
      // read (the lock is made by a link from a temporary name).
      straceFailing(CLI, args, {
        paths: [`${out}.lock`],
        calls: ["openat", "open"],
        error: "EIO",
        when: 1,
      });
      assert.deepEqual(readNpySync(out).data, expected);
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.startsWith("out.npy")),
        ["out.npy"],
      );
    },
  );
}

test(
  "concat whose opens of OUT fail with EIO: the error names OUT with 'Cannot open', OUT unchanged, a rerun appends once",
  OPTS,
  () => {
    const dir = tempDir();
    const out = join(dir, "out.npy");
    const w = NpyAppendArraySync.open(out, { dtype: "<f8" });
    w.append(ramp(0, 10));
    w.close();
    const input = join(dir, "in.npy");
    const i = NpyAppendArraySync.open(input, { dtype: "<f8" });
    i.append(ramp(10, 20));
    i.close();
    const args = ["concat", "--no-progress", out, input];
    const [cmd, cmdArgs] = scriptCommand(CLI);
    const r = spawnSync("strace", [
      "-f",
      "-qq",
      "-o",
      "/dev/null",
      "-P",
      out,
      "-e",
      "trace=openat,open",
      "-e",
      "inject=openat,open:error=EIO:when=1+",
      cmd,
      ...cmdArgs,
      ...args,
    ], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`^npy-append-array: Cannot open "${out}": .*EIO`),
    );
    assert.deepEqual(readNpySync(out).data, ramp(0, 10));
    const again = spawnSync(cmd, [...cmdArgs, ...args], { encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readNpySync(out).data, ramp(0, 30));
  },
);
