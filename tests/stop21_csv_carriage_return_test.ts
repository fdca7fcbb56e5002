/**
 * Stop 21 (h7): `to-csv` of a string holding a carriage return. np.loadtxt
 * reads text through Python's universal newlines, so a CR, even inside a
 * quoted field, comes back as `\n` ('a\rb' read back as 'a\nb'), and
 * from-csv now reads the same way: the promised exact read-back cannot
 * hold. to-csv wrote it anyway; now it refuses, naming the file, the row
 * and column and the fix, and an existing OUT is left as it was.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyGroupWriterSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";

test(
  "np.loadtxt reads a quoted CR as a line break (why to-csv cannot write one)",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const csv = join(dir, "cr.csv");
    writeFileSync(csv, '"a\rb"\n');
    const got = runPython(
      `import numpy as np, sys
print(repr(np.loadtxt(sys.argv[1], delimiter=",", dtype="U3", quotechar='"').tolist()))`,
      [csv],
    ).trim();
    assert.equal(got, "'a\\nb'");
  },
);

for (
  const [dtype, values] of [
    ["<U4", ["ok", "x", "a\rb"]],
    ["|S4", [new Uint8Array([111]), new Uint8Array([99, 13, 10])]],
  ] as const
) {
  test(`to-csv of ${dtype} holding a CR: refused naming the row; OUT kept`, () => {
    const dir = tempDir();
    const npy = join(dir, "in.npy");
    const w = NpyAppendArraySync.open(npy, { dtype });
    w.append({ data: [...values], shape: [values.length] } as never);
    w.close();
    const out = join(dir, "out.csv");
    writeFileSync(out, "kept\n");
    const r = cli(["to-csv", "--no-progress", npy, out], ALL_PERMISSIONS);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`"${npy.replace(/[/.]/g, "\\$&")}"`));
    assert.match(
      r.stderr,
      new RegExp(
        `row ${
          values.length - 1
        }, column 0 holds a carriage return \\(\\\\r\\), which np\\.loadtxt and from-csv read as a line break`,
      ),
    );
    assert.equal(readFileSync(out, "utf8"), "kept\n");
  });
}

test("to-csv of a group whose member holds a CR: refused naming the member and row; OUT kept", () => {
  const dir = tempDir();
  const group = join(dir, "g");
  const g = NpyGroupWriterSync.open(group, {
    members: { n: { dtype: "<i4" }, s: { dtype: "<U4" } },
  });
  g.append({ n: [1, 2], s: ["a", "b\rc"] });
  g.close();
  const out = join(dir, "out.csv");
  writeFileSync(out, "kept\n");
  const r = cli(["to-csv", "--no-progress", group, out], ALL_PERMISSIONS);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /member "s" row 1, column 0 holds a carriage return \(\\r\)/,
  );
  assert.doesNotMatch(r.stderr, /UnwritableField/);
  assert.equal(readFileSync(out, "utf8"), "kept\n");
});
