/**
 * Stop 27 (h5): the command line against hostile CSV input.
 *
 * - `from-csv --overwrite x.csv x.csv` (or OUT a link to IN) replaced the
 *   CSV it read with the `.npy` it made, exit 0: the user's text was gone.
 *   `concat` and `to-csv` refuse an OUT that is an input; `from-csv` now
 *   does too (usage error, exit 2, IN unchanged).
 * - A row of CSV is read whole, so a stray quote (a quoted field not
 *   closed) or one endless line made the parser keep the rest of the file
 *   in memory: 357 MB for a 100 MB file, a crash for a larger one. A row
 *   longer than 64 Mi characters is now refused, naming the file, the line
 *   it starts on, and the fix; no OUT is left.
 * - A file error named no fix: `to-csv a.npy nodir/x.csv` said "no such
 *   file" (the folder is what is missing; `concat` and `from-csv` said
 *   "create it first"), an OUT or IN that is a folder "it is a directory".
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

test("from-csv --overwrite refuses an OUT that is its IN", () => {
  const dir = tempDir();
  const text = "1,2\n3,4\n";
  writeFileSync(join(dir, "x.csv"), text);
  symlinkSync("x.csv", join(dir, "link.npy"));
  for (const out of ["x.csv", "link.npy", join(dir, "x.csv")]) {
    const r = cli(["from-csv", "--overwrite", "x.csv", out], { cwd: dir });
    assert.equal(r.code, 2, `${out}: ${r.stderr}`);
    assert.match(r.stderr, /OUT is also the input; pass another OUT/);
    assert.equal(readFileSync(join(dir, "x.csv"), "utf8"), text);
  }
  assert.deepEqual(readdirSync(dir).sort(), ["link.npy", "x.csv"]);
});

/** Writes `head`, then `bytes` more of `fill` lines, in pieces. */
function bigFile(path: string, head: string, fill: string, bytes: number) {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, head);
    const piece = fill.repeat(Math.ceil((1 << 20) / fill.length));
    for (let n = 0; n < bytes; n += piece.length) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
}

test(
  "from-csv refuses a row longer than 64 Mi characters (a quote not closed, an endless line)",
  { timeout: 600_000 },
  () => {
    const dir = tempDir();
    // A stray quote on line 3: the rest of the file would be one field.
    bigFile(join(dir, "quote.csv"), '1,2\n3,4\n"5,6\n', "7,8\n", 80 << 20);
    // One line of 80 MiB.
    bigFile(join(dir, "line.csv"), "1,2\n", "1,", 80 << 20);
    for (const [name, line] of [["quote.csv", 3], ["line.csv", 2]] as const) {
      const r = cli(["from-csv", "--no-progress", name, "out.npy"], {
        cwd: dir,
      });
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(
          `Cannot read ${name} line ${line}: the row starting there is longer than 67108864 characters`,
        ),
      );
      assert.match(r.stderr, /quote/);
      assert.equal(existsSync(join(dir, "out.npy")), false, name);
    }
  },
);

test("an OUT in a folder not there, or a folder as OUT or IN, names the fix", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "x.csv"), "1,2\n");
  const npy = cli(["from-csv", "x.csv", "x.npy"], { cwd: dir });
  assert.equal(npy.code, 0, npy.stderr);
  const runs: [string[], RegExp][] = [
    [
      ["to-csv", "x.npy", "no dir/x.csv"],
      /^npy-append-array: Cannot write "no dir\/x\.csv": its folder "no dir" does not exist; create it first\n$/,
    ],
    [
      ["to-csv", "x.npy", join(dir, "nodir", "x.csv")],
      /its folder "[^"]*nodir" does not exist; create it first\n$/,
    ],
    [
      ["from-csv", "x.csv", "."],
      /it is a folder, not a file: pass a file's path\n$/,
    ],
    [
      ["concat", ".", "x.npy"],
      /it is a folder, not a file: pass a file's path\n$/,
    ],
    [
      ["from-csv", ".", "y.npy"],
      /it is a folder, not a file: pass a file's path\n$/,
    ],
  ];
  for (const [args, want] of runs) {
    const r = cli(args, { cwd: dir });
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(" "));
  }
  assert.deepEqual(readdirSync(dir).sort(), ["x.csv", "x.npy"]);
});

test("a file of several arrays is named as such, with a fix that works", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "x.csv"), "1\n2\n");
  assert.equal(
    cli(["from-csv", "--1d", "x.csv", "a.npy"], { cwd: dir }).code,
    0,
  );
  const one = readFileSync(join(dir, "a.npy"));
  const two = Buffer.concat([one, one]);
  writeFileSync(join(dir, "two.npy"), two);
  // concat into it said "no room to grow; run ensure-appendable", which
  // then refused; ensure-appendable said "join them with the CLI's
  // concat", which reads the first array only (as np.load).
  for (
    const args of [["concat", "two.npy", "a.npy"], [
      "ensure-appendable",
      "two.npy",
    ]]
  ) {
    const r = cli(args, { cwd: dir });
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /several arrays saved one after another/);
    assert.doesNotMatch(r.stderr, /ensure-appendable two|CLI's concat/);
    assert.deepEqual(readFileSync(join(dir, "two.npy")), two);
  }
});
