/**
 * The npm package's Node build (issue 17.2, cold start), into `npm/node/`:
 * the library's code compiled from a V8 code cache made at build time.
 *
 * Why: Node 20 keeps no compile cache of ES modules, so every fresh
 * process parsed the 200 KB bundle (6 to 9 ms on the benchmark machine)
 * and compiled the append path's functions at their first calls (2 to 4
 * ms more). `node:vm`'s `Script` takes a code cache (`cachedData`) on
 * every Node version; made after a short-lived process's work
 * (`WARM_UP`), it holds the bytecode of every function that work
 * compiled. What is written:
 *
 * - `library.js`: an ES module holding the CommonJS bundle (the one Bun's
 *   build uses too) as a string, `SOURCE`, which it compiles with `Script`
 *   and the cache beside it. A string, not a file read at run time, so
 *   that the module still works where a bundler moved it away from its
 *   cache (it compiles the source then). Scanning a string costs a
 *   fraction of parsing code.
 * - `library.js.cache`: the cache, made by the `node` on `PATH`. V8
 *   accepts it only from the same V8 version and flags; any other Node
 *   compiles `SOURCE` instead, as fast as it compiled the ES module.
 * - `mod.js`, `adapters.js`: each entry's names from `library.js` (one
 *   copy of every class for both), which the `node` condition of
 *   package.json's `exports` points at.
 *
 * V8 checks only the source's length against the cache's, so `library.js`
 * also ignores a cache older than itself (an edit in `node_modules`).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { WARM_UP } from "./compile_hints.ts";

/** The package's folder of the Node build. */
export const NODE_DIR = "node";

/**
 * How much newer than its cache `library.js` may be before the cache is
 * ignored, in ms: package managers write both in one go, within this.
 */
const EDIT_SLACK_MS = 2000;

/**
 * The name the code cache is made under. V8 before 12 (Node 20) takes a
 * script's name from the cache it accepts, not from `filename`: stack
 * frames of the cached build name this, where the build's own path (a
 * folder of the release machine) stood before. A name, not a path: the
 * package's place is known only at run time.
 */
const SCRIPT_NAME = "npy-append-array/node/library.js";

/**
 * `text` as a single-quoted JavaScript string. The bundle holds 60 single
 * quotes against 3,500 double quotes: V8 scans a string literal without
 * escapes faster, 0.5 ms less of Node's load on the benchmark machine
 * than `JSON.stringify`'s double-quoted string.
 */
export function singleQuoted(text: string): string {
  return `'${
    text.replace(/[\\'\n\r\u2028\u2029]/g, (c) =>
      c === "\\" || c === "'"
        ? `\\${c}`
        : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  }'`;
}

/** The loader around `SOURCE` (a function of the bundle's `module`). */
function libraryModule(source: string): string {
  return `// npy-append-array for Node: the library, compiled from the V8 code cache
// beside this file when this Node accepts it (scripts/build_npm_node.ts).
// Node's modules come from process.getBuiltinModule: an import of node:fs
// costs 2 ms at start.
const builtin = (name) => globalThis.process?.getBuiltinModule?.(name);

/** The library: a CommonJS bundle, as a function of its \`module\`. */
export const SOURCE = ${singleQuoted(source)};

/** This file's path, or a name for it where a bundler moved it. */
function thisFile() {
  try {
    return builtin("node:url").fileURLToPath(import.meta.url);
  } catch {
    return ${JSON.stringify(SCRIPT_NAME)};
  }
}

/** The code cache beside \`file\`, unless it is missing or older than it. */
function codeCache(file) {
  try {
    const { statSync, readFileSync } = builtin("node:fs");
    const cache = file + ".cache";
    if (statSync(file).mtimeMs > statSync(cache).mtimeMs + ${EDIT_SLACK_MS}) {
      return undefined;
    }
    return readFileSync(cache);
  } catch {
    return undefined;
  }
}

/** \`SOURCE\` compiled: from the code cache where V8 takes it. */
function compile() {
  const vm = builtin("node:vm");
  if (vm === undefined) return { from: "source", run: (0, eval)(SOURCE) };
  const file = thisFile();
  const script = new vm.Script(SOURCE, {
    filename: file,
    cachedData: codeCache(file),
  });
  return {
    from: script.cachedDataRejected === false ? "cache" : "source",
    run: script.runInThisContext(),
  };
}

const compiled = compile();

/** \`"cache"\` when V8 took the code cache, else \`"source"\`. */
export const compiledFrom = compiled.from;

const module = { exports: {} };
compiled.run(module);

/** Every name of the library's entries. */
export const library = module.exports;
`;
}

/** The Node script that makes `library.js.cache`: argv `library.js`, a folder. */
const MAKE_CACHE = `
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
const [libraryFile, dir] = process.argv.slice(2);
const { SOURCE } = await import(pathToFileURL(libraryFile).href);
const script = new Script(SOURCE, { filename: ${JSON.stringify(SCRIPT_NAME)} });
const module = { exports: {} };
script.runInThisContext()(module);
await (async (lib, file) => {${WARM_UP}})(module.exports, dir + "/warm-up.npy");
writeFileSync(libraryFile + ".cache", script.createCachedData());
`;

/** Runs `node` with `args`; returns its standard output. */
function node(args: string[]): string {
  const r = spawnSync("node", args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`node ${args.join(" ")} failed: ${r.stderr}`);
  }
  return r.stdout;
}

/**
 * Writes `<outDir>/node/`: `library.js` from the CommonJS bundle
 * `cjsFile`, its code cache (made by the `node` on `PATH`, and checked to
 * be taken by it), and one ES module per entry with its names.
 *
 * @param cjsFile The CommonJS bundle of every entry (`module.exports`).
 * @param outDir The npm package's folder.
 * @param entries Each entry's name (`mod`, `adapters`) and exported names.
 */
export function buildNodeLibrary(
  cjsFile: string,
  outDir: string,
  entries: { name: string; names: string[] }[],
): void {
  const dir = join(outDir, NODE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const cjs = fs.readFileSync(cjsFile, "utf8");
  const libraryFile = join(dir, "library.js");
  const source = `(function (module) {"use strict";\n${cjs}\n})`;
  if ((0, eval)(singleQuoted(source)) !== source) {
    throw new Error("singleQuoted() changed the bundle; fix it");
  }
  fs.writeFileSync(libraryFile, libraryModule(source));
  for (const { name, names } of entries) {
    fs.writeFileSync(
      join(dir, `${name}.js`),
      `// Node's entry for ${name}.js: the same names, from library.js.\n` +
        `import { library } from "./library.js";\n\n` +
        `export const {\n${
          names.map((n) => `  ${n},\n`).join("")
        }} = library;\n`,
    );
  }
  const tmp = fs.mkdtempSync(join(tmpdir(), "npy-node-cache-"));
  try {
    const maker = join(tmp, "make_cache.mjs");
    fs.writeFileSync(maker, MAKE_CACHE);
    node([maker, libraryFile, tmp]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const took = node([
    "--input-type=module",
    "-e",
    `import { compiledFrom } from ${
      JSON.stringify(pathToFileURL(libraryFile).href)
    }; console.log(compiledFrom);`,
  ]).trim();
  if (took !== "cache") {
    throw new Error(
      `The Node that made ${libraryFile}.cache does not take it (${took})`,
    );
  }
}
