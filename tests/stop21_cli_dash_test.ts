/**
 * Stop 21 (h4): `-` is standard input for `from-csv`'s IN and standard
 * output for `to-csv`'s OUT. Everywhere else (an `.npy` OUT of `from-csv`
 * and `concat`, `split`'s DIR, every `.npy` input) it was taken as a file
 * or folder named `-`: `from-csv m.csv -` wrote a file `-` and printed
 * nothing, `concat - a.npy` made one, `split a.npy - --rows 1` a folder.
 * Now such a `-` is a usage error (exit 2) saying that `.npy` files are
 * read and written in place and how to name a file `-` (`./-`); nothing is
 * created.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

/** Standard input of every run. */
const CSV = "1,2\n3,4\n";

test("a '-' where the CLI needs an .npy path is a usage error, nothing made", {
  timeout: 240_000,
}, () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, "m.csv"), "1,2\n3,4\n");
    {
      using w = NpyAppendArraySync.open(join(dir, "a.npy"), { dtype: "<f8" });
      w.append([[1, 2], [3, 4]]);
    }
    const cases: string[][] = [
      ["from-csv", "m.csv", "-"],
      ["from-csv", "-", "-"],
      ["concat", "-", "a.npy"],
      ["concat", "out.npy", "-"],
      ["concat", "out.npy", "a.npy", "-"],
      ["split", "a.npy", "-", "--rows", "1"],
      ["split", "-", "parts", "--rows", "1"],
      ["info", "-"],
      ["info", "--json", "a.npy", "-"],
      ["recover", "-"],
      ["ensure-appendable", "-"],
      ["to-csv", "-"],
      ["to-csv", "-", "x.csv"],
    ];
    for (const args of cases) {
      const r = cli(args, { cwd: dir, input: CSV });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /"-"/, args.join(" "));
      assert.match(r.stderr, /\.\/-/, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(
        readdirSync(dir).sort(),
        ["a.npy", "m.csv"],
        args.join(" "),
      );
    }
    // "./-" names a file "-", and stdin/stdout keep working where promised.
    let r = cli(["from-csv", "m.csv", "./-"], { cwd: dir, input: CSV });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readNpySync(join(dir, "-")).shape, [2, 2]);
    rmSync(join(dir, "-"));
    r = cli(["from-csv", "-", "b.npy"], { cwd: dir, input: CSV });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      Array.from(readNpySync(join(dir, "b.npy")).data as Float64Array),
      [1, 2, 3, 4],
    );
    r = cli(["to-csv", "a.npy", "-"], { cwd: dir, input: CSV });
    assert.equal(r.code, 0, r.stderr);
    // f8 in NumPy's str() style (stop 27).
    assert.equal(r.stdout, "1.0,2.0\n3.0,4.0\n");
    // After "--", "-" is still not a file name of its own.
    r = cli(["concat", "--", "-", "a.npy"], { cwd: dir, input: CSV });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(existsSync(join(dir, "-")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
