/**
 * Adversary round 6, the command line given a FIFO (or a device) where a
 * file belongs: `info`, `to-csv`, `concat`, `recover`, `ensure-appendable`
 * and `from-csv` opened it to check it could be read, which waits for a
 * writer to the pipe for ever (the library's own entry points refuse a
 * FIFO before opening it). They now fail at once with exit code 1 and a
 * one-line message naming the file and the fix (for CSV input: `-` reads
 * standard input).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./_numpy.ts";
import { cli, type CliRun } from "./_cli_run.ts";

/** Runs the command line in `cwd`, timing it (a hang is the fault). */
function timed(cwd: string, args: string[]): CliRun & { ms: number } {
  const t0 = Date.now();
  const r = cli(args, { cwd, timeout: 20_000, allPermissions: true });
  return { ...r, ms: Date.now() - t0 };
}

describe("adversary 6: the command line given a FIFO or a device", () => {
  const cases: [string, string[], string][] = [
    ["info", ["info", "p.npy"], "p.npy"],
    ["to-csv", ["to-csv", "p.npy"], "p.npy"],
    ["concat (an input)", ["concat", "out.npy", "p.npy"], "p.npy"],
    ["recover", ["recover", "p.npy"], "p.npy"],
    ["ensure-appendable", ["ensure-appendable", "p.npy"], "p.npy"],
    ["info of /dev/null", ["info", "/dev/null"], "/dev/null"],
  ];
  for (const [name, args, file] of cases) {
    test(`${name}: exit 1 at once, naming the file`, (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const dir = tempDir();
      assert.equal(spawnSync("mkfifo", [join(dir, "p.npy")]).status, 0);
      const r = timed(dir, args);
      assert.equal(
        r.code,
        1,
        `status ${r.code} after ${r.ms} ms: ${r.stderr}`,
      );
      assert.equal(
        r.stderr,
        `npy-append-array: Cannot open "${file}": it is a FIFO, socket or device, not a regular file; pass a regular file\n`,
      );
      assert.deepEqual(readdirSync(dir), ["p.npy"]);
    });
  }

  test("from-csv of a FIFO: exit 1 at once, pointing to - for standard input", (t) => {
    if (process.platform === "win32") return t.skip("POSIX only");
    const dir = tempDir();
    assert.equal(spawnSync("mkfifo", [join(dir, "p.csv")]).status, 0);
    const r = timed(dir, ["from-csv", "p.csv", "out.npy"]);
    assert.equal(r.code, 1, `status ${r.code} after ${r.ms} ms: ${r.stderr}`);
    assert.equal(
      r.stderr,
      `npy-append-array: Cannot open "p.csv": it is a FIFO, socket or device, not a regular file; pass a regular file, or "-" to read standard input\n`,
    );
    assert.deepEqual(readdirSync(dir), ["p.csv"]);
    // And "-" reads the same text from standard input.
    writeFileSync(join(dir, "a.csv"), "1,2\n3,4\n");
    const ok = cli(["from-csv", "--dtype", "f8", "-", "out.npy"], {
      cwd: dir,
      input: "1,2\n3,4\n",
      allPermissions: true,
    });
    assert.equal(ok.code, 0, ok.stderr);
  });
});
