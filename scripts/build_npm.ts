/**
 * Builds the npm package into `npm/` (git-ignored):
 *
 * - `mod.ts`, `src/**` (and `cli.ts` when it exists) compiled by the
 *   TypeScript compiler from npm into ESM `.js` + `.d.ts`, with the `.ts`
 *   import specifiers rewritten to `.js` (`rewriteRelativeImportExtensions`);
 * - then `mod.js` and `cli.js` replaced by single-file bundles made by
 *   esbuild from npm (a build-time tool only): loading one file instead of
 *   about 50 modules is most of a short-lived process's start (see
 *   bench/README.md, cold start). The package publishes the bundles and
 *   the `.d.ts` files; `src/**\/*.js` stay in `npm/` for the compiled tests
 *   that import private modules;
 * - `bun/`: the same library as one CommonJS bundle with the bytecode Bun
 *   compiles ahead of time, which the `bun` export condition loads
 *   (`bundleForBun`, cold start on Bun);
 * - `node/`: the same CommonJS bundle with a V8 code cache, which the
 *   `node` export condition loads (scripts/build_npm_node.ts, cold start
 *   on Node);
 * - `package.json` (name `npy-append-array`, version from deno.json),
 *   README.md and LICENSE;
 * - the test suite, compiled into `npm/tests/` (not published: `files` in
 *   package.json leaves it out) with its fixtures, so that
 *   `node --test npm/tests/` runs the same tests on the built JavaScript.
 *   Test files named `*_deno_test.ts` use `Deno.*` and run only under Deno.
 *
 * Run: `deno run -A scripts/build_npm.ts`
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNodeLibrary } from "./build_npm_node.ts";
import { addCompileHints } from "./compile_hints.ts";

/**
 * The project's public repository, for package.json's `repository`,
 * `homepage` and `bugs` (RELEASING.md: check it before a release).
 */
export const REPOSITORY =
  "https://github.com/npy-append-array/npy-append-array-ts";

/** The TypeScript compiler used for the build. */
export const TYPESCRIPT = "typescript@5.9.3";

/** The bundler used for the build. */
export const ESBUILD = "esbuild@0.28.2";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "npm");

function run(cmd: string, args: string[], cwd = ROOT): void {
  const res = spawnSync(cmd, args, { cwd, stdio: "inherit" });
  if (res.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${res.status ?? res.signal})`,
    );
  }
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (
    const entry of fs.readdirSync(join(ROOT, dir), { withFileTypes: true })
  ) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "fixtures") out.push(...tsFiles(rel));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      out.push(rel);
    }
  }
  return out.sort();
}

function tsc(files: string[], options: Record<string, unknown>): void {
  const dir = fs.mkdtempSync(join(tmpdir(), "npy-npm-build-"));
  try {
    const config = {
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ESNext", "DOM", "DOM.Iterable", "DOM.AsyncIterable"],
        types: [],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        rewriteRelativeImportExtensions: true,
        skipLibCheck: true,
        newLine: "lf",
        rootDir: ROOT,
        outDir: OUT,
        ...options,
      },
      files: files.map((f) => join(ROOT, f)),
    };
    const path = join(dir, "tsconfig.json");
    fs.writeFileSync(path, JSON.stringify(config, null, 2));
    run("npx", ["-y", "-p", TYPESCRIPT, "tsc", "-p", path]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes `<outDir>/<entry>.js` for each entry (`mod.ts`, ...): a bundle of
 * it and everything it imports, built by esbuild from the TypeScript
 * sources in one run (whitespace and syntax minified, names kept readable
 * in stack traces), replacing a file of that name. Code that several
 * entries share goes to one chunk file under `<outDir>/chunks/`, so
 * `mod.js` and `adapters.js` meet the same classes (one `NodeFile`, one
 * `SyncBackedFile`). The npm build (`npm/`, and its Bun build through
 * `commonJsBundle`) and the JSR build (`jsr/dist/`, scripts/build_jsr.ts)
 * all bundle through here.
 *
 * @param entries The entry files, relative to the repository.
 * @param outDir Where the bundles go.
 * @param format `esm` (split into shared chunks) or `cjs` (one entry, one
 * file named `<outDir>/<entry>.cjs`, nothing shared).
 * @param compileHints Add compile hints to the ES modules
 * (scripts/compile_hints.ts): the JSR build's, for Deno, whose code cache
 * keeps what they make V8 compile. Not the npm build's: Node 20 and Node
 * 22+ without `NODE_COMPILE_CACHE` keep no cache, and compiling those
 * functions with the module made its load slower than compiling them at
 * their first call (bench/README.md, cold start).
 */
export function bundle(
  entries: string[],
  outDir: string = OUT,
  format: "esm" | "cjs" = "esm",
  compileHints: boolean = false,
): void {
  run("npx", [
    "-y",
    ESBUILD,
    ...entries.map((e) => join(ROOT, e)),
    "--bundle",
    ...(format === "esm"
      ? ["--splitting", "--format=esm", "--chunk-names=chunks/[name]-[hash]"]
      : ["--format=cjs", "--out-extension:.js=.cjs"]),
    "--platform=neutral",
    "--target=es2022",
    "--minify-whitespace",
    "--minify-syntax",
    "--legal-comments=none",
    "--log-level=warning",
    `--outdir=${outDir}`,
    "--entry-names=[name]",
    "--allow-overwrite",
  ]);
  keepClassNames(outDir);
  refuseNonAscii([
    ...entries.map((e) =>
      join(outDir, `${basename(e, ".ts")}.${format === "esm" ? "js" : "cjs"}`)
    ),
    ...(format === "esm" && fs.existsSync(join(outDir, "chunks"))
      ? fs.readdirSync(join(outDir, "chunks")).map((c) =>
        join(outDir, "chunks", c)
      )
      : []),
  ]);
  if (format === "esm" && compileHints) addCompileHints(outDir);
}

/**
 * Refuses bundles with a character beyond ASCII (esbuild escapes those in
 * strings, not in regular expression literals): V8 holds a source with one
 * in two bytes a character, so the whole bundle parses slower, and Node's
 * build (`SOURCE` in `node/library.js`) becomes a two-byte string.
 */
function refuseNonAscii(files: string[]): void {
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const at = text.search(/[\u0080-\uffff]/);
    if (at >= 0) {
      throw new Error(
        `${file} holds a character beyond ASCII: ${
          JSON.stringify(text.slice(Math.max(0, at - 30), at + 10))
        }; write it as an escape (\\u....) in the source`,
      );
    }
  }
}

/**
 * Gives each class esbuild renamed back its own name. esbuild writes a
 * class whose body names it (`static open() { return new NpyReader() }`)
 * as `NpyReader=class _NpyReader{...}` (in a `var` list): the class's `name` was then
 * `"_NpyReader"` in every build (what Node's `console.log` and an
 * instance method's stack frame show). The inner name is visible only in
 * the class's body, where it is the same class as the outer one, so
 * naming it as the outer one changes nothing else. esbuild's own
 * `--keep-names` would do it with a `__name` call for every function (465
 * at each load). A file holding `_NpyReader` anywhere but in that class
 * is refused: its meaning could change.
 */
function keepClassNames(outDir: string): void {
  const dirs = [outDir, join(outDir, "chunks")].filter((d) => fs.existsSync(d));
  for (const dir of dirs) {
    for (const name of fs.readdirSync(dir)) {
      if (!/\.c?js$/.test(name)) continue;
      const file = join(dir, name);
      let text = fs.readFileSync(file, "utf8");
      const renamed = [...text.matchAll(/(?<=\bvar |,)(\w+)=class _\1\{/g)]
        .map((m) => m[1]!);
      for (const cls of renamed) {
        const inner = new RegExp(`(?<![\\w$.#])_${cls}(?![\\w$])`, "g");
        const head = `${cls}=class _${cls}{`;
        const start = text.indexOf(head);
        const next = text.slice(start + head.length).search(/\b\w+=class\b/);
        const end = next < 0 ? text.length : start + head.length + next;
        const all = [...text.matchAll(inner)].map((m) => m.index!);
        if (all.some((i) => i < start || i >= end)) {
          throw new Error(
            `Cannot keep the class name ${cls} in ${file}: _${cls} is used outside its class; fix keepClassNames in scripts/build_npm.ts`,
          );
        }
        text = text.replace(inner, cls);
      }
      if (renamed.length > 0) fs.writeFileSync(file, text);
    }
  }
}

/** Bun, which compiles the Bun build's bytecode (`bun build --bytecode`). */
export const BUN = "bun@1.4.5";

/** The npm package's folder of the Bun build. */
const BUN_DIR = "bun";

/** The names an ES module bundle exports (its closing `export{...}`). */
function exportedNames(bundleFile: string): string[] {
  const text = fs.readFileSync(bundleFile, "utf8");
  const clause = [...text.matchAll(/export\s*\{([^}]*)\}/g)].at(-1);
  if (clause === undefined) throw new Error(`${bundleFile} exports nothing`);
  return clause[1]!.split(",").map((s) => s.trim().split(/\s+as\s+/).at(-1)!)
    .filter((s) => s !== "").sort();
}

/**
 * One CommonJS bundle of every entry in `entries`, made by the same
 * `bundle()` as the ES modules, for the Bun and Node builds (one file, so
 * that all entries share one copy of every class).
 *
 * @param entries The entries (`mod.ts`, `adapters.ts`).
 * @param tmp A scratch folder; the bundle is `<tmp>/npy.cjs`.
 * @returns The bundle's path.
 */
function commonJsBundle(entries: string[], tmp: string): string {
  // One entry re-exporting every entry.
  const all = join(tmp, "npy.ts");
  fs.writeFileSync(
    all,
    entries.map((e) => `export * from ${JSON.stringify(join(ROOT, e))};\n`)
      .join(""),
  );
  bundle([relative(ROOT, all)], tmp, "cjs");
  return join(tmp, "npy.cjs");
}

/**
 * Builds the package's Bun entries into `npm/bun/` (issue 17.2, cold
 * start): Bun compiles a module's JavaScript at every start (JavaScriptCore
 * keeps no cache of it), about 15 ms for the library's bundle on the
 * benchmark machine, but loads bytecode compiled ahead of time in a third
 * of that. Bun does that for CommonJS only (`bun build --bytecode`; ES
 * modules need `--compile`), so:
 *
 * - `npy.cjs`: `commonJsBundle()` with `npy.cjs.jsc` beside it, the
 *   bytecode `bun build --bytecode` compiles from it. A Bun of another
 *   version ignores the bytecode and compiles the JavaScript, as it does
 *   the ES modules;
 * - `mod.cjs` and `adapters.cjs`: each entry's names from `npy.cjs`, the
 *   same names as `mod.js` and `adapters.js`, which the `bun` condition of
 *   package.json's `exports` points at.
 *
 * @param cjs The CommonJS bundle (`commonJsBundle()`).
 * @param entries Each entry's name (`mod`, `adapters`) and exported names.
 */
function bundleForBun(
  cjs: string,
  entries: { name: string; names: string[] }[],
): void {
  const dir = join(OUT, BUN_DIR);
  run("npx", [
    "-y",
    BUN,
    "build",
    cjs,
    "--bytecode",
    "--target=bun",
    "--format=cjs",
    "--minify-whitespace",
    "--minify-syntax",
    `--outdir=${dir}`,
    "--entry-naming=npy.cjs",
  ]);
  for (const { name, names } of entries) {
    fs.writeFileSync(
      join(dir, `${name}.cjs`),
      `"use strict";\n// Bun's entry for ${name}.js: the same names, from the bytecode build.\n` +
        `const all = require("./npy.cjs");\n` +
        `module.exports = {\n${
          names.map((n) => `  ${n}: all.${n},\n`).join("")
        }};\n`,
    );
  }
}

function copyTree(from: string, to: string, keep: (name: string) => boolean) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = join(from, entry.name);
    const b = join(to, entry.name);
    if (entry.isDirectory()) copyTree(a, b, keep);
    else if (keep(entry.name)) fs.copyFileSync(a, b);
  }
}

/**
 * Declaration files keep the `.ts` specifiers (tsc rewrites them only in
 * `.js` output); point them at the `.js` files as the JavaScript does.
 */
function rewriteDeclarationImports(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "tests") rewriteDeclarationImports(path);
    } else if (entry.name.endsWith(".d.ts")) {
      const text = fs.readFileSync(path, "utf8");
      const fixed = text.replace(
        /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*)\.ts(["'])/g,
        "$1$2.js$3",
      );
      if (fixed !== text) fs.writeFileSync(path, fixed);
    }
  }
}

/**
 * Points the compiled tests at the entries they must meet: the ones that
 * share the library's instances with `../src/` at `../mod.modules.js` and
 * `../adapters.modules.js`, every other test at Node's build
 * (`../node/mod.js`, `../node/adapters.js`), which is what the package
 * gives Node (`node --test` runs them). Sharing is a fixpoint over the
 * `./` imports of helpers holding the library (importing an entry or
 * `../src/`, themselves or through a helper), taken both ways: a file that
 * imports `../src/`, every such helper it imports, and every other
 * importer of such a helper (one helper module is one instance for all
 * its importers: pointed at one build for one of them, it is for all).
 * A helper without the library (`_numpy.ts`) links nothing.
 *
 * @param dir The compiled tests' folder.
 */
export function pointTestsAtEntries(dir: string): void {
  const texts = new Map<string, string>();
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith(".js")) {
      texts.set(name, fs.readFileSync(join(dir, name), "utf8"));
    }
  }
  const helpers = new Map<string, string[]>();
  const reaches = new Set<string>();
  // Files holding library instances: they import an entry or `../src/`,
  // or a helper that does. Only such helpers link their importers.
  const holds = new Set<string>();
  for (const [name, text] of texts) {
    helpers.set(
      name,
      [...text.matchAll(/from\s*["']\.\/([^"']+\.js)["']/g)]
        .map((m) => m[1]!)
        .filter((h) => texts.has(h)),
    );
    if (/from\s*["']\.\.\/src\//.test(text)) reaches.add(name);
    if (/from\s*["']\.\.\/(src\/|mod\.js|adapters\.js)/.test(text)) {
      holds.add(name);
    }
  }
  /** Adds to `set` what `add` says, until nothing more is added. */
  const fixpoint = (set: Set<string>, add: (n: string) => string[]) => {
    for (let changed = true; changed;) {
      changed = false;
      for (const name of texts.keys()) {
        for (const n of add(name)) {
          if (!set.has(n)) {
            set.add(n);
            changed = true;
          }
        }
      }
    }
  };
  fixpoint(
    holds,
    (n) => helpers.get(n)!.some((h) => holds.has(h)) ? [n] : [],
  );
  fixpoint(reaches, (n) => {
    const used = helpers.get(n)!.filter((h) => holds.has(h));
    return reaches.has(n) || used.some((h) => reaches.has(h))
      ? [n, ...used]
      : [];
  });
  for (const [name, text] of texts) {
    const entry = reaches.has(name) ? "../$2.modules.js" : "../node/$2.js";
    const fixed = text.replace(
      /(from\s*["'])\.\.\/(mod|adapters)\.js(["'])/g,
      `$1${entry}$3`,
    );
    if (fixed !== text) fs.writeFileSync(join(dir, name), fixed);
  }
}

/** Builds `npm/`; returns its path. */
export function buildNpm(): string {
  const deno = JSON.parse(
    fs.readFileSync(join(ROOT, "deno.json"), "utf8"),
  ) as { version: string };
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT);

  const hasCli = fs.existsSync(join(ROOT, "cli.ts"));
  const entries = ["mod.ts", "adapters.ts", ...(hasCli ? ["cli.ts"] : [])];
  // The library (what the entry points import): type-checked, with
  // declarations.
  tsc(entries, { declaration: true });
  rewriteDeclarationImports(OUT);
  // The tests: emitted without a type check (Deno type-checks them; their
  // node: imports would need @types/node here).
  const tests = tsFiles("tests").filter((f) => !f.endsWith("_deno_test.ts"));
  tsc(tests, { noCheck: true, declaration: false });
  copyTree(
    join(ROOT, "tests"),
    join(OUT, "tests"),
    (name) => !name.endsWith(".ts"),
  );
  fs.mkdirSync(join(OUT, "scripts"), { recursive: true });
  for (
    const helper of ["npy_json.py", "py_fork_client.py", "py_fork_server.py"]
  ) {
    fs.copyFileSync(
      join(ROOT, "scripts", helper),
      join(OUT, "scripts", helper),
    );
  }

  // The compiled tests that reach private modules (`../src/*.js`), by
  // themselves or through a helper of theirs, must meet the same module
  // instances through the public entry too (one NpyFormatError class, one
  // lock registry): they import the unbundled entry, `mod.modules.js` (not
  // published); every other test imports Node's build of the bundle.
  fs.copyFileSync(join(OUT, "mod.js"), join(OUT, "mod.modules.js"));
  fs.copyFileSync(join(OUT, "adapters.js"), join(OUT, "adapters.modules.js"));
  pointTestsAtEntries(join(OUT, "tests"));
  bundle(["mod.ts", "adapters.ts", ...(hasCli ? ["cli.ts"] : [])]);
  if (hasCli) {
    const cliJs = join(OUT, "cli.js");
    const text = fs.readFileSync(cliJs, "utf8").replace(/^#!.*\n/, "");
    fs.writeFileSync(cliJs, `#!/usr/bin/env node\n${text}`);
    fs.chmodSync(cliJs, 0o755);
  }

  // Bun loads the library from its bytecode build (`bundleForBun`), Node
  // from its code cache build (`buildNodeLibrary`), Deno and every other
  // runtime or bundler from the ES modules.
  const libraryEntries = ["mod.ts", "adapters.ts"];
  const tmp = fs.mkdtempSync(join(tmpdir(), "npy-cjs-build-"));
  try {
    const cjs = commonJsBundle(libraryEntries, tmp);
    const named = libraryEntries.map((e) => {
      const name = basename(e, ".ts");
      return { name, names: exportedNames(join(OUT, `${name}.js`)) };
    });
    bundleForBun(cjs, named);
    buildNodeLibrary(cjs, OUT, named);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const exports: Record<
    string,
    {
      types: string;
      bun?: string;
      deno?: string;
      node?: string;
      default: string;
    }
  > = {
    ".": {
      types: "./mod.d.ts",
      bun: "./bun/mod.cjs",
      deno: "./mod.js",
      node: "./node/mod.js",
      default: "./mod.js",
    },
    "./adapters": {
      types: "./adapters.d.ts",
      bun: "./bun/adapters.cjs",
      deno: "./adapters.js",
      node: "./node/adapters.js",
      default: "./adapters.js",
    },
  };
  if (hasCli) exports["./cli"] = { types: "./cli.d.ts", default: "./cli.js" };
  const pkg: Record<string, unknown> = {
    name: "npy-append-array",
    version: deno.version,
    description:
      "Create NumPy .npy files by appending arrays, out of memory; Node, Bun, Deno and browsers, no dependencies",
    keywords: [
      "numpy",
      "npy",
      "append",
      "array",
      "mmap",
      "ndarray",
      "dask",
      "dataset",
      "binary-log",
      "deno",
      "bun",
    ],
    license: "MIT",
    homepage: `${REPOSITORY}#readme`,
    repository: { type: "git", url: `git+${REPOSITORY}.git` },
    bugs: { url: `${REPOSITORY}/issues` },
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports,
    ...(hasCli ? { bin: { "npy-append-array": "cli.js" } } : {}),
    files: [
      "mod.js",
      "mod.d.ts",
      "adapters.js",
      "adapters.d.ts",
      "chunks/*.js",
      "bun/*.cjs",
      "bun/*.jsc",
      "node/*.js",
      "node/*.cache",
      ...(hasCli ? ["cli.js", "cli.d.ts"] : []),
      "src/**/*.d.ts",
      "README.md",
      "LICENSE",
    ],
    engines: { node: ">=20" },
    sideEffects: false,
  };
  fs.writeFileSync(
    join(OUT, "package.json"),
    JSON.stringify(pkg, null, 2) + "\n",
  );
  for (const f of ["README.md", "LICENSE"]) {
    fs.copyFileSync(join(ROOT, f), join(OUT, f));
  }
  return OUT;
}

if (import.meta.main) {
  const out = buildNpm();
  console.log(
    `Built ${relative(Deno.cwd(), out) || "."}/ from ${dirname(out)}`,
  );
}
