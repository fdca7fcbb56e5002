/**
 * Adversary round 8, the command line: `concat OUT DIR...` where OUT is a
 * shard of an input stack. The check that OUT is not an input compared
 * OUT with the arguments only, not with the shards a stack folder stands
 * for, so `concat --overwrite DIR/0.npy DIR` replaced shard 0 with the
 * whole stack: `info` no longer matched (the library refused the stack,
 * Dask read rows twice). Without `--overwrite` it failed by chance, on the
 * change record of its own writer. OUT is now checked against every shard,
 * before any file is touched: exit code 2, as for `concat X X`.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { NpyStackWriterSync } from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const SLOW = { timeout: 60_000 };

/** Every file of the folder with its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    out[name] = readFileSync(join(dir, name)).toString("hex");
  }
  return out;
}

describe("adversary 8: concat into a shard of an input stack", () => {
  const cases: [string, string[]][] = [
    ["--overwrite OUT, OUT the first shard", ["--overwrite", "s/0.npy", "s"]],
    ["appending to OUT, the last shard, after another input", [
      "s/2.npy",
      "a.npy",
      "s",
    ]],
    ["--overwrite OUT, a symlink to a shard", [
      "--overwrite",
      "link.npy",
      "a.npy",
      "s",
    ]],
  ];
  for (const [name, args] of cases) {
    test(`${name}: exit 2, the stack unchanged`, SLOW, () => {
      const dir = tempDir();
      const s = join(dir, "s");
      const w = NpyStackWriterSync.open(s, { shardRows: 4, dtype: "<i4" });
      w.append(Int32Array.from({ length: 10 }, (_, i) => i));
      w.close();
      const a = NpyStackWriterSync.open(join(dir, "a"), { dtype: "<i4" });
      a.append(new Int32Array([7]));
      a.close();
      // A plain file as the other input.
      spawnSync("cp", [join(dir, "a", "0.npy"), join(dir, "a.npy")]);
      symlinkSync(join(s, "1.npy"), join(dir, "link.npy"));
      const before = snapshot(s);
      const r = cli(["concat", ...args], {
        cwd: dir,
        timeout: 30_000,
        allPermissions: true,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /into itself: OUT is also an input/);
      assert.doesNotMatch(r.stderr, /\n.*at /, "no stack trace");
      assert.deepEqual(snapshot(s), before);
      if (hasNumpy()) {
        const out = runPython(
          `
import sys, dask.array as da
print(da.from_npy_stack(sys.argv[1]).compute().tolist())
`,
          [s],
        );
        assert.equal(
          out.trim(),
          JSON.stringify([...Array(10).keys()]).replaceAll(",", ", "),
        );
      }
    });
  }
});
