/**
 * Compile hints for the ES module bundles (issue 17.2, cold start): the
 * top-level functions that a short-lived process runs (open, append and
 * close a file, read one) are written as parenthesized function
 * expressions, which V8 compiles with the module instead of at their
 * first call.
 *
 * Why: V8 compiles a function at its first call unless it looks as if it
 * runs at once (a function in parentheses). Deno keeps a code cache of
 * every module it loads, and Node 22+ with `NODE_COMPILE_CACHE` does too,
 * but both write the cache right after compiling the module, so it holds
 * only what was compiled then: without hints, every fresh process compiles
 * the append path's functions again at its first append (about 100
 * functions, 2 to 3 ms on the benchmark machine). With them, the cache
 * holds their bytecode. Without a cache (Node 20) the same functions are
 * compiled once either way, so nothing is lost; Bun loads its own
 * bytecode build (scripts/build_npm.ts, `bundleForBun`).
 *
 * Which functions: the ones V8 compiles lazily while `SCENARIO` runs on
 * the bundle under Deno, read from V8's function events
 * (`--log-function-events`): measured on each build, not listed by hand.
 * Class methods and nested functions cannot be hinted this way and stay
 * lazy.
 *
 * @module
 */

import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
// deno-lint-ignore no-import-prefix -- a build tool, fetched by Deno from npm where it runs (bench/ has its own package.json)
import { parse } from "npm:acorn@8.15.0";

/**
 * What a short-lived process does, as the body of an async function of
 * `lib` (the library's names) and `file` (a path in an empty folder):
 * write a new file, append to it again, read it whole and by rows. The
 * compile hints below and Node's code cache (scripts/build_npm_node.ts)
 * are both made from it.
 */
export const WARM_UP = `
let w = lib.NpyAppendArraySync.open(file);
w.append({ data: new Float64Array(6), shape: [2, 3] });
w.close();
w = lib.NpyAppendArraySync.open(file);
w.append({ data: new Float64Array(3), shape: [1, 3] });
w.close();
const a = await lib.NpyAppendArray.open(file);
await a.append({ data: new Float64Array(3), shape: [1, 3] });
await a.close();
lib.readNpySync(file);
const r = lib.NpyReader.openSync(file);
r.readSync(1, 2);
r.close();
`;

/**
 * `WARM_UP` on the bundle `Deno.args[0]` in the folder `Deno.args[1]`.
 */
export const SCENARIO = `
const lib = await import(Deno.args[0]);
const file = Deno.args[1] + "/hint.npy";
${WARM_UP}`;

/** One function V8 compiled: its name and script. */
interface Compiled {
  url: string;
  name: string;
}

/**
 * Runs `SCENARIO` on `modUrl` under Deno with V8's function events and
 * returns the functions compiled lazily (at their first call).
 *
 * @param modUrl The bundle's entry (`file:` URL).
 * @returns One entry per lazily compiled function.
 */
export function lazilyCompiled(modUrl: string): Compiled[] {
  const dir = fs.mkdtempSync(join(tmpdir(), "npy-hints-"));
  try {
    const script = join(dir, "scenario.mjs");
    fs.writeFileSync(script, SCENARIO);
    const log = join(dir, "v8.log");
    const r = spawnSync(Deno.execPath(), [
      "run",
      "-A",
      "--no-code-cache",
      `--v8-flags=--log-function-events,--logfile=${log},--no-logfile-per-isolate`,
      script,
      modUrl,
      dir,
    ], { encoding: "utf8" });
    if (r.status !== 0) {
      throw new Error(`The compile-hint scenario failed: ${r.stderr}`);
    }
    return parseFunctionEvents(fs.readFileSync(log, "utf8"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The lazily compiled functions in a V8 log: `function,interpreter-lazy`
 * (or `interpreter` after a `parse-function`) events, with their scripts'
 * URLs from the `script-details` lines.
 */
function parseFunctionEvents(log: string): Compiled[] {
  const urls = new Map<string, string>();
  const out: Compiled[] = [];
  for (const line of log.split("\n")) {
    const f = line.split(",");
    if (f[0] === "script-details") urls.set(f[1]!, f[2]!);
    // function,<event>,<script>,<start>,<end>,<ms>,<µs>,<name>
    if (f[0] === "function" && f[1] === "parse-function") {
      out.push({ url: f[2]!, name: f.slice(7).join(",") });
    }
  }
  return out.map((c) => ({ url: urls.get(c.url) ?? c.url, name: c.name }));
}

/**
 * Rewrites one bundle file so that its top-level functions named in
 * `names` compile with the module: `function f(...){...}` becomes
 * `var f=(function f(...){...});` right after the imports (function
 * declarations are hoisted, so the expressions go first, before any code
 * could call them), and `var f=(...)=>{...}` gets parentheses in place.
 *
 * @param text The bundle file's text (an ES module).
 * @param names The functions to hint.
 * @returns The new text and the names hinted.
 */
export function hintFunctions(
  text: string,
  names: ReadonlySet<string>,
): { text: string; hinted: string[] } {
  const ast = parse(text, {
    ecmaVersion: "latest",
    sourceType: "module",
    allowHashBang: true,
  });
  type Node = {
    type: string;
    start: number;
    end: number;
    id?: { name: string } | null;
    init?: Node | null;
    declarations?: Node[];
    generator?: boolean;
  };
  const body = (ast as unknown as { body: Node[] }).body;
  const edits: [number, number, string][] = [];
  const hoisted: string[] = [];
  const hinted: string[] = [];
  let afterImports = 0;
  for (const node of body) {
    if (node.type === "ImportDeclaration") {
      afterImports = node.end;
    } else if (node.type === "FunctionDeclaration" && node.id) {
      if (!names.has(node.id.name)) continue;
      hoisted.push(
        `var ${node.id.name}=(${text.slice(node.start, node.end)});`,
      );
      edits.push([node.start, node.end, ""]);
      hinted.push(node.id.name);
    } else if (node.type === "VariableDeclaration") {
      for (const d of node.declarations ?? []) {
        const init = d.init;
        if (
          d.id?.name === undefined || !names.has(d.id.name) || !init ||
          (init.type !== "ArrowFunctionExpression" &&
            init.type !== "FunctionExpression")
        ) continue;
        edits.push([init.start, init.start, "("], [init.end, init.end, ")"]);
        hinted.push(d.id.name);
      }
    }
  }
  let out = text;
  for (const [a, b, t] of edits.sort((x, y) => y[0] - x[0] || y[1] - x[1])) {
    out = out.slice(0, a) + t + out.slice(b);
  }
  out = out.slice(0, afterImports) + hoisted.join("") +
    out.slice(afterImports);
  return { text: out, hinted: hinted.sort() };
}

/**
 * Adds compile hints to the ES module bundles in `outDir` (its entries
 * and `chunks/*.js`, as `bundle()` writes them): runs `SCENARIO` on
 * `mod.js`, then hints each file's lazily compiled top-level functions.
 *
 * @param outDir The folder `bundle()` wrote.
 * @returns The names hinted, per chunk file.
 * @throws {Error} when the scenario fails or no function could be hinted
 * (the bundle's shape changed: fix this script).
 */
export function addCompileHints(outDir: string): Record<string, string[]> {
  const compiled = lazilyCompiled(pathToFileURL(join(outDir, "mod.js")).href);
  const result: Record<string, string[]> = {};
  const files = [
    ...fs.readdirSync(outDir).filter((n) => n.endsWith(".js")),
    ...(fs.existsSync(join(outDir, "chunks"))
      ? fs.readdirSync(join(outDir, "chunks")).filter((n) => n.endsWith(".js"))
        .map((n) => `chunks/${n}`)
      : []),
  ];
  for (const name of files) {
    const file = join(outDir, name);
    const url = pathToFileURL(file).href;
    const names = new Set(
      compiled.filter((c) => c.url === url).map((c) => c.name),
    );
    if (names.size === 0) continue;
    const { text, hinted } = hintFunctions(
      fs.readFileSync(file, "utf8"),
      names,
    );
    fs.writeFileSync(file, text);
    result[name] = hinted;
  }
  refuseImportCycles(outDir, files);
  const count = Object.values(result).reduce((n, h) => n + h.length, 0);
  if (count < 10) {
    throw new Error(
      `Compile hints: only ${count} functions found to hint in ${outDir}; the bundle's shape changed, fix scripts/compile_hints.ts`,
    );
  }
  return result;
}

/**
 * Throws when the bundle's files import each other in a cycle: a hinted
 * function is a variable set when its file runs, not a declaration
 * hoisted at link time, so in a cycle another file could call it before
 * its file ran. esbuild's chunks have formed no cycle so far.
 *
 * @param outDir The folder `bundle()` wrote.
 * @param files Its `.js` files, relative to it.
 * @throws {Error} naming the files of the cycle.
 */
export function refuseImportCycles(outDir: string, files: string[]): void {
  const imports = new Map<string, string[]>();
  for (const name of files) {
    const text = fs.readFileSync(join(outDir, name), "utf8");
    const ast = parse(text, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowHashBang: true,
    }) as unknown as {
      body: { type: string; source?: { value: string } | null }[];
    };
    imports.set(
      name,
      ast.body.filter((n) =>
        (n.type === "ImportDeclaration" ||
          n.type === "ExportNamedDeclaration" ||
          n.type === "ExportAllDeclaration") &&
        typeof n.source?.value === "string" && n.source.value.startsWith(".")
      ).map((n) => join(dirname(name), n.source!.value).replace(/^\.\//, "")),
    );
  }
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (path.includes(name)) {
      throw new Error(
        `Compile hints: ${
          [...path.slice(path.indexOf(name)), name].join(" -> ")
        } import each other in ${outDir}; hinted functions could run before their file: make scripts/compile_hints.ts hint only files outside the cycle`,
      );
    }
    if (done.has(name)) return;
    for (const next of imports.get(name) ?? []) visit(next, [...path, name]);
    done.add(name);
  };
  for (const name of files) visit(name, []);
}
