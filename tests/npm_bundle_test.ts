/**
 * The npm build's entries are single files (issue 17.2, cold start): run
 * on the build (`node --test npm/tests/`), the package's `mod.js` and
 * `cli.js` import no module of the package, the published files are the
 * bundles and the declarations, and the bundle is the library the other
 * tests exercise. Under Deno and Bun (the TypeScript sources) there is no
 * build to check, and no test is registered (a skip would fail CI).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { COMPILED } from "./_runtime.ts";
import * as lib from "../mod.ts";
import * as adapters from "../adapters.ts";

function pkg(): { files: string[] } {
  return JSON.parse(text("package.json"));
}

function text(name: string): string {
  return readFileSync(new URL(`../${name}`, import.meta.url), "utf8");
}

if (COMPILED) {
  describe("npm build: bundled entries", () => {
    test("mod.js, adapters.js and cli.js import only the shared chunks", () => {
      for (const entry of ["mod.js", "adapters.js", "cli.js"]) {
        const js = text(entry);
        const specifiers = [
          ...js.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']*)["']/g),
        ].map((m) => m[1]!);
        assert.ok(specifiers.length > 0, entry);
        for (const s of specifiers) {
          assert.match(s, /^\.\/chunks\/[^/]+\.js$/, entry);
        }
        assert.ok(
          js.includes("NpyAppendArraySync") || entry === "adapters.js",
          entry,
        );
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

    test("mod.js and adapters.js share their classes (one SyncBackedFile)", () => {
      for (
        const C of [adapters.NodeFile, adapters.DenoFile, adapters.OpfsFile]
      ) {
        assert.equal(
          Object.getPrototypeOf(C.prototype),
          lib.SyncBackedFile.prototype,
          C.name,
        );
      }
      assert.ok(pkg().files.includes("chunks/*.js"));
    });

    test("the tests run on the bundle", () => {
      // This file imports ../mod.ts, compiled to ../mod.js: the bundle.
      assert.equal(typeof lib.NpyReader.prototype.readIntoSync, "function");
      const chunks = readdirSync(new URL("../chunks/", import.meta.url));
      assert.ok(
        chunks.some((c) => text(`chunks/${c}`).includes("readIntoSync")),
      );
    });
  });
}
