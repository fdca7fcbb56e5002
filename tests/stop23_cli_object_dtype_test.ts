/**
 * Stop 23 (h5): `--dtype O` (and any dtype holding Python objects) is a
 * usage error of `concat` and `from-csv` (exit code 2, before any file is
 * touched), as every other dtype the command cannot write is (`U`, `S0`,
 * `f16`); it was a failure of the open (exit code 1).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const [exe, pre] = scriptCommand(new URL("../cli.ts", import.meta.url), [
  "-R",
  "-W",
  "--no-lock",
]);

test("--dtype of Python objects is a usage error, nothing made", () => {
  const dir = tempDir();
  {
    using w = NpyAppendArraySync.open(join(dir, "a.npy"), { dtype: "<f8" });
    w.append([[1, 2]]);
  }
  writeFileSync(join(dir, "m.csv"), "1,2\n");
  for (const dtype of ["O", "|O", "[('a', 'O')]"]) {
    for (
      const args of [
        ["concat", "--dtype", dtype, "o.npy", "a.npy"],
        ["from-csv", "--dtype", dtype, "m.csv", "o.npy"],
      ]
    ) {
      const r = spawnSync(exe, [...pre, ...args], {
        cwd: dir,
        encoding: "utf8",
      });
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /Python objects/);
      assert.equal(r.stderr.trim().split("\n").length, 1);
      assert.equal(existsSync(join(dir, "o.npy")), false);
    }
  }
});
