/**
 * The kill test (SPEC section 10): a child process appends numbered rows
 * `[i, 2i, 3i]` (float64, shape (n, 3), random batch sizes) to a file and
 * prints the last index of each batch once its append has resolved; the
 * parent kills it with SIGKILL at a random moment, then checks that the
 * file loads (directly, or after `recover`) with every reported row present
 * and correct, and starts the next child on the same file, which goes on
 * numbering from the rows the file holds. Both `rewriteHeaderOnAppend`
 * settings and both writers (async and sync) take turns. NumPy checks every
 * state after a kill, a batch of them per Python process.
 *
 * ```sh
 * deno task crash [--kills 200] [--seed 1] [--verbose]   # or: deno run -A scripts/crash_test.ts ...
 * bun scripts/crash_test.ts --kills 50
 * ```
 *
 * `tests/crash_test.ts` runs it with fewer kills.
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { mulberry32 } from "../tests/_fuzz.ts";

const SCRIPT = fileURLToPath(import.meta.url);
const PYTHON = "/usr/bin/python3";

/** Options of {@linkcode crashTest}. */
export interface CrashTestOptions {
  /** How many children to kill (default 200). */
  kills?: number;
  /** Seed of the random delays and batch sizes (default 1). */
  seed?: number;
  /** Kills per file, whose states NumPy checks in one process (default 10). */
  killsPerFile?: number;
  /** Check the states with NumPy (default true). */
  numpy?: boolean;
  /** Print a line per kill. */
  log?: (line: string) => void;
}

/** What {@linkcode crashTest} saw. */
export interface CrashTestResult {
  kills: number;
  /** Kills after which the file loaded as it was. */
  direct: number;
  /** Kills after which `recover` was needed. */
  recovered: number;
  /** Kills that left an empty file (before the first append finished). */
  empty: number;
  /** Rows acknowledged in all. */
  rowsReported: number;
  /** NumPy checks run. */
  numpyChecks: number;
}

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
}

/** The command that runs this script in a child of the same runtime. */
function childCommand(args: string[]): [string, string[]] {
  if (isDeno()) return [process.execPath, ["run", "-A", SCRIPT, ...args]];
  return [process.execPath, [SCRIPT, ...args]];
}

// ---------------------------------------------------------------- child

function rowsFrom(start: number, n: number): Float64Array {
  const data = new Float64Array(n * 3);
  for (let r = 0; r < n; r++) {
    const i = start + r;
    data[r * 3] = i;
    data[r * 3 + 1] = 2 * i;
    data[r * 3 + 2] = 3 * i;
  }
  return data;
}

function say(line: string): void {
  // Synchronous, so a line is out before the next append starts. Node's
  // stdout pipe is non-blocking: when it is full, a write fails with EAGAIN
  // (or writes part of the line) until the parent has read; try again.
  const bytes = new TextEncoder().encode(line + "\n");
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done);
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
    }
  }
}

async function child(
  path: string,
  rewrite: boolean,
  kind: string,
  seed: number,
): Promise<void> {
  const next = mulberry32(seed);
  const options = { rewriteHeaderOnAppend: rewrite, dtype: "<f8" };
  let index = 0;
  if (kind === "sync") {
    const npy = NpyAppendArraySync.open(path, options);
    index = npy.shape[0] ?? 0;
    say(`start ${index}`);
    for (;;) {
      const n = 1 + Math.floor(next() * 5);
      npy.append({ data: rowsFrom(index, n), shape: [n, 3] });
      index += n;
      say(String(index - 1));
    }
  }
  const npy = await NpyAppendArray.open(path, options);
  index = npy.shape[0] ?? 0;
  say(`start ${index}`);
  for (;;) {
    const n = 1 + Math.floor(next() * 5);
    await npy.append({ data: rowsFrom(index, n), shape: [n, 3] });
    index += n;
    say(String(index - 1));
  }
}

// --------------------------------------------------------------- parent

interface ChildRun {
  /** Highest row index reported, -1 for none. */
  reported: number;
  /** Rows the file held when the child started, or -1 if it never said. */
  start: number;
  stderr: string;
}

function runAndKill(
  args: string[],
  delayMs: number,
  early: boolean,
): Promise<ChildRun> {
  const [cmd, argv] = childCommand(args);
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let armed = false;
    let killed = false;
    const kill = () => {
      if (!killed) {
        killed = true;
        proc.kill("SIGKILL");
      }
    };
    const arm = () => {
      if (armed) return;
      armed = true;
      setTimeout(kill, delayMs);
    };
    const guard = setTimeout(() => {
      kill();
    }, 20000);
    // Early kills hit start-up: opening, creating the file, first append.
    if (early) arm();
    proc.stdout.setEncoding("utf8");
    proc.stderr.setEncoding("utf8");
    proc.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (!armed && out.includes("\n")) arm();
    });
    proc.stderr.on("data", (chunk: string) => {
      err += chunk;
    });
    proc.on("error", reject);
    proc.on("close", (code, signal) => {
      clearTimeout(guard);
      if (signal !== "SIGKILL") {
        reject(
          new Error(
            `The child ended by itself (code ${code}, signal ${signal}):\n${err}`,
          ),
        );
        return;
      }
      let reported = -1;
      let start = -1;
      for (const line of out.split("\n")) {
        if (line.startsWith("start ")) start = Number(line.slice(6));
        else if (/^\d+$/.test(line)) reported = Math.max(reported, +line);
      }
      resolve({ reported, start, stderr: err });
    });
  });
}

const NUMPY_CHECK = `
import sys, numpy as np
for p in sys.argv[1:]:
    a = np.load(p, mmap_mode="r")
    assert a.dtype == np.dtype("<f8") and a.ndim == 2 and a.shape[1] == 3, (p, a.dtype, a.shape)
    i = np.arange(a.shape[0], dtype="<f8")
    ok = bool(np.array_equal(a, np.stack([i, 2 * i, 3 * i], axis=1)))
    print(a.shape[0], ok)
`;

function numpyCheck(paths: string[]): { rows: number; ok: boolean }[] {
  const res = spawnSync(PYTHON, ["-c", NUMPY_CHECK, ...paths], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (res.status !== 0) {
    throw new Error(`NumPy check failed:\n${res.stderr}`);
  }
  return res.stdout.trim().split("\n").map((line) => {
    const [rows, ok] = line.split(" ");
    return { rows: Number(rows), ok: ok === "True" };
  });
}

/** Checks the file in JS; returns its row count. */
function checkRows(path: string, reported: number, label: string): number {
  const array = readNpySync(path);
  const data = array.data as Float64Array;
  if (array.shape.length !== 2 || array.shape[1] !== 3) {
    throw new Error(`${label}: shape (${array.shape}) is not (n, 3)`);
  }
  const rows = array.shape[0]!;
  if (rows < reported + 1) {
    throw new Error(
      `${label}: the file holds ${rows} rows, but row ${reported} was acknowledged`,
    );
  }
  for (let i = 0; i < rows; i++) {
    if (
      data[i * 3] !== i || data[i * 3 + 1] !== 2 * i ||
      data[i * 3 + 2] !== 3 * i
    ) {
      throw new Error(
        `${label}: row ${i} is [${data.subarray(i * 3, i * 3 + 3)}]`,
      );
    }
  }
  return rows;
}

/**
 * Runs the kill test.
 *
 * @param options Kills, seed, NumPy checks, logging.
 * @returns What happened; throws on the first lost or wrong row.
 */
export async function crashTest(
  options: CrashTestOptions = {},
): Promise<CrashTestResult> {
  const kills = options.kills ?? 200;
  const perFile = options.killsPerFile ?? 10;
  const next = mulberry32(options.seed ?? 1);
  const useNumpy = options.numpy ?? true;
  const dir = mkdtempSync(join(tmpdir(), "npy-crash-test-"));
  const result: CrashTestResult = {
    kills: 0,
    direct: 0,
    recovered: 0,
    empty: 0,
    rowsReported: 0,
    numpyChecks: 0,
  };
  try {
    let path = "";
    let pending: { snapshot: string; reported: number; label: string }[] = [];
    const flush = () => {
      if (!useNumpy || pending.length === 0) return;
      const got = numpyCheck(pending.map((p) => p.snapshot));
      pending.forEach((p, i) => {
        const g = got[i]!;
        if (!g.ok || g.rows < p.reported + 1) {
          throw new Error(
            `${p.label}: NumPy sees ${g.rows} rows (values ok: ${g.ok}), row ${p.reported} was acknowledged`,
          );
        }
        result.numpyChecks++;
      });
      for (const p of pending) rmSync(p.snapshot);
      pending = [];
    };
    let lastRows = 0;
    for (let k = 0; k < kills; k++) {
      if (k % perFile === 0) {
        flush();
        path = join(dir, `run${k / perFile}.npy`);
        lastRows = 0;
      }
      // Each file sees both settings and both writers.
      const rewrite = k % 2 === 0;
      const kind = (k >> 1) % 2 === 0 ? "async" : "sync";
      const early = next() < 0.15;
      const delay = early ? next() * 150 : next() * 20;
      const label = `kill ${
        k + 1
      } (${kind}, rewriteHeaderOnAppend ${rewrite}, ${
        early ? "early, " : ""
      }after ${delay.toFixed(1)} ms)`;
      const run = await runAndKill(
        [
          "--child",
          path,
          String(rewrite),
          kind,
          String(Math.floor(next() * 2 ** 31)),
        ],
        delay,
        early,
      );
      if (run.stderr.trim() !== "") {
        throw new Error(`${label}: the child wrote to stderr:\n${run.stderr}`);
      }
      if (run.start !== -1 && run.start !== lastRows) {
        throw new Error(
          `${label}: the child found ${run.start} rows, the last check ${lastRows}`,
        );
      }
      result.kills++;
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        size = 0;
      }
      if (size === 0) {
        if (run.reported !== -1) {
          throw new Error(
            `${label}: rows were acknowledged, the file is empty`,
          );
        }
        result.empty++;
        options.log?.(`${label}: empty file`);
        continue;
      }
      let how = "direct";
      if (needsRecoverySync(path)) {
        recoverSync(path);
        how = "recovered";
        result.recovered++;
      } else result.direct++;
      const rows = checkRows(path, run.reported, label);
      if (rows < lastRows) {
        throw new Error(`${label}: rows went from ${lastRows} to ${rows}`);
      }
      lastRows = rows;
      if (run.reported >= 0) {
        result.rowsReported += run.reported + 1 - Math.max(run.start, 0);
      }
      options.log?.(
        `${label}: ${how}, ${rows} rows, last acknowledged ${run.reported}`,
      );
      if (useNumpy) {
        const snapshot = join(dir, `state${k}.npy`);
        copyFileSync(path, snapshot);
        pending.push({ snapshot, reported: run.reported, label });
      }
    }
    flush();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

function scriptArgs(): string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno ? deno.args : process.argv.slice(2);
}

const isMain = (import.meta as { main?: boolean }).main ??
  (process.argv[1] !== undefined && fileURLToPath(import.meta.url) ===
      process.argv[1]);

if (isMain) {
  const args = scriptArgs();
  if (args[0] === "--child") {
    await child(args[1]!, args[2] === "true", args[3]!, Number(args[4]));
  } else {
    const kills = Number(argValue(args, "--kills") ?? 200);
    const seed = Number(argValue(args, "--seed") ?? 1);
    const verbose = args.includes("--verbose");
    const t0 = Date.now();
    const r = await crashTest({
      kills,
      seed,
      ...(verbose ? { log: (line: string) => console.log(line) } : {}),
    });
    console.log(
      `${r.kills} kills: ${r.direct} loaded directly, ${r.recovered} after recover, ${r.empty} empty (killed before the first append); ${r.rowsReported} acknowledged rows all present; ${r.numpyChecks} NumPy checks; ${
        ((Date.now() - t0) / 1000).toFixed(1)
      } s`,
    );
  }
}
