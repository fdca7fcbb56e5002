/**
 * Adversary round 12, known defects: `pointTestsAtEntries` (scripts/
 * build_npm.ts) carried "reaches `../src/`" from a helper up to its
 * importers, but not across to the other importers of the same helper,
 * nor down to the helpers of a test that imports `../src/`: a helper
 * shared by such a test and another was pointed at Node's build for one
 * and at the ES modules for the other (it is one module, one build), and
 * the classes compared (`instanceof NpyLockedError`) were two copies.
 * Now the rule is a fixpoint over the `./` imports of helpers that hold
 * the library, taken both ways (a helper without it, such as `_numpy.ts`,
 * links nothing: else nearly every test would leave Node's build).
 * (Deno only: it imports the build script, which the npm build leaves
 * out.)
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pointTestsAtEntries } from "../scripts/build_npm.ts";
import { tempDir } from "./_numpy.ts";

const MOD = 'import { NpyAppendArraySync } from "../mod.js";\n';
const SRC = 'import { lockPathOf } from "../src/_lock.js";\n';

/** Writes `files` (name to text) to a folder, points it, returns each file's entry. */
function pointed(files: Record<string, string>): Record<string, string> {
  const dir = join(tempDir(), "tests");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
  }
  pointTestsAtEntries(dir);
  const out: Record<string, string> = {};
  for (const name of Object.keys(files)) {
    const m = /from "(\.\.\/[^"]*mod[^"]*)"/.exec(
      readFileSync(join(dir, name), "utf8"),
    );
    out[name] = m === null ? "none" : m[1]!;
  }
  return out;
}

const MODULES = "../mod.modules.js";
const NODE = "../node/mod.js";

test("a helper's other importers follow the importer that reaches ../src/", () => {
  assert.deepEqual(
    pointed({
      "a_test.js": SRC + MOD + 'import { hold } from "./_h.js";\n',
      "b_test.js": MOD + 'import { hold } from "./_h.js";\n',
      "_h.js": MOD,
      "c_test.js": MOD,
    }),
    {
      "a_test.js": MODULES,
      "b_test.js": MODULES,
      "_h.js": MODULES,
      "c_test.js": NODE,
    },
  );
});

test("the chain runs across several helpers and both ways", () => {
  assert.deepEqual(
    pointed({
      // d reaches src through _g; _g's other importer e, e's other helper
      // _k, and _k's other importer f follow.
      "d_test.js": MOD + 'import { g } from "./_g.js";\n',
      "_g.js": SRC + MOD,
      "e_test.js": MOD +
        'import { g } from "./_g.js";\nimport { k } from "./_k.js";\n',
      "_k.js": MOD,
      "f_test.js": MOD + 'import { k } from "./_k.js";\n',
      "g_test.js": MOD + 'import { m } from "./_m.js";\n',
      "_m.js": MOD,
    }),
    {
      "d_test.js": MODULES,
      "_g.js": MODULES,
      "e_test.js": MODULES,
      "_k.js": MODULES,
      "f_test.js": MODULES,
      "g_test.js": NODE,
      "_m.js": NODE,
    },
  );
});

test("a helper that reaches ../src/ itself carries its importers, as before", () => {
  assert.deepEqual(
    pointed({
      "h_test.js": MOD + 'import { x } from "./_x.js";\n',
      "_x.js": SRC,
      "i_test.js": MOD,
    }),
    { "h_test.js": MODULES, "_x.js": "none", "i_test.js": NODE },
  );
});

test("a helper without the library (as _numpy.ts) links nothing", () => {
  const NUMPY = 'import { spawnSync } from "node:child_process";\n';
  assert.deepEqual(
    pointed({
      "j_test.js": SRC + MOD + 'import { tempDir } from "./_n.js";\n',
      "_n.js": NUMPY,
      "k_test.js": MOD + 'import { tempDir } from "./_n.js";\n',
    }),
    { "j_test.js": MODULES, "_n.js": "none", "k_test.js": NODE },
  );
});
