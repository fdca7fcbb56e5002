/**
 * The npm build's entries are single files (issue 17.2, cold start): run
 * on the build (`node --test npm/tests/`), the package's `mod.js` and
 * `cli.js` import no module of the package, the published files are the
 * bundles and the declarations, and the bundle is the library the other
 * tests exercise. Under Deno and Bun (the TypeScript sources) there is no
 * build to check: skipped.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { COMPILED } from "./_runtime.ts";
import * as lib from "../mod.ts";

const skip = COMPILED ? {} : { skip: "runs on the npm build only" };

function text(name: string): string {
  return readFileSync(new URL(`../${name}`, import.meta.url), "utf8");
}

describe("npm build: single-file entries", skip, () => {
  test("mod.js and cli.js import no file of the package", () => {
    for (const entry of ["mod.js", "cli.js"]) {
      const js = text(entry);
      assert.doesNotMatch(js, /(?:from|import)\s*\(?\s*["']\.{1,2}\//, entry);
      assert.ok(js.includes("NpyAppendArraySync"), entry);
    }
    assert.ok(text("cli.js").startsWith("#!/usr/bin/env node\n"));
  });

  test("the package publishes the bundles and the declarations", () => {
    const pkg = JSON.parse(text("package.json"));
    assert.deepEqual(pkg.exports["."], {
      types: "./mod.d.ts",
      default: "./mod.js",
    });
    assert.ok(pkg.files.includes("mod.js"));
    assert.ok(pkg.files.includes("src/**/*.d.ts"));
    assert.ok(!pkg.files.includes("src/**/*.js"));
    assert.match(text("mod.d.ts"), /\.\/src\/npy_reader\.js/);
    assert.match(text("src/npy_reader.d.ts"), /readIntoSync\(/);
  });

  test("the tests run on the bundle", () => {
    // This file imports ../mod.ts, compiled to ../mod.js: the bundle.
    assert.equal(typeof lib.NpyReader.prototype.readIntoSync, "function");
    assert.ok(text("mod.js").includes("readIntoSync"));
  });
});
