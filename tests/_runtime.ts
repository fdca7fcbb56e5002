/**
 * Test helper: which runtime runs the tests, and how to start a sibling
 * script in a child process under that same runtime.
 *
 * The suite runs three ways: `deno test` and `bun test` on the `.ts`
 * sources, and `node --test` on the JavaScript that `scripts/build_npm.ts`
 * compiles into `npm/` (where `tests/x.ts` is `npm/tests/x.js` and `cli.ts`
 * is `npm/cli.js`). Test files named `*_deno_test.ts` use `Deno.*` and run
 * in the Deno pass only.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

interface Globals {
  Deno?: { execPath(): string };
  Bun?: unknown;
  process?: { execPath: string; versions?: { bun?: string } };
}

const g = globalThis as unknown as Globals;

/** The runtime running the tests. */
export const RUNTIME: "deno" | "bun" | "node" = g.Deno !== undefined
  ? "deno"
  : g.process?.versions?.bun !== undefined
  ? "bun"
  : "node";

/** Whether the tests run on the compiled JavaScript (Node on `npm/`). */
export const COMPILED: boolean = import.meta.url.endsWith(".js");

/**
 * The path of a source file next to the running code: `.ts` as written,
 * or its compiled `.js` when the tests run from `npm/`.
 *
 * @param url A URL of a `.ts` file, e.g. `new URL("../cli.ts", import.meta.url)`.
 */
export function sourcePath(url: URL): string {
  const path = fileURLToPath(url);
  return COMPILED ? path.replace(/\.ts$/, ".js") : path;
}

/**
 * The command that runs a script (a `.ts` URL) under the runtime running
 * the tests: `deno run <denoFlags> script`, `bun script`, `node script.js`.
 *
 * @param url The script, e.g. `new URL("./_live_writer.ts", import.meta.url)`.
 * @param denoFlags Permission flags for Deno (default `-A`).
 * @returns `[command, args]` for `spawn`; append the script's own args.
 */
export function scriptCommand(
  url: URL,
  denoFlags: string[] = ["-A"],
): [string, string[]] {
  const path = sourcePath(url);
  if (g.Deno !== undefined) {
    return [g.Deno.execPath(), ["run", ...denoFlags, path]];
  }
  return [g.process!.execPath, [path]];
}
