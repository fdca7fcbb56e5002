/**
 * Measures the peak memory of `ensureAppendable(path, { inplace: true })`
 * on a 1 GiB file whose header has no room to grow (as NumPy < 1.23 wrote
 * it), and checks the result.
 *
 * ```sh
 * deno run -A scripts/mem_ensure_appendable.ts [--mib 1024] [--copy]
 * ```
 *
 * The parent builds the file; a child process runs only `ensureAppendable`
 * and reports its peak resident set size (`VmHWM` from `/proc/self/status`,
 * Linux) and, for comparison, the peak of a child that runs nothing. With
 * `--copy` the child uses the temporary-file variant instead.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ensureAppendable, isAppendableSync, parseHeader } from "../mod.ts";
import { wrapHeaderText } from "../src/header.ts";

const SCRIPT = fileURLToPath(import.meta.url);
const MIB = 1024 * 1024;

function peakRssMiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A header of the given row count with no growth space, 128 bytes long. */
function legacyHeader(rows: number): Uint8Array {
  // Long field names push the text to 98..117 characters: it fits 128
  // bytes without growth space, but not with it.
  const text =
    `{'descr': [('timestamp', '<f8'), ('temperature', '<f8')], 'fortran_order': False, 'shape': (${rows},), }`;
  const header = wrapHeaderText(text);
  if (header.length !== 128) throw new Error(`header is ${header.length}`);
  return header;
}

function args(): string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno ? deno.args : process.argv.slice(2);
}

function childCommand(extra: string[]): [string, string[]] {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") {
    return [process.execPath, ["run", "-A", SCRIPT, ...extra]];
  }
  return [process.execPath, [SCRIPT, ...extra]];
}

async function main(): Promise<void> {
  const a = args();
  if (a[0] === "--child") {
    const mode = a[1]!;
    const path = a[2]!;
    const t0 = Date.now();
    if (mode === "inplace") await ensureAppendable(path, { inplace: true });
    else if (mode === "copy") await ensureAppendable(path);
    console.log(JSON.stringify({ peakMiB: peakRssMiB(), ms: Date.now() - t0 }));
    return;
  }
  const mib = Number(a[a.indexOf("--mib") + 1] ?? 1024) || 1024;
  const mode = a.includes("--copy") ? "copy" : "inplace";
  const dir = mkdtempSync(join(tmpdir(), "npy-mem-"));
  const path = join(dir, "big.npy");
  try {
    const rowBytes = 16;
    const dataBytes = mib * MIB;
    const rows = dataBytes / rowBytes;
    const fd = openSync(path, "w");
    writeSync(fd, legacyHeader(rows), 0, 128, 0);
    const chunk = new Uint8Array(4 * MIB);
    for (let i = 0; i < dataBytes / chunk.length; i++) {
      chunk.fill(i & 0xff);
      chunk[0] = 0xaa;
      writeSync(fd, chunk, 0, chunk.length, 128 + i * chunk.length);
    }
    closeSync(fd);
    if (isAppendableSync(path)) throw new Error("the file is appendable");
    const run = (m: string) => {
      const [cmd, argv] = childCommand(["--child", m, path]);
      const res = spawnSync(cmd, argv, { encoding: "utf8" });
      if (res.status !== 0) throw new Error(res.stderr);
      return JSON.parse(res.stdout.trim()) as { peakMiB: number; ms: number };
    };
    const baseline = run("none");
    const measured = run(mode);
    // Check: the header grew to 192 bytes and every chunk moved intact.
    const size = statSync(path).size;
    const fd2 = openSync(path, "r");
    const head = new Uint8Array(256);
    readSync(fd2, head, 0, 256, 0);
    const header = parseHeader(head);
    if (header.headerLength !== 192 || size !== 192 + dataBytes) {
      throw new Error(
        `bad result: header ${header.headerLength}, size ${size}`,
      );
    }
    const probe = new Uint8Array(2);
    for (let i = 0; i < dataBytes / chunk.length; i++) {
      readSync(fd2, probe, 0, 2, 192 + i * chunk.length);
      if (probe[0] !== 0xaa || probe[1] !== (i & 0xff)) {
        throw new Error(`chunk ${i} did not survive`);
      }
    }
    closeSync(fd2);
    if (!isAppendableSync(path)) throw new Error("still not appendable");
    const runtime = typeof (globalThis as { Deno?: unknown }).Deno !==
        "undefined"
      ? "deno"
      : "bun/node";
    console.log(
      `ensureAppendable (${mode}) on a ${mib} MiB file (${runtime}): peak RSS ${
        measured.peakMiB.toFixed(1)
      } MiB (a child doing nothing: ${
        baseline.peakMiB.toFixed(1)
      } MiB), ${measured.ms} ms; data verified`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
