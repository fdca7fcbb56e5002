/**
 * The benchmark's peers (npyjs, numpy-ts), installed by npm into
 * `bench/node_modules` from `bench/package.json` when missing. They are
 * dev tools of the benchmark only: nothing in `deno.json` or `deno.lock`
 * names them, so `deno task demo` and `deno task test` never fetch them.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The folder of `bench/package.json`. */
export const BENCH_DIR: string = fileURLToPath(new URL(".", import.meta.url));

/**
 * Installs the peers if `bench/node_modules` lacks them.
 *
 * @returns `null` when installed, else why not (no npm, no network).
 */
export function installPeers(): string | null {
  const ok = ["npyjs", "numpy-ts"].every((p) =>
    existsSync(join(BENCH_DIR, "node_modules", p, "package.json"))
  );
  if (ok) return null;
  const r = spawnSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: BENCH_DIR, encoding: "utf8" },
  );
  return r.status === 0
    ? null
    : `npm install in bench/ failed: ${(r.stderr ?? "").trim().slice(-300)}`;
}

/**
 * The URL of a peer's ESM entry in `bench/node_modules`.
 *
 * @param name `npyjs` or `numpy-ts`.
 * @returns A `file:` URL to import.
 */
export function peerUrl(name: "npyjs" | "numpy-ts"): string {
  const entry = name === "npyjs" ? "dist/index.js" : "dist/esm/index.js";
  return pathToFileURL(join(BENCH_DIR, "node_modules", name, entry)).href;
}
