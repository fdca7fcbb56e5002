/**
 * Builds the JSR package into `jsr/` (git-ignored), the folder that
 * `deno publish` uploads (issue 17.2, cold start on Deno):
 *
 * - what `"publish.include"` in `deno.json` lists (`mod.ts`, `adapters.ts`,
 *   `cli.ts`, `src/`, README.md, LICENSE), copied as they are: the types,
 *   the documentation and the source that JSR shows;
 * - `dist/mod.js`, `dist/adapters.js`, `dist/cli.js` and their shared
 *   `dist/chunks/`: the esbuild bundles of those entries, made by the npm
 *   build's `bundle()` from the same sources with the same options. Each
 *   starts with `// @ts-self-types="../mod.ts"` (the entry's source), so a
 *   type check, `deno doc` and JSR's slow-type check and documentation read
 *   the TypeScript sources while Deno runs the bundle: loading 3 modules
 *   instead of 72 is most of a short-lived process's start (bench/README.md,
 *   cold start);
 * - `deno.json`: the project's, with each export pointing at its bundle
 *   (`"."` is `./dist/mod.js`) and `dist/` added to `"publish.include"`.
 *
 * The project's own `deno.json` keeps the exports on the TypeScript
 * sources, so tests, doc examples and `deno check` in the repository run
 * the sources; the package is made from them at publish time and has no
 * copy in git to go stale. Publish from the built folder (RELEASING.md):
 * `deno task build:jsr && cd jsr && deno publish`.
 *
 * Run: `deno run -A scripts/build_jsr.ts`
 *
 * @module
 */

import * as fs from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./build_npm.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where `deno task build:jsr` builds the package. */
export const JSR_OUT: string = join(ROOT, "jsr");

/** The folder of the bundles inside the package. */
export const DIST = "dist";

/** The parts of `deno.json` the package is made from. */
interface DenoConfig {
  name: string;
  version: string;
  license: string;
  exports: Record<string, string>;
  compilerOptions: Record<string, unknown>;
  publish: { include: string[] };
}

/**
 * The first line of an entry's bundle (after a `#!` line, if any): the
 * types of `dist/<name>.js` are those of the source `<name>.ts`.
 */
export function selfTypes(source: string): string {
  return `// @ts-self-types="../${source}"`;
}

/** `"./mod.ts"` -> `"mod.ts"`; only entries at the top of the project. */
function entryFile(exported: string): string {
  const m = /^\.\/([^/]+)\.ts$/.exec(exported);
  if (m === null) {
    throw new Error(
      `Cannot bundle the export "${exported}": exports must be top-level .ts files`,
    );
  }
  return `${m[1]}.ts`;
}

/** Builds the JSR package into `out` (default `jsr/`); returns `out`. */
export function buildJsr(out: string = JSR_OUT): string {
  const config = JSON.parse(
    fs.readFileSync(join(ROOT, "deno.json"), "utf8"),
  ) as DenoConfig;
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const item of config.publish.include) {
    if (item === "deno.json") continue;
    fs.cpSync(join(ROOT, item), join(out, item), { recursive: true });
  }

  const sources = Object.values(config.exports).map(entryFile);
  bundle(sources, join(out, DIST), "esm", true);
  const exports: Record<string, string> = {};
  for (const [key, exported] of Object.entries(config.exports)) {
    const source = entryFile(exported);
    const js = `${DIST}/${source.replace(/\.ts$/, ".js")}`;
    const path = join(out, js);
    const text = fs.readFileSync(path, "utf8");
    const bang = /^#!.*\n/.exec(text)?.[0] ?? "";
    fs.writeFileSync(
      path,
      `${bang}${selfTypes(source)}\n${text.slice(bang.length)}`,
    );
    exports[key] = `./${js}`;
  }

  const pkg = {
    name: config.name,
    version: config.version,
    license: config.license,
    exports,
    compilerOptions: config.compilerOptions,
    publish: { include: [...config.publish.include, `${DIST}/`] },
    lock: false,
  };
  fs.writeFileSync(
    join(out, "deno.json"),
    JSON.stringify(pkg, null, 2) + "\n",
  );
  return out;
}

if (import.meta.main) {
  // `deno run -A scripts/build_jsr.ts [OUT]` (bench/users.ts builds into a
  // temporary folder this way: bench/ has a package.json of its own, under
  // which the npm build tools do not resolve).
  const out = buildJsr(Deno.args[0]);
  console.log(
    `Built ${relative(Deno.cwd(), out) || "."}/: publish with \`cd ${
      relative(Deno.cwd(), out) || "."
    } && deno publish\``,
  );
}
