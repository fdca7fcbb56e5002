/**
 * Peak memory of the command line converting a 1 GiB CSV file to `.npy`
 * and back, each measured on the child process with `/usr/bin/time -v`
 * ("Maximum resident set size").
 *
 * 1. Writes `big.csv` in a temp folder: rows of 8 random floats in
 *    JavaScript's shortest text (`String(x)`), about 1 GiB.
 * 2. `cli.ts from-csv big.csv big.npy`, then checks the shape.
 * 3. `cli.ts to-csv big.npy back.csv`, then checks that `back.csv` is byte
 *    for byte `big.csv` (to-csv writes floats in the same shortest form).
 *
 * Run: `deno run -A scripts/mem_csv_roundtrip.ts [--size-mib N]
 * [--runtime deno|bun]`. Linux only (needs `/usr/bin/time`, Debian package
 * `time`).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const MIB = 1 << 20;
const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizeMib = Number(opt("--size-mib") ?? 1024);
const runtime = opt("--runtime") ?? "deno";
const COLS = 8;

function command(cliArgs: string[]): string[] {
  if (runtime === "bun") return ["bun", CLI, ...cliArgs];
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno
    ?.execPath() ?? "deno";
  return [deno, "run", "-R", "-W", CLI, ...cliArgs];
}

interface Measured {
  seconds: number;
  peakRss: number;
}

function measure(cliArgs: string[]): Measured {
  const start = performance.now();
  const res = spawnSync("/usr/bin/time", ["-v", ...command(cliArgs)], {
    encoding: "utf8",
    stdio: ["ignore", "inherit", "pipe"],
  });
  const seconds = (performance.now() - start) / 1000;
  if (res.status !== 0) {
    throw new Error(`${cliArgs.join(" ")} failed:\n${res.stderr}`);
  }
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr);
  if (m === null) throw new Error(`No RSS in:\n${res.stderr}`);
  return { seconds, peakRss: Number(m[1]) * 1024 };
}

function writeCsv(path: string, bytes: number): number {
  const fd = openSync(path, "w");
  const enc = new TextEncoder();
  let written = 0;
  let rows = 0;
  let seed = 12345;
  const rand = () => {
    // xorshift32: deterministic, fast
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  try {
    while (written < bytes) {
      const lines: string[] = [];
      for (let r = 0; r < 10000; r++) {
        const fields: string[] = [];
        for (let c = 0; c < COLS; c++) {
          const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 8 - 3);
          fields.push(String(x));
        }
        lines.push(fields.join(","));
      }
      rows += lines.length;
      const chunk = enc.encode(lines.join("\n") + "\n");
      writeSync(fd, chunk);
      written += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

function sameFiles(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  const fa = openSync(a, "r");
  const fb = openSync(b, "r");
  try {
    const ba = new Uint8Array(8 * MIB);
    const bb = new Uint8Array(8 * MIB);
    for (;;) {
      const na = readSync(fa, ba);
      const nb = readSync(fb, bb);
      if (na !== nb) return false;
      if (na === 0) return true;
      for (let i = 0; i < na; i++) if (ba[i] !== bb[i]) return false;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

const mib = (n: number) => `${(n / MIB).toFixed(0)} MiB`;

const dir = mkdtempSync(join(tmpdir(), "npy-csv-mem-"));
try {
  const csv = join(dir, "big.csv");
  const npy = join(dir, "big.npy");
  const back = join(dir, "back.csv");
  const rows = writeCsv(csv, sizeMib * MIB);
  const csvSize = statSync(csv).size;
  console.log(
    `CSV: ${
      mib(csvSize)
    }, ${rows} rows x ${COLS} float64 columns; runtime ${runtime}`,
  );

  const a = measure(["from-csv", csv, npy]);
  const npySize = statSync(npy).size;
  if (npySize !== 128 + rows * COLS * 8) {
    throw new Error(
      `big.npy has ${npySize} bytes, expected ${128 + rows * COLS * 8}`,
    );
  }
  console.log(
    `from-csv: ${a.seconds.toFixed(1)} s (${
      (csvSize / MIB / a.seconds).toFixed(0)
    } MiB/s of CSV), peak RSS ${mib(a.peakRss)}`,
  );

  const b = measure(["to-csv", npy, back]);
  console.log(
    `to-csv:   ${b.seconds.toFixed(1)} s (${
      (csvSize / MIB / b.seconds).toFixed(0)
    } MiB/s of CSV), peak RSS ${mib(b.peakRss)}`,
  );
  const same = sameFiles(csv, back);
  console.log(`back.csv identical to big.csv: ${same}`);
  if (!same) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
