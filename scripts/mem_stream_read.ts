/**
 * Peak memory of streaming a 1 GiB `.npy` file through
 * `NpyReader.readable()`, against reading it whole with `readNpy`.
 *
 * Writes a 1 GiB float32 file (shape (1048576, 256)) in a temp folder with
 * the sync writer, then, in this process:
 *
 * 1. resets the peak RSS (Linux: `5` into `/proc/self/clear_refs`), streams
 *    every batch through `reader.readable()` summing the values, and reads
 *    the peak (`VmHWM` in `/proc/self/status`);
 * 2. resets it again and reads the whole file with `readNpy`.
 *
 * Run: `deno run -A scripts/mem_stream_read.ts` or
 * `bun run scripts/mem_stream_read.ts`. Linux only (needs /proc).
 * Pass `--size-mib N` for another file size.
 *
 * @module
 */

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArraySync, NpyReader, readNpy } from "../mod.ts";

const MIB = 1 << 20;

function status(key: string): number {
  const text = readFileSync("/proc/self/status", "utf8");
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  if (m === null) throw new Error(`No ${key} in /proc/self/status`);
  return Number(m[1]) * 1024;
}

function resetPeak(): void {
  // Clear the peak RSS (VmHWM) so it restarts from the present RSS.
  writeFileSync("/proc/self/clear_refs", "5");
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
}

const args = process.argv.slice(2);
const at = args.indexOf("--size-mib");
const sizeMib = at >= 0 ? Number(args[at + 1]) : 1024;
const width = 256;
const rows = (sizeMib * MIB) / (width * 4);

const dir = mkdtempSync(join(tmpdir(), "npy-mem-"));
const path = join(dir, "big.npy");
try {
  {
    const npy = NpyAppendArraySync.open(path, { dtype: "<f4" });
    const chunkRows = 4096;
    const data = new Float32Array(chunkRows * width).fill(1);
    for (let r = 0; r < rows; r += chunkRows) {
      npy.append({ data, shape: [chunkRows, width] });
    }
    npy.close();
  }
  gc();

  resetPeak();
  const startRss = status("VmRSS");
  const reader = await NpyReader.open(path);
  let sum = 0;
  let batches = 0;
  for await (const batch of reader.readable()) {
    const d = batch.data as Float32Array;
    for (let i = 0; i < d.length; i += 1024) sum += d[i]!;
    batches++;
  }
  await reader.close();
  const streamPeak = status("VmHWM");
  if (sum !== (rows * width) / 1024) throw new Error(`Bad sum ${sum}`);
  const mib = (n: number) => (n / MIB).toFixed(0);
  console.log(
    `file: ${sizeMib} MiB float32, shape (${rows}, ${width}); ` +
      `${batches} batches of ${reader.batchItems} rows (1 MiB)`,
  );
  console.log(
    `readable(): RSS at start ${mib(startRss)} MiB, peak ${
      mib(streamPeak)
    } MiB (+${mib(streamPeak - startRss)} MiB)`,
  );

  gc();
  resetPeak();
  const wholeStart = status("VmRSS");
  const whole = await readNpy(path);
  const wholePeak = status("VmHWM");
  if (whole.data.length !== rows * width) throw new Error("Bad length");

  console.log(
    `readNpy():  RSS at start ${mib(wholeStart)} MiB, peak ${
      mib(wholePeak)
    } MiB (+${mib(wholePeak - wholeStart)} MiB)`,
  );
} finally {
  rmSync(dir, { recursive: true });
}
