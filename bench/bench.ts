/**
 * `deno task bench`: runs `bench/workloads.ts` on Deno, Bun and Node, each
 * in its own process, and prints one table of the library against its
 * baselines (measured in the same process, in the same run).
 *
 * - Deno runs the TypeScript directly; Bun too (`bun` on PATH when it is
 *   1.4.5, else `npx -y bun@1.4.5`).
 * - Node 20 cannot run TypeScript: the workloads (and, without a built
 *   package, `mod.ts` and `src/`) are compiled with `tsc` from npm into a
 *   temporary folder; when `npm/package.json` exists (from
 *   `deno task build:npm`) the library is loaded from the built package.
 *
 * - `users` (bench/users.ts): the peers (npyjs, numpy-ts, NumPy) and cold
 *   start in fresh processes, and a summary line per user workload with
 *   the ratio to raw calls and to the best peer.
 *
 * Options: `--only=big,whole,small,read,memory,users`,
 * `--runtimes=deno,bun,node`,
 * `--scale=0.1` (smaller workloads for a quick try), `--rounds=N` (timed
 * rounds per case, after a warm-up round), `--json` (raw lines).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchResult } from "./workloads.ts";
import {
  coldTable,
  packageEntry,
  type RuntimeCmd,
  summary,
  type UserRow,
  userWorkloads,
} from "./users.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKLOADS = join(ROOT, "bench", "workloads.ts");
const BUN_VERSION = "1.4.5";
const TYPESCRIPT = "typescript@5.9.3";

interface Row extends BenchResult {
  runtime: string;
}

function flag(name: string): string | undefined {
  const hit = Deno.args.find((a) =>
    a === `--${name}` || a.startsWith(`--${name}=`)
  );
  if (hit === undefined) return undefined;
  return hit.includes("=") ? hit.slice(hit.indexOf("=") + 1) : "";
}

const only = flag("only")?.split(",") ??
  ["big", "whole", "small", "read", "memory", "users"];
const runtimes = flag("runtimes")?.split(",") ?? ["deno", "bun", "node"];
const scale = flag("scale") ?? "1";
const rounds = flag("rounds") ?? "0";
const jsonOut = flag("json") !== undefined;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

function bunCommand(): string[] {
  return sh("bun", ["--version"]) === BUN_VERSION
    ? ["bun"]
    : ["npx", "-y", `bun@${BUN_VERSION}`];
}

/** Compiles the workloads for Node; returns the `.js` entry and the library to load. */
function nodeBuild(): { entry: string; lib?: string; how: string } {
  const out = fs.mkdtempSync(join(tmpdir(), "npy-bench-node-"));
  const config = {
    compilerOptions: {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ESNext", "DOM"],
      types: [],
      rewriteRelativeImportExtensions: true,
      noCheck: true,
      skipLibCheck: true,
      rootDir: ROOT,
      outDir: out,
    },
    files: [WORKLOADS],
  };
  const tsconfig = join(out, "tsconfig.json");
  fs.writeFileSync(tsconfig, JSON.stringify(config));
  const r = spawnSync("npx", ["-y", "-p", TYPESCRIPT, "tsc", "-p", tsconfig], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
  fs.writeFileSync(join(out, "package.json"), '{"type":"module"}');
  const entry = join(out, "bench", "workloads.js");
  const pkgPath = join(ROOT, "npm", "package.json");
  if (fs.existsSync(pkgPath) && newestSource() > fs.statSync(pkgPath).mtimeMs) {
    return {
      entry,
      how: `src compiled by ${TYPESCRIPT} tsc (npm/ is older than src/)`,
    };
  }
  const lib = packageEntry(join(ROOT, "npm"), "node");
  if (lib !== undefined) {
    return {
      entry,
      lib: pathToFileURL(lib).href,
      how: `built npm package (npm/${
        relative(join(ROOT, "npm"), lib)
      }, the \`node\` condition)`,
    };
  }
  return { entry, how: `src compiled by ${TYPESCRIPT} tsc (no npm/ build)` };
}

/** The path of the Bun binary that `bun` (maybe through npx) runs. */
function bunBinary(bun: string[]): string {
  const path = sh(bun[0]!, [
    ...bun.slice(1),
    "-e",
    "console.log(process.execPath)",
  ]);
  return path === "" ? bun[0]! : path;
}

/**
 * The npm build's entry that Bun loads (the `bun` export condition: the
 * bytecode build), when it is newer than the sources.
 */
function freshBuild(): string | undefined {
  const p = packageEntry(join(ROOT, "npm"), "bun");
  if (p === undefined || newestSource() > fs.statSync(p).mtimeMs) {
    return undefined;
  }
  return pathToFileURL(p).href;
}

/** The latest modification time of `mod.ts` and `src/**`. */
function newestSource(): number {
  let newest = fs.statSync(join(ROOT, "mod.ts")).mtimeMs;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(join(ROOT, "src"));
  return newest;
}

function runWorker(
  cmd: string[],
  env: Record<string, string>,
  dir: string,
  mode: string,
): Row[] {
  const [bin, ...args] = cmd;
  const r = spawnSync(bin!, [...args, dir, mode], {
    encoding: "utf8",
    env: {
      ...Deno.env.toObject(),
      NPY_BENCH_SCALE: scale,
      NPY_BENCH_ROUNDS: rounds,
      ...env,
    },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    throw new Error(
      `${cmd.join(" ")} ${mode} failed (${r.status ?? r.signal}):\n${r.stderr}`,
    );
  }
  return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l) as Row
  );
}

const dir = fs.mkdtempSync(join(tmpdir(), "npy-bench-"));
const rows: Row[] = [];
const notes: string[] = [];
const userCmds: RuntimeCmd[] = [];
let userRows: UserRow[] = [];
const versions: Record<string, string> = {
  deno: Deno.version.deno,
};
try {
  const speedOnly = only.filter((w) => w !== "memory").join(",");
  for (const rt of runtimes) {
    let cmd: string[];
    const env: Record<string, string> = {};
    if (rt === "deno") {
      cmd = [Deno.execPath(), "run", "-A", WORKLOADS];
    } else if (rt === "bun") {
      const bun = bunCommand();
      versions.bun = sh(bun[0]!, [...bun.slice(1), "--version"]);
      cmd = [...bun, WORKLOADS];
    } else if (rt === "node") {
      versions.node = sh("node", ["--version"]).replace(/^v/, "");
      const built = nodeBuild();
      notes.push(`Node runs the ${built.how}.`);
      if (built.lib !== undefined) env.NPY_BENCH_LIB = built.lib;
      cmd = ["node", built.entry];
    } else {
      throw new TypeError(`Unknown runtime "${rt}"`);
    }
    userCmds.push({
      name: rt,
      cmd: rt === "node" ? ["node"] : rt === "deno"
        ? cmd.slice(0, 3)
        // The runtime's own binary: npx in front would time npx, not Bun.
        : [bunBinary(cmd.slice(0, -1))],
      // The library as its users load it: Node the npm build's bundle and
      // Bun its bytecode build when they are built; Deno the TypeScript
      // source here, and in cold start the JSR package's bundle too
      // (bench/users.ts).
      libUrl: rt === "deno"
        ? pathToFileURL(join(ROOT, "mod.ts")).href
        : env.NPY_BENCH_LIB ??
          (rt === "node"
            ? pathToFileURL(join(cmd[1]!, "..", "..", "mod.js")).href
            : freshBuild() ?? pathToFileURL(join(ROOT, "mod.ts")).href),
    });
    console.error(`bench: ${rt} ...`);
    if (speedOnly !== "") {
      rows.push(
        ...runWorker(cmd, { ...env, NPY_BENCH_ONLY: speedOnly }, dir, "speed"),
      );
    }
    if (only.includes("whole")) {
      rows.push(...runWorker(cmd, env, dir, "whole-memory-sync"));
      rows.push(...runWorker(cmd, env, dir, "whole-memory-async"));
    }
    if (only.includes("memory")) {
      rows.push(...runWorker(cmd, env, dir, "memory-sync"));
      rows.push(...runWorker(cmd, env, dir, "memory-async"));
    }
  }
  if (only.includes("small")) rows.push(...pythonRows());
  if (only.includes("users")) {
    const u = userWorkloads(
      dir,
      userCmds,
      Deno.env.toObject(),
      hasNumpy("/usr/bin/python3"),
      scale,
    );
    userRows = u.rows;
    notes.push(...u.notes);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Workloads 2 and 3 in Python (bench/python_append.py), when NumPy is there. */
function pythonRows(): Row[] {
  const python = "/usr/bin/python3";
  if (!hasNumpy(python)) {
    notes.push("Python rows skipped: no NumPy.");
    return [];
  }
  console.error("bench: python ...");
  const n = Math.max(1000, Math.round(100_000 * Number(scale)));
  const r = spawnSync(
    python,
    [join(ROOT, "bench", "python_append.py"), dir, String(n)],
    { encoding: "utf8" },
  );
  if (r.status !== 0) {
    notes.push(`Python rows failed: ${r.stderr.trim().split("\n").pop()}`);
    return [];
  }
  const out: Row[] = [];
  for (const line of r.stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const j = JSON.parse(line) as {
      rewrite: boolean;
      ms: number;
      numpy: string;
      python: string;
    };
    versions.python = `${j.python} (NumPy ${j.numpy})`;
    out.push({
      runtime: "python",
      workload: j.rewrite
        ? "2 small appends, header rewritten"
        : "3 small appends, rewriteHeaderOnAppend: false",
      case: `npy-append-array's append loop (emulated), ${n} x (1, 3) f8`,
      libMs: j.ms,
      baseMs: NaN,
      units: n,
      unit: "appends",
      baseline: "",
    });
  }
  return out;
}

function hasNumpy(python: string): boolean {
  return spawnSync(python, ["-c", "import numpy"]).status === 0;
}

if (jsonOut) {
  for (const r of rows) console.log(JSON.stringify(r));
  for (const r of userRows) console.log(JSON.stringify(r));
  Deno.exit(0);
}

function target(r: Row): string {
  if (r.workload.startsWith("1") || r.workload.startsWith("6")) return ">= 0.9";
  if (r.workload.startsWith("2")) {
    return r.case.startsWith("sync") ? ">= 0.7" : ">= 0.5";
  }
  if (r.workload.startsWith("3")) return ">= 1,000,000 appends/s";
  if (r.workload.startsWith("4") && r.case.includes("random rows")) {
    return ">= 0.8";
  }
  if (r.workload.startsWith("5")) return "< 64 MiB";
  if (r.workload.startsWith("6")) {
    return r.case.endsWith("peak memory") ? "< +16 MiB" : ">= 0.9";
  }
  return "";
}

function met(r: Row): string {
  const ratio = r.baseMs / r.libMs;
  if (r.workload.startsWith("1") || r.workload.startsWith("6")) {
    return ratio >= 0.9 ? "yes" : "no";
  }
  if (r.workload.startsWith("2")) {
    return ratio >= (r.case.startsWith("sync") ? 0.7 : 0.5) ? "yes" : "no";
  }
  if (r.workload.startsWith("3")) {
    return r.units / r.libMs * 1000 >= 1e6 ? "yes" : "no";
  }
  if (r.workload.startsWith("4") && r.case.includes("random rows")) {
    return ratio >= 0.8 ? "yes" : "no";
  }
  if (r.workload.startsWith("5")) return r.units < 64 ? "yes" : "no";
  if (r.workload.startsWith("6")) {
    if (r.case.endsWith("peak memory")) return r.units < 16 ? "yes" : "no";
    return ratio >= 0.9 ? "yes" : "no";
  }
  return "";
}

function rate(units: number, ms: number, unit: string): string {
  if (!Number.isFinite(ms) || ms <= 0) return "";
  const v = units / ms * 1000;
  if (unit === "MiB") return `${Math.round(v).toLocaleString("en-US")} MiB/s`;
  return `${Math.round(v).toLocaleString("en-US")} ${unit}/s`;
}

const lines = [
  "| workload | case | runtime | library | baseline | ratio | CPU ratio | target | met |",
  "|---|---|---|---|---|---|---|---|---|",
];
const order = (r: Row) =>
  `${r.workload}|${r.case}|${runtimes.indexOf(r.runtime)}`;
rows.sort((a, b) => order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0);
for (const r of rows) {
  if (r.note !== undefined) {
    lines.push(
      `| ${r.workload} | ${r.case} | ${r.runtime} | ${r.note} | | | | | |`,
    );
    continue;
  }
  if (r.runtime === "python") {
    lines.push(
      `| ${r.workload} | ${r.case} | python | ${
        rate(r.units, r.libMs, r.unit)
      } | | | | | |`,
    );
    continue;
  }
  if (r.case.endsWith("peak memory")) {
    lines.push(
      `| ${r.workload} | ${r.case} | ${r.runtime} | +${
        r.units.toFixed(1)
      } MiB peak RSS (${Math.round(r.libMs)} ms) | ${r.baseline} (${
        Math.round(r.baseMs)
      } ms) | | | ${target(r)} | ${met(r)} |`,
    );
    continue;
  }
  if (r.workload.startsWith("5")) {
    lines.push(
      `| ${r.workload} | ${r.case} | ${r.runtime} | +${
        r.units.toFixed(1)
      } MiB peak RSS (${rate(chunksOf(r), r.libMs, "MiB")}) | | | | ${
        target(r)
      } | ${met(r)} |`,
    );
    continue;
  }
  lines.push(
    `| ${r.workload} | ${r.case} | ${r.runtime} | ${
      rate(r.units, r.libMs, r.unit)
    } | ${rate(r.units, r.baseMs, r.unit)}, ${r.baseline} | ${
      (r.baseMs / r.libMs).toFixed(2)
    } | ${cpuRatio(r)} | ${target(r)} | ${met(r)} |`,
  );
}

function cpuRatio(r: Row): string {
  const v = (r.baseCpuMs ?? NaN) / (r.libCpuMs ?? NaN);
  return Number.isFinite(v) ? v.toFixed(2) : "";
}

function chunksOf(r: Row): number {
  const m = /(\d+) x 1 MiB/.exec(r.case);
  return m ? Number(m[1]) : 0;
}

console.log(lines.join("\n"));
if (userRows.length > 0) {
  console.log(
    "\nWhat users do, per runtime (ratios > 1: the library is faster):\n",
  );
  console.log(summary(rows, userRows, runtimes).join("\n"));
  const cold = coldTable(userRows, runtimes);
  if (cold.length > 0) {
    console.log(
      "\nCold start, medians of fresh processes (ms; ratios > 1: faster than the case):\n",
    );
    console.log(cold.join("\n"));
  }
}
console.log(
  `\nRuntimes: ${
    Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")
  }. ${notes.join(" ")}`,
);
console.log(
  "Ratio: baseline time / library time, best of several alternating rounds (the median where the case says so; 1 = as fast as the raw calls); CPU ratio: the same with the process's CPU time (user + system), less sensitive to other load.",
);
