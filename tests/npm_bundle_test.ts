/**
 * The npm build's entries are single files (issue 17.2, cold start): run
 * on the build (`node --test npm/tests/`), the package's `mod.js` and
 * `cli.js` import no module of the package, the published files are the
 * bundles and the declarations, and the package gives Bun its bytecode
 * build, Node its code cache build and Deno the ES modules, which write
 * the same bytes. Node's build is the library the other tests exercise. Under Deno and Bun (the TypeScript sources) there is no
 * build to check, and no test is registered (a skip would fail CI).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
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

const pkgDir = fileURLToPath(new URL("../", import.meta.url));
const BUN = "bun@1.4.5";
const DENO = "deno@2.9.6";
const ESBUILD = "esbuild@0.28.2";
const TYPESCRIPT = "typescript@5.9.3";

/**
 * The main script of a project that installed the package: writes the
 * bundle cases into the folder its last argument names and prints what
 * it met as JSON. `resolve`: also which files the package's names
 * resolved to, and how Node's build compiled (ES modules only: an
 * `import.meta` and a top-level `await`).
 */
const main = (resolve: boolean) =>
  `import * as lib from "npy-append-array";
import * as adapters from "npy-append-array/adapters";
import { writeBundleCases } from ${
    JSON.stringify(
      fileURLToPath(new URL("./_bundle_cases.js", import.meta.url)),
    )
  };
const out = process.argv.at(-1);
const files = writeBundleCases(lib, out);
let locked = null;
const w = lib.NpyAppendArraySync.open(out + "/f8.npy");
try {
lib.NpyAppendArraySync.open(out + "/f8.npy");
} catch (e) {
locked = e instanceof lib.NpyLockedError ? e.name : String(e);
}
w.close();
const got = {
names: Object.keys(lib).filter((k) => k !== "default").sort(),
adapterNames: Object.keys(adapters).filter((k) => k !== "default").sort(),
shared: Object.getPrototypeOf(adapters.NodeFile.prototype) === lib.SyncBackedFile.prototype,
files,
locked,
};
${
    resolve
      ? `got.resolved = [import.meta.resolve("npy-append-array"), import.meta.resolve("npy-append-array/adapters")];
if (got.resolved[0].endsWith("/node/mod.js")) {
got.compiledFrom = (await import(new URL("./library.js", got.resolved[0]).href)).compiledFrom;
}`
      : ""
  }
console.log(JSON.stringify(got));
`;

/**
 * A project with the package `pkg` installed (a link), as `npm install`
 * would leave it, and its main script.
 */
function project(pkg: string = pkgDir): string {
  const dir = tempDir();
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  symlinkSync(pkg, join(modules, "npy-append-array"), "dir");
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(dir, "main.mjs"), main(true));
  writeFileSync(join(dir, "plain.mjs"), main(false));
  return dir;
}

/**
 * Runs `cmd` (the project's main script, or its bundle) in the project
 * `dir`, writing into a new folder, and checks what every build must
 * give: the same names, one copy of each class, the lock, and the bytes
 * the ES modules write here. Returns what the script reported.
 */
function runInstalled(
  dir: string,
  cmd: string[],
): { resolved: string[]; compiledFrom?: string } {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const esmOut = `${out}-esm`;
  mkdirSync(out);
  mkdirSync(esmOut);
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), out], {
    cwd: dir,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.deepEqual(got.names, Object.keys(lib).sort());
  assert.deepEqual(got.adapterNames, Object.keys(adapters).sort());
  assert.equal(got.shared, true);
  assert.equal(got.locked, "NpyLockedError");
  const files = writeBundleCases(lib, esmOut);
  assert.deepEqual(got.files, files);
  for (const f of files) {
    assert.deepEqual(
      readFileSync(join(out, f)),
      readFileSync(join(esmOut, f)),
      f,
    );
  }
  return got;
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
        deno: "./mod.js",
        node: "./node/mod.js",
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

    test("the tests run on Node's build, from its code cache", async () => {
      // This file imports ../mod.ts, compiled to ../mod.js and pointed at
      // ../node/mod.js by the build.
      const node = await import(
        new URL("../node/library.js", import.meta.url).href
      );
      assert.equal(lib.NpyReader, node.library.NpyReader);
      assert.equal(node.compiledFrom, "cache");
      assert.match(node.SOURCE, /readIntoSync/);
      // ASCII, so that V8 holds it in one byte a character.
      assert.equal(node.SOURCE.search(/[\u0080-\uffff]/), -1);
    });
  });

  describe("npm build: Bun's bytecode build", () => {
    test("the bun condition loads bun/*.cjs, bytecode beside them", () => {
      const { exports, files } = JSON.parse(text("package.json"));
      assert.equal(exports["."].bun, "./bun/mod.cjs");
      assert.equal(exports["./adapters"].bun, "./bun/adapters.cjs");
      // `types` first and `default` last.
      assert.deepEqual(Object.keys(exports["."]), [
        "types",
        "bun",
        "deno",
        "node",
        "default",
      ]);
      assert.ok(files.includes("bun/*.cjs") && files.includes("bun/*.jsc"));
      assert.ok(text("bun/npy.cjs").startsWith("// @bun @bytecode @bun-cjs"));
      const jsc = readFileSync(new URL("../bun/npy.cjs.jsc", import.meta.url));
      assert.ok(jsc.byteLength > 100_000, `${jsc.byteLength} bytes`);
    });

    test("under Bun: same names, one copy of each class, same bytes", () => {
      const got = runInstalled(project(), ["npx", "-y", BUN, "main.mjs"]);
      assert.match(got.resolved[0]!, /\/bun\/mod\.cjs$/);
      assert.match(got.resolved[1]!, /\/bun\/adapters\.cjs$/);
    });
  });

  describe("npm build: the package's types", () => {
    test("TypeScript checks a project as the README says (target es2022, lib esnext and dom)", () => {
      const dir = project();
      writeFileSync(
        join(dir, "a.mts"),
        `import { NpyAppendArraySync, NpyReader } from "npy-append-array";
import { OpfsFile } from "npy-append-array/adapters";
using w = NpyAppendArraySync.open("x.npy", { dtype: "<f4" });
w.append({ data: new Float32Array(2), shape: [1, 2] });
export const r: Promise<NpyReader> = NpyReader.open("x.npy");
export type O = OpfsFile;
`,
      );
      for (const resolution of ["bundler", "node16"]) {
        writeFileSync(
          join(dir, "tsconfig.json"),
          JSON.stringify({
            compilerOptions: {
              target: "es2022",
              lib: ["esnext", "dom"],
              module: resolution === "bundler" ? "esnext" : "node16",
              moduleResolution: resolution,
              strict: true,
              noEmit: true,
              types: [],
            },
            files: ["a.mts"],
          }),
        );
        const r = spawnSync("npx", ["-y", "-p", TYPESCRIPT, "tsc", "-p", "."], {
          cwd: dir,
          encoding: "utf8",
        });
        assert.equal(r.status, 0, `${resolution}: ${r.stdout}${r.stderr}`);
      }
    });
  });

  describe("npm build: Node's code cache build", () => {
    test("under Node: node/*.js from the cache, same names and bytes", () => {
      const got = runInstalled(project(), [process.execPath, "main.mjs"]);
      assert.match(got.resolved[0]!, /\/node\/mod\.js$/);
      assert.match(got.resolved[1]!, /\/node\/adapters\.js$/);
      assert.equal(got.compiledFrom, "cache");
    });

    test("under Deno: the ES modules", () => {
      const got = runInstalled(project(), [
        "npx",
        "-y",
        DENO,
        "run",
        "-A",
        "main.mjs",
      ]);
      // The package's own folder (Deno reports the link's target).
      assert.equal(got.resolved[0], new URL("../mod.js", import.meta.url).href);
      assert.equal(
        got.resolved[1],
        new URL("../adapters.js", import.meta.url).href,
      );
    });

    /** A copy of the package's Node build, changed by `spoil`. */
    function spoiledCopy(spoil: (nodeDir: string) => void): string {
      const copy = tempDir();
      cpSync(join(pkgDir, "package.json"), join(copy, "package.json"));
      cpSync(join(pkgDir, "node"), join(copy, "node"), { recursive: true });
      spoil(join(copy, "node"));
      return copy;
    }

    test("a cache V8 refuses, or older than library.js: compiled from source", () => {
      const spoils: [string, (dir: string) => void][] = [
        ["garbage", (d) => writeFileSync(join(d, "library.js.cache"), "x")],
        ["cut short", (d) => {
          const cache = readFileSync(join(d, "library.js.cache"));
          writeFileSync(join(d, "library.js.cache"), cache.subarray(0, 999));
        }],
        ["missing", (d) => rmSync(join(d, "library.js.cache"))],
        ["library.js edited after", (d) => {
          const later = new Date(Date.now() + 60_000);
          utimesSync(join(d, "library.js"), later, later);
        }],
      ];
      for (const [name, spoil] of spoils) {
        const got = runInstalled(project(spoiledCopy(spoil)), [
          process.execPath,
          "main.mjs",
        ]);
        assert.equal(got.compiledFrom, "source", name);
      }
    });

    test("bundled for Node by esbuild (ESM and CommonJS), away from its cache: same bytes", () => {
      for (const format of ["esm", "cjs"]) {
        const dir = project();
        const bundle = `bundle.${format === "esm" ? "mjs" : "cjs"}`;
        const r = spawnSync("npx", [
          "-y",
          ESBUILD,
          "plain.mjs",
          "--bundle",
          "--platform=node",
          `--format=${format}`,
          "--log-level=error",
          `--outfile=${bundle}`,
        ], { cwd: dir, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        // The bundle holds the library, away from node/library.js.cache.
        rmSync(join(dir, "node_modules"), { recursive: true });
        runInstalled(dir, [process.execPath, bundle]);
      }
    });
  });
}
