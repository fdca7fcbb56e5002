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
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPILED } from "./_runtime.ts";
import { writeBundleCases } from "./_bundle_cases.ts";
import { tempDir } from "./_numpy.ts";
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
        bun: "./bun/mod.cjs",
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

  describe("npm build: Bun's bytecode build", () => {
    const pkgDir = fileURLToPath(new URL("../", import.meta.url));

    test("the bun condition loads bun/*.cjs, bytecode beside them", () => {
      const { exports, files } = JSON.parse(text("package.json"));
      assert.equal(exports["."].bun, "./bun/mod.cjs");
      assert.equal(exports["./adapters"].bun, "./bun/adapters.cjs");
      // `types` first and `default` last: the conditions Node, Deno,
      // TypeScript and bundlers read are the ES module build's.
      assert.deepEqual(Object.keys(exports["."]), ["types", "bun", "default"]);
      assert.ok(files.includes("bun/*.cjs") && files.includes("bun/*.jsc"));
      assert.ok(text("bun/npy.cjs").startsWith("// @bun @bytecode @bun-cjs"));
      const jsc = readFileSync(new URL("../bun/npy.cjs.jsc", import.meta.url));
      assert.ok(jsc.byteLength > 100_000, `${jsc.byteLength} bytes`);
    });

    test("under Bun: same names, one copy of each class, same bytes", () => {
      // A project that installs the package, as `npm install` would.
      const dir = tempDir();
      const modules = join(dir, "node_modules");
      mkdirSync(modules);
      symlinkSync(pkgDir, join(modules, "npy-append-array"), "dir");
      const bunOut = join(dir, "bun-out");
      const esmOut = join(dir, "esm-out");
      mkdirSync(bunOut);
      mkdirSync(esmOut);
      const cases = new URL("./_bundle_cases.js", import.meta.url).href;
      writeFileSync(
        join(dir, "main.mjs"),
        `import * as lib from "npy-append-array";
import * as adapters from "npy-append-array/adapters";
import { writeBundleCases } from ${JSON.stringify(cases)};
const files = writeBundleCases(lib, ${JSON.stringify(bunOut)});
let locked = null;
const w = lib.NpyAppendArraySync.open(${
          JSON.stringify(join(bunOut, "f8.npy"))
        });
try {
  lib.NpyAppendArraySync.open(${JSON.stringify(join(bunOut, "f8.npy"))});
} catch (e) {
  locked = e instanceof lib.NpyLockedError ? e.name : String(e);
}
w.close();
console.log(JSON.stringify({
  resolved: [import.meta.resolve("npy-append-array"), import.meta.resolve("npy-append-array/adapters")],
  names: Object.keys(lib).filter((k) => k !== "default").sort(),
  adapterNames: Object.keys(adapters).filter((k) => k !== "default").sort(),
  shared: Object.getPrototypeOf(adapters.NodeFile.prototype) === lib.SyncBackedFile.prototype,
  files,
  locked,
}));
`,
      );
      const r = spawnSync("npx", ["-y", "bun@1.4.5", "main.mjs"], {
        cwd: dir,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      assert.match(got.resolved[0], /\/bun\/mod\.cjs$/);
      assert.match(got.resolved[1], /\/bun\/adapters\.cjs$/);
      assert.deepEqual(got.names, Object.keys(lib).sort());
      assert.deepEqual(got.adapterNames, Object.keys(adapters).sort());
      assert.equal(got.shared, true);
      assert.equal(got.locked, "NpyLockedError");
      const files = writeBundleCases(lib, esmOut);
      assert.deepEqual(got.files, files);
      for (const f of files) {
        assert.deepEqual(
          readFileSync(join(bunOut, f)),
          readFileSync(join(esmOut, f)),
          f,
        );
      }
    });
  });
}
