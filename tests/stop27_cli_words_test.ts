/**
 * Stop 27 (h5): the library's messages reach command-line users in the
 * command line's words. The library names its fixes as calls
 * (`recover("x.npy")`, "call recover first", "call ensureAppendable
 * first", "raise maxHeaderSize", "run recoverStack"); `cliWords`
 * (src/cli/_cli_words.ts) rewords each, in one place, as the command or
 * option that does it (`run "npy-append-array recover x.npy"`,
 * `--max-header-size 19990`), a path with spaces quoted for the shell.
 * Checked on real runs and, for the whole kind, on every string of the
 * library's sources that names a call: none survives the rewording.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli, ROOT } from "./_cli_run.ts";
import { cliWords } from "../src/cli/_cli_words.ts";

/** The library's names a command-line user cannot type. */
const API_WORDS =
  /\brecover(?:Stack|Group)?\(|\b(?:call|run) recover(?:Stack|Group)?\b|\brecoverStack\b|\brecoverGroup\b|\bensureAppendable\b|\bmaxHeaderSize\b|\ballowIncomplete\b|\binplace: true\b|\b(?:use|pass|with) casting "/;

/** String literals (quotes and template text) of a source, line by line. */
function literals(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\s*(\*|\/\/|\/\*\*)/.test(line)) continue;
    for (
      const m of line.matchAll(
        /`([^`]*)`|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g,
      )
    ) {
      out.push(m[1] ?? m[2] ?? m[3]!);
    }
  }
  return out;
}

test("every library message naming a call is reworded for the command line", () => {
  const src = join(ROOT, "src");
  // The sources: `.ts`, or under node --test of the npm build `.js`
  // (beside `.d.ts` files, which hold no message).
  const ext = readdirSync(src).includes("_layout.ts") ? ".ts" : ".js";
  const left: string[] = [];
  let seen = 0;
  for (const name of readdirSync(src).sort()) {
    if (!name.endsWith(ext) || name.endsWith(".d.ts")) continue;
    for (const lit of literals(readFileSync(join(src, name), "utf8"))) {
      // Option names alone (`"maxHeaderSize"` as a key) are not messages.
      if (!API_WORDS.test(lit) || !/\s/.test(lit)) continue;
      seen++;
      const said = cliWords(`Cannot read "x.npy": ${lit}`);
      if (API_WORDS.test(said)) left.push(`${name}: ${said}`);
    }
  }
  assert.ok(seen > 20, `only ${seen} messages found: is the scan broken?`);
  assert.deepEqual(left, []);
});

test("the command line's own texts name no call of the library", () => {
  const dir = join(ROOT, "src", "cli");
  const left: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.(ts|js)$/.test(name) || /\.d\.ts$|^_cli_words\./.test(name)) {
      continue;
    }
    for (const lit of literals(readFileSync(join(dir, name), "utf8"))) {
      if (API_WORDS.test(lit) && /\s/.test(lit)) left.push(`${name}: ${lit}`);
    }
  }
  assert.deepEqual(left, []);
});

test("paths in the commands a message names are quoted for the shell", () => {
  assert.equal(
    cliWords('Cannot append to "a b.npy": it is cut off; call recover first'),
    `Cannot append to "a b.npy": it is cut off; run "npy-append-array recover 'a b.npy'" first`,
  );
  assert.equal(
    cliWords(`Cannot read "it's.npy": run recover("it's.npy")`),
    `Cannot read "it's.npy": run "npy-append-array recover 'it'\\''s.npy'"`,
  );
});

const MAKE = String.raw`
import sys, numpy as np
d = sys.argv[1]
np.save(d + "/a.npy", np.arange(10.0))
b = open(d + "/a.npy", "rb").read()
open(d + "/cut off.npy", "wb").write(b[:-12])
open(d + "/moving.npy", "wb").write(b"\x00" + b[1:])
h = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
h = h + " " * (20000 - len(h) - 12 - 1) + "\n"
open(d + "/big.npy", "wb").write(b"\x93NUMPY\x02\x00" + len(h).to_bytes(4, "little") + h.encode() + np.zeros(2).tobytes())
`;

test(
  "the library's fixes reach the command line as commands and options",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(MAKE, [dir]);
    const failing = (args: string[], want: RegExp) => {
      const r = cli(args, { cwd: dir, input: "1\n" });
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, API_WORDS, args.join(" "));
      assert.match(r.stderr, want, `${args.join(" ")}: ${r.stderr}`);
      return r;
    };
    failing(["info", "big.npy"], /pass --max-header-size 19988 to read/);
    failing(["to-csv", "big.npy", "-"], /pass --max-header-size 19988 to read/);
    const cut = /run "npy-append-array recover '[^']*cut off\.npy'" first/;
    failing(["concat", "cut off.npy", "a.npy"], cut);
    failing(["from-csv", "-", "cut off.npy"], cut);
    failing(["to-csv", "cut off.npy", "-"], cut);
    failing(
      ["info", "moving.npy"],
      /"npy-append-array recover [^"]*moving\.npy"/,
    );
    // A stack whose info lists a shard that is gone.
    assert.equal(
      cli(["split", "--rows", "3", "a.npy", "st"], { cwd: dir }).code,
      0,
    );
    rmSync(join(dir, "st", "1.npy"));
    failing(
      ["to-csv", "st", "-"],
      /remove info and run "npy-append-array recover [^"]*st"$/m,
    );
    failing(["concat", "out.npy", "st"], /"npy-append-array recover [^"]*st"/);
    // Nothing was made, nothing changed.
    assert.deepEqual(readdirSync(dir).sort(), [
      "a.npy",
      "big.npy",
      "cut off.npy",
      "moving.npy",
      "st",
    ]);
  },
);

test("concat --help says how a stack folder is read", () => {
  const r = cli(["concat", "--help"]);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout, /stands for its shards/);
  assert.match(r.stdout, /read as one array/);
});
