/**
 * The command line stands on the library's public API (ARCHITECTURE.md,
 * import rules): `cli.ts` and every `src/cli/*` module import only
 * `mod.ts`, `adapters.ts` and other `src/cli/` modules; no private module
 * of the library (`src/_*.ts`, or a public module reached past `mod.ts`),
 * and no runtime dependency. The check reads the sources as text: under
 * Deno and Bun the `.ts` files, under `node --test` of the npm build the
 * compiled `.js` files (where type-only imports are gone).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);
const CLI_DIR = new URL("src/cli/", ROOT);

/** The extension of the sources here: `.ts`, `.js` (npm build), or none. */
function sourceExt(): ".ts" | ".js" | null {
  for (const ext of [".ts", ".js"] as const) {
    if (existsSync(fileURLToPath(new URL(`_args${ext}`, CLI_DIR)))) return ext;
  }
  return null;
}

/** Source text without comments (JSDoc examples show imports too). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

/**
 * The module specifiers a source imports or re-exports: static
 * `import`/`export ... from`, side-effect `import "x"`, and dynamic
 * `import("x")`.
 *
 * @param text The source.
 * @returns The specifiers, in order.
 */
function specifiers(text: string): string[] {
  const src = code(text);
  const found: string[] = [];
  const patterns = [
    /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of src.matchAll(re)) found.push(m[1]!);
  }
  return found;
}

/**
 * Why an import of `spec` from the file at `from` breaks the rule, or
 * `null` when it keeps it.
 *
 * @param from The importing file's URL.
 * @param spec The specifier.
 * @param ext The sources' extension.
 * @returns The reason, or `null`.
 */
function violation(
  from: URL,
  spec: string,
  ext: string,
): string | null {
  if (!spec.startsWith("./") && !spec.startsWith("../")) {
    return `imports "${spec}", not a relative path: the command line has no runtime dependency and loads node: modules lazily`;
  }
  const target = new URL(spec, from).href;
  if (target.startsWith(CLI_DIR.href)) return null;
  const allowed = ["mod", "adapters"].map((n) => new URL(n + ext, ROOT).href);
  if (allowed.includes(target)) return null;
  return `imports "${spec}", outside src/cli/: use the public API (mod${ext}, adapters${ext}) instead`;
}

/** Every violation in the CLI's sources, as `file: reason` lines. */
function violations(ext: ".ts" | ".js"): string[] {
  const files = readdirSync(fileURLToPath(CLI_DIR))
    .filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts"))
    .map((f) => new URL(f, CLI_DIR));
  // The npm build's cli.js is a bundle (no imports); its src/cli/*.js stay.
  if (ext === ".ts") files.push(new URL("cli.ts", ROOT));
  const out: string[] = [];
  for (const file of files) {
    const text = readFileSync(fileURLToPath(file), "utf8");
    for (const spec of specifiers(text)) {
      const why = violation(file, spec, ext);
      if (why !== null) {
        out.push(`${file.href.slice(ROOT.href.length)}: ${why}`);
      }
    }
  }
  return out;
}

const ext = sourceExt();

test("the scanner finds every form of import", () => {
  const text = `
/** @example
 * import { x } from "../_hidden.ts";
 */
// import { y } from "../_commented.ts";
import type { A } from "../_a.ts";
import {
  b,
  type C,
} from "../_b.ts";
import * as d from "./_d.ts";
import "../_side.ts";
export { e } from "../_e.ts";
export * from "../../mod.ts";
export type { F } from "./_f.ts";
const g = await import("../_g.ts");
export function h(): string { return "from here"; }
`;
  assert.deepEqual(specifiers(text), [
    "../_a.ts",
    "../_b.ts",
    "./_d.ts",
    "../_side.ts",
    "../_e.ts",
    "../../mod.ts",
    "./_f.ts",
    "../_g.ts",
  ]);
});

test("the rule refuses private modules, public modules past mod.ts, and dependencies", () => {
  const file = new URL("stack.ts", CLI_DIR);
  // The imports issue 11 found, and two more of the kind.
  for (
    const spec of [
      "../_path_whole.ts",
      "../_group_layout.ts",
      "../npy_stack_reader.ts",
      "../../src/_io.ts",
      "./../_layout.ts",
    ]
  ) {
    assert.match(
      violation(file, spec, ".ts") ?? "",
      /outside src\/cli\/: use the public API/,
      spec,
    );
  }
  assert.match(violation(file, "node:fs", ".ts") ?? "", /not a relative path/);
  assert.match(violation(file, "jsr:@std/csv", ".ts") ?? "", /relative/);
  for (
    const spec of [
      "../../mod.ts",
      "../../adapters.ts",
      "./_fs.ts",
      "../cli/x.ts",
    ]
  ) {
    assert.equal(violation(file, spec, ".ts"), null, spec);
  }
  const root = new URL("cli.ts", ROOT);
  assert.equal(violation(root, "./src/cli/_args.ts", ".ts"), null);
  assert.equal(violation(root, "./mod.ts", ".ts"), null);
  assert.notEqual(violation(root, "./src/_lock.ts", ".ts"), null);
});

test(
  "cli.ts and src/cli/ import no module outside src/cli/ but mod.ts and adapters.ts",
  {
    skip: ext === null ? "the sources of src/cli/ are not here" : false,
  },
  () => {
    assert.deepEqual(violations(ext!), []);
  },
);
