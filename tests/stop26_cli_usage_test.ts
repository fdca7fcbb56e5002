/**
 * Stop 26 (h1): a misspelt command or option names what was meant.
 * `to-csv --delimeter ,` said only `Unknown option "--delimeter" for
 * to-csv; see --help`; `to-cvs` listed the commands. Now the nearest name
 * (case, a unique beginning, or two edits) is named, exit code 2, and
 * nothing is read or written.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cli } from "./_cli_run.ts";
import { tempDir } from "./_numpy.ts";

test("misspelt commands and options: exit 2, naming the one meant", () => {
  const dir = tempDir();
  const out = join(dir, "o.csv");
  const cases: Array<[string[], RegExp]> = [
    [["to-cvs", "a.npy"], /Unknown command "to-cvs"; did you mean "to-csv"\?/],
    [["TO-CSV", "a.npy"], /did you mean "to-csv"\?/],
    [["recovr", "a.npy"], /did you mean "recover"\?/],
    [["inf", "a.npy"], /did you mean "info"\?/],
    [["--verison"], /Unknown option "--verison"; did you mean "--version"\?/],
    [["-x"], /options go after the command/],
    [
      ["to-csv", "--delimeter", ";", "a.npy", out],
      /Unknown option "--delimeter" for to-csv; did you mean "--delimiter"\? See "npy-append-array to-csv --help"/,
    ],
    [
      ["concat", "--overwite", out, "a.npy"],
      /did you mean "--overwrite"\?/,
    ],
    [["concat", "--cast", "no", out, "a.npy"], /did you mean "--casting"\?/],
    [["from-csv", "--column", "3", "a", out], /did you mean "--columns"\?/],
    [["split", "--row", "3", "a", out], /did you mean "--rows"\?/],
    [
      ["to-csv", "--no-progres", "a.npy", out],
      /did you mean "--no-progress"\?/,
    ],
  ];
  for (const [args, want] of cases) {
    const run = cli(args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, want);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  }
  // Nothing near: no guess, the list or the help.
  const far = cli(["frobnicate"]);
  assert.doesNotMatch(far.stderr, /did you mean/);
  assert.match(far.stderr, /the commands are info/);
  const farOption = cli(["to-csv", "--overwrite", "a.npy", out]);
  assert.equal(farOption.code, 2);
  assert.doesNotMatch(farOption.stderr, /did you mean/);
  assert.equal(existsSync(out), false);
});
