/**
 * The user workloads of `deno task bench` beside the library's own rows:
 * the peers (npyjs, numpy-ts from `bench/node_modules`; NumPy through
 * `/usr/bin/python3`), cold start in fresh processes, and the summary: one
 * line per workload and runtime with the ratio to raw calls and to the
 * best peer.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { installPeers } from "./_install_peers.ts";

const BENCH = fileURLToPath(new URL(".", import.meta.url));
const PEERS = join(BENCH, "peers.ts");
const COLD = join(BENCH, "cold.mjs");

/** An empty ES module: cold start's floor for loading any library. */
const EMPTY = pathToFileURL(join(BENCH, "empty_module.mjs")).href;

/**
 * Variables of the environment that cold start's processes do not get:
 * Node reads every certificate of `NODE_EXTRA_CA_CERTS` at start (set on
 * the benchmark machine; 50 to 70 ms of Node's start there), which users
 * rarely have, and which only dilutes the whole process's ratio.
 */
const COLD_UNSET = ["NODE_EXTRA_CA_CERTS"];

/** Timed fresh processes per cold-start case and runtime (after one warm-up). */
const COLD_ROUNDS = 15;

/** The library built before a change, for cold start's before/after line. */
export const COLD_BEFORE_ENV = "NPY_BENCH_COLD_BEFORE";

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

/** One cold-start case: what `cold.mjs` runs, with which module. */
interface ColdCase {
  key: string;
  who: string;
  which: string;
  module: string;
}

/**
 * The cold-start cases of one runtime: raw calls, raw calls after the
 * import of an empty module (the floor of any library's load), raw calls
 * taking the lock as the library does (the floor of a locked writer), the library (as its
 * users load it: Deno the JSR package's bundle, `jsrUrl`, built by
 * scripts/build_jsr.ts; Node and Bun the npm bundle), on Deno also the
 * TypeScript source (`mod.ts`, what the JSR package held before it carried
 * bundles), the library of another checkout when `NPY_BENCH_COLD_BEFORE`
 * names one (on Deno its `jsr/dist/mod.js` from `deno task build:jsr`, else its
 * `mod.ts`; elsewhere its `npm/mod.js` from `deno task build:npm`; keep it
 * out of the temporary folder, where Bun loads the same bundle 2 to 4
 * times slower), and the peers.
 */
function coldCases(
  rt: RuntimeCmd,
  env: Record<string, string>,
  peers: boolean,
  jsrUrl: string | undefined,
): ColdCase[] {
  const cases: ColdCase[] = [
    { key: "raw", who: "raw", which: "raw", module: "" },
    { key: "empty", who: "empty module", which: "empty", module: EMPTY },
    // The raw write with the lock and change-record check the library's
    // promises need, done by the runtime's own calls: the floor of any
    // writer that keeps them.
    { key: "locked", who: "raw, locked", which: "locked", module: "" },
  ];
  if (rt.name === "deno" && jsrUrl !== undefined) {
    cases.push(
      { key: "lib", who: "library", which: "lib", module: jsrUrl },
      {
        key: "lib-source",
        who: "library (TypeScript source)",
        which: "lib",
        module: rt.libUrl,
      },
    );
  } else {
    cases.push({ key: "lib", who: "library", which: "lib", module: rt.libUrl });
  }
  const before = env[COLD_BEFORE_ENV];
  if (before !== undefined && before !== "") {
    // Deno: that checkout's JSR bundle when it is built, else its sources.
    const denoBundle = join(before, "jsr", "dist", "mod.js");
    cases.push({
      key: "before",
      who: "library before",
      which: "lib",
      module: pathToFileURL(
        rt.name !== "deno"
          ? packageEntry(join(before, "npm"), rt.name) ??
            join(before, "npm", "mod.js")
          : fs.existsSync(denoBundle)
          ? denoBundle
          : join(before, "mod.ts"),
      ).href,
    });
  }
  if (peers) {
    const modules = join(BENCH, "node_modules");
    cases.push({
      key: "npyjs",
      who: "npyjs 1.2.0",
      which: "npyjs",
      module: pathToFileURL(join(modules, "npyjs", "dist", "index.js")).href,
    }, {
      key: "numpy-ts",
      who: "numpy-ts 1.7.0",
      which: "numpy-ts",
      module:
        pathToFileURL(join(modules, "numpy-ts", "dist", "esm", "index.js"))
          .href,
    });
  }
  return cases;
}

/**
 * The file the npm package in `npmDir` gives `runtime` for its main entry
 * (the `bun` or `node` condition of package.json's `exports`, else
 * `default`), as Bun's and Node's resolution picks it; `undefined` when
 * the package is not built.
 */
export function packageEntry(
  npmDir: string,
  runtime: string,
): string | undefined {
  const pkgPath = join(npmDir, "package.json");
  if (!fs.existsSync(pkgPath)) return undefined;
  const exp = JSON.parse(fs.readFileSync(pkgPath, "utf8")).exports?.["."];
  const rel: unknown = typeof exp === "string"
    ? exp
    : exp?.[runtime] ?? exp?.default;
  if (typeof rel !== "string" || !fs.existsSync(join(npmDir, rel))) {
    return undefined;
  }
  return join(npmDir, rel);
}

/** A peer's (or cold start's) result. */
export interface UserRow {
  runtime: string;
  workload: string;
  who: string;
  ms: number;
  units: number;
  unit: string;
  inProcessMs?: number;
  /** Cold start: medians of the in-process split (ms), see `cold.mjs`. */
  split?: Record<string, number>;
}

/** How to run a script on one runtime. */
export interface RuntimeCmd {
  name: string;
  /** The command before the script's path. */
  cmd: string[];
  /** The library module cold start imports. */
  libUrl: string;
}

function json<T>(stdout: string): T[] {
  return stdout.split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l) as T
  );
}

/** peers.ts for Node 20, which cannot run TypeScript (types stripped by esbuild). */
function nodeScript(dir: string): string {
  const out = join(dir, "peers.mjs");
  const r = spawnSync("npx", [
    "-y",
    "esbuild@0.28.2",
    PEERS,
    "--format=esm",
    "--log-level=warning",
    `--outfile=${out}`,
  ], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`esbuild failed: ${r.stderr}`);
  // peers.ts finds bench/node_modules next to itself.
  const text = fs.readFileSync(out, "utf8").replace(
    "new URL(import.meta.url).pathname",
    JSON.stringify(join(BENCH, "peers.ts")),
  );
  fs.writeFileSync(out, text);
  return out;
}

/**
 * Builds the JSR package into `out` in a process of its own, run from the
 * project's root (its `deno.json`; bench/'s package.json would govern an
 * import here); returns `out`.
 */
function buildJsrIn(out: string): string {
  const r = spawnSync(
    Deno.execPath(),
    ["run", "-A", join(BENCH, "..", "scripts", "build_jsr.ts"), out],
    { cwd: join(BENCH, ".."), encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`build_jsr failed: ${r.stderr}`);
  return out;
}

/**
 * Runs the peers and cold start on each runtime, and NumPy's side.
 *
 * @returns The rows, and notes for the table.
 */
export function userWorkloads(
  dir: string,
  runtimes: RuntimeCmd[],
  env: Record<string, string>,
  python: boolean,
  scale: string,
): { rows: UserRow[]; notes: string[] } {
  const rows: UserRow[] = [];
  const notes: string[] = [];
  const failed = installPeers();
  if (failed !== null) notes.push(`Peers skipped: ${failed}.`);
  // Cold start runs in an empty folder (no project configuration for Deno
  // to find), with the JSR package built from the sources for Deno.
  const coldCwd = join(dir, "cold-cwd");
  fs.mkdirSync(coldCwd, { recursive: true });
  const coldEnv = Object.fromEntries(
    Object.entries(env).filter(([k]) => !COLD_UNSET.includes(k)),
  );
  let jsrUrl: string | undefined;
  if (runtimes.some((rt) => rt.name === "deno")) {
    try {
      jsrUrl =
        pathToFileURL(join(buildJsrIn(join(dir, "jsr")), "dist", "mod.js"))
          .href;
    } catch (e) {
      notes.push(`JSR package not built (Deno cold start on mod.ts): ${e}`);
    }
  }
  for (const rt of runtimes) {
    console.error(`bench: ${rt.name} peers and cold start ...`);
    const script = rt.name === "node" ? nodeScript(dir) : PEERS;
    if (failed === null) {
      const r = spawnSync(rt.cmd[0]!, [...rt.cmd.slice(1), script, dir], {
        encoding: "utf8",
        env: { ...env, NPY_BENCH_SCALE: scale },
        maxBuffer: 1 << 24,
      });
      if (r.status !== 0) notes.push(`${rt.name} peers failed: ${r.stderr}`);
      for (const p of json<UserRow & { peer: string }>(r.stdout)) {
        rows.push({ ...p, runtime: rt.name, who: p.peer });
      }
    }
    const cases = coldCases(rt, env, failed === null, jsrUrl);
    // Fresh processes, taking turns; the first round warms the page cache
    // and compile caches, then the median of the others.
    const walls: Record<string, number[]> = {};
    const splits: Record<string, Record<string, number>[]> = {};
    for (let round = 0; round < COLD_ROUNDS + 1; round++) {
      for (const c of cases) {
        const out = join(dir, `cold-${c.key}.npy`);
        fs.rmSync(out, { force: true });
        // Deno's own call: a Node started by node:child_process's
        // spawnSync under Deno 2.9 took 110 to 120 ms to reach its first
        // line, against 35 ms from Deno.Command or a shell.
        const t = performance.now();
        const r = new Deno.Command(rt.cmd[0]!, {
          args: [...rt.cmd.slice(1), COLD, c.which, out, c.module],
          env: coldEnv,
          clearEnv: true,
          cwd: coldCwd,
        }).outputSync();
        const wall = performance.now() - t;
        if (r.code !== 0) {
          notes.push(
            `${rt.name} cold ${c.key} failed: ${
              new TextDecoder().decode(r.stderr).slice(-200)
            }`,
          );
          break;
        }
        if (round === 0) continue;
        (walls[c.key] ??= []).push(wall);
        (splits[c.key] ??= []).push(
          json<Record<string, number>>(new TextDecoder().decode(r.stdout))[0]!,
        );
      }
    }
    for (const c of cases) {
      if (walls[c.key] === undefined) continue;
      const split: Record<string, number> = {};
      for (const k of Object.keys(splits[c.key]![0]!)) {
        split[k] = median(splits[c.key]!.map((s) => s[k]!));
      }
      const { inProcessMs, ...parts } = split;
      rows.push({
        runtime: rt.name,
        workload: "cold start",
        who: c.who,
        ms: median(walls[c.key]!),
        inProcessMs: inProcessMs!,
        split: parts,
        units: 1,
        unit: "runs",
      });
    }
  }
  if (python) {
    console.error("bench: python (NumPy) user workloads ...");
    const r = spawnSync(
      "/usr/bin/python3",
      [join(BENCH, "python_users.py"), dir, scale],
      { encoding: "utf8" },
    );
    if (r.status !== 0) {
      notes.push(`NumPy rows failed: ${r.stderr.slice(-200)}`);
    }
    for (const p of json<UserRow>(r.stdout)) {
      rows.push({ ...p, runtime: "python", who: "NumPy np.save/np.load" });
    }
  }
  return { rows, notes };
}

/** The library's rows of `workloads.ts`, as far as the summary needs them. */
export interface LibRow {
  runtime: string;
  workload: string;
  case: string;
  libMs: number;
  baseMs: number;
  units: number;
  unit: string;
  baseline: string;
  note?: string;
}

/** Which library row stands for each user workload. */
const PICK: Record<string, (r: LibRow) => boolean> = {
  "whole-array write": (r) =>
    r.workload.startsWith("6") && r.case.startsWith("sync") &&
    !r.case.endsWith("peak memory"),
  "append stream": (r) =>
    r.workload.startsWith("1") && r.case.startsWith("sync"),
  "whole read": (r) =>
    r.workload.startsWith("4") && r.case.startsWith("readNpy"),
  "random rows": (r) =>
    r.workload.startsWith("4") && r.case.startsWith("NpyReader.readSync,"),
  // Like with like: the async read against the async raw loop.
  "random rows, async read": (r) =>
    r.workload.startsWith("4") && r.case.startsWith("NpyReader.read,") &&
    r.case.includes("against the async raw loop"),
};

function fmtRate(units: number, ms: number, unit: string): string {
  const v = units / ms * 1000;
  return `${Math.round(v).toLocaleString("en-US")} ${unit}/s`;
}

/**
 * One line per workload and runtime: the library, raw calls, the best peer.
 *
 * @returns Markdown lines.
 */
export function summary(
  lib: LibRow[],
  users: UserRow[],
  runtimes: string[],
): string[] {
  const lines = [
    "| workload | runtime | library | raw | ratio to raw | best peer | ratio to best peer |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const w of [...Object.keys(PICK), "cold start"]) {
    for (const rt of runtimes) {
      if (w === "cold start") {
        const of = (who: string) =>
          users.find((u) =>
            u.workload === w && u.runtime === rt && u.who === who
          );
        const l = of("library"), raw = of("raw");
        if (l === undefined || raw === undefined) continue;
        const peers = users.filter((u) =>
          u.workload === w && (u.runtime === rt || u.runtime === "python") &&
          !u.who.startsWith("library") &&
          !["raw", "empty module", "raw, locked"].includes(u.who)
        ).sort((a, b) => a.ms - b.ms);
        const p = peers[0];
        lines.push(
          `| cold start (whole process; in process) | ${rt} | ${
            l.ms.toFixed(0)
          } ms; ${l.inProcessMs!.toFixed(1)} ms | ${raw.ms.toFixed(0)} ms; ${
            raw.inProcessMs!.toFixed(1)
          } ms | ${(raw.ms / l.ms).toFixed(2)} | ${
            p === undefined
              ? "none"
              : `${p.who}${p.runtime === "python" ? "" : ` on ${rt}`}: ${
                p.ms.toFixed(0)
              } ms`
          } | ${p === undefined ? "" : (p.ms / l.ms).toFixed(2)} |`,
        );
        continue;
      }
      const l = lib.find((r) => r.runtime === rt && PICK[w]!(r));
      if (l === undefined || l.note !== undefined) {
        lines.push(`| ${w} | ${rt} | not measured | | | | |`);
        continue;
      }
      const peers = users.filter((u) =>
        (u.workload === w || w.startsWith(`${u.workload},`)) &&
        (u.runtime === rt || u.runtime === "python")
      ).sort((a, b) => b.units / b.ms - a.units / a.ms);
      const p = peers[0];
      const libRate = l.units / l.libMs;
      lines.push(
        `| ${w}: ${l.case} | ${rt} | ${fmtRate(l.units, l.libMs, l.unit)} | ${
          fmtRate(l.units, l.baseMs, l.unit)
        } (${l.baseline}) | ${(l.baseMs / l.libMs).toFixed(2)} | ${
          p === undefined
            ? w === "append stream"
              ? "none (no peer appends to a file)"
              : "none (no JS peer reads a row alone)"
            : `${p.who}: ${fmtRate(p.units, p.ms, p.unit)}`
        } | ${
          p === undefined ? "" : (libRate / (p.units / p.ms)).toFixed(2)
        } |`,
      );
    }
  }
  return lines;
}

/**
 * Cold start in detail: per runtime and case, the whole process and the
 * in-process split (medians), the ratio of raw to each (1: as fast as the
 * raw write), and, with `NPY_BENCH_COLD_BEFORE`, the library after / before.
 *
 * @returns Markdown lines (none without cold-start rows).
 */
export function coldTable(users: UserRow[], runtimes: string[]): string[] {
  const cold = users.filter((u) =>
    u.workload === "cold start" && u.split !== undefined
  );
  if (cold.length === 0) return [];
  const lines = [
    "| runtime | case | whole process | raw / case (whole) | in process | raw / case (in process) | runtime start | load | open | append | close or write |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const ms = (v: number | undefined) => v === undefined ? "" : v.toFixed(1);
  for (const rt of runtimes) {
    const mine = cold.filter((u) => u.runtime === rt);
    const raw = mine.find((u) => u.who === "raw");
    for (const u of mine) {
      const p = u.split!;
      lines.push(
        `| ${rt} | ${u.who} | ${u.ms.toFixed(0)} ms | ${
          raw === undefined ? "" : (raw.ms / u.ms).toFixed(2)
        } | ${ms(u.inProcessMs)} ms | ${
          raw === undefined
            ? ""
            : (raw.inProcessMs! / u.inProcessMs!).toFixed(2)
        } | ${ms(p.startup)} | ${ms(p.load)} | ${ms(p.open)} | ${
          ms(p.append)
        } | ${ms(p.close ?? p.write)} |`,
      );
    }
    const lib = mine.find((u) => u.who === "library");
    const before = mine.find((u) => u.who === "library before");
    if (lib !== undefined && before !== undefined) {
      lines.push(
        `| ${rt} | library before / after | ${
          (before.ms / lib.ms).toFixed(2)
        }x | | ${(before.inProcessMs! / lib.inProcessMs!).toFixed(2)}x | | | ${
          (before.split!.load! / lib.split!.load!).toFixed(2)
        }x | ${(before.split!.open! / lib.split!.open!).toFixed(2)}x | ${
          (before.split!.append! / lib.split!.append!).toFixed(2)
        }x | |`,
      );
    }
  }
  return lines;
}
