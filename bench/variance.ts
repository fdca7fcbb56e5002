/**
 * `deno run -A bench/variance.ts [processes] [rounds]`: the variance probe
 * of issue 17.4. Runs the "256 sync 1 MiB appends" workload in fresh Deno
 * processes, each alternating the library and raw positioned writes
 * (`node:fs`) for several rounds, with V8's GC trace on, and prints per
 * round: wall and CPU time, GC events and their pause, and the page
 * cache's dirty and writeback memory before the round (Linux).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const CHUNKS = 256;
const CHUNK_BYTES = 1 << 20;

function meminfo(): { dirtyMiB: number; writebackMiB: number } {
  try {
    const s = fs.readFileSync("/proc/meminfo", "utf8");
    const kb = (k: string) =>
      Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? NaN);
    return {
      dirtyMiB: kb("Dirty") / 1024,
      writebackMiB: kb("Writeback") / 1024,
    };
  } catch {
    return { dirtyMiB: NaN, writebackMiB: NaN };
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function child(dir: string, rounds: number): Promise<void> {
  const lib = await import("../mod.ts");
  const p = join(dir, "variance.npy");
  const chunk = new Float64Array(CHUNK_BYTES / 8);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i * 0.5;
  const u8 = new Uint8Array(chunk.buffer);
  const runs: Record<string, () => void> = {
    lib: () => {
      const npy = lib.NpyAppendArraySync.open(p);
      for (let i = 0; i < CHUNKS; i++) {
        chunk[0] = i;
        npy.append(chunk);
      }
      npy.close();
    },
    raw: () => {
      const fd = fs.openSync(p, "w+");
      for (let i = 0; i < CHUNKS; i++) {
        chunk[0] = i;
        let done = 0;
        while (done < u8.length) {
          done += fs.writeSync(
            fd,
            u8,
            done,
            u8.length - done,
            128 + i * CHUNK_BYTES + done,
          );
        }
      }
      fs.closeSync(fd);
    },
  };
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 === 0 ? ["lib", "raw"] : ["raw", "lib"]) {
      fs.rmSync(p, { force: true });
      const mem = meminfo();
      const c = cpuMs();
      const t = performance.now();
      runs[k]!();
      const ms = performance.now() - t;
      const cpu = cpuMs() - c;
      // V8 prints its GC trace with its own buffering: rounds are matched
      // to GC events by time (ms since start), not by line order.
      console.log(
        `@@round ${
          JSON.stringify({ round: r, who: k, ms, cpu, at: t, ...mem })
        }`,
      );
      fs.rmSync(p, { force: true });
    }
  }
}

interface Round {
  round: number;
  at: number;
  who: string;
  ms: number;
  cpu: number;
  dirtyMiB: number;
  writebackMiB: number;
  gcs: number;
  gcMs: number;
}

function parent(processes: number, rounds: number): void {
  const dir = fs.mkdtempSync(join(tmpdir(), "npy-variance-"));
  const self = new URL(import.meta.url).pathname;
  try {
    const table: string[] = [
      "| process | lib best ms | raw best ms | ratio | lib CPU ms | GCs in lib rounds | GC pause ms | dirty MiB before (min-max) |",
      "|---|---|---|---|---|---|---|---|",
    ];
    const totalGcs: number[] = [];
    for (let i = 0; i < processes; i++) {
      const r = spawnSync(
        Deno.execPath(),
        [
          "run",
          "-A",
          "--v8-flags=--trace-gc",
          self,
          "--child",
          dir,
          String(rounds),
        ],
        { encoding: "utf8", maxBuffer: 1 << 26 },
      );
      if (r.status !== 0) throw new Error(r.stderr);
      const out: Round[] = [];
      const gcAt: Array<[number, number]> = [];
      for (const line of r.stdout.split("\n")) {
        if (line.startsWith("@@round ")) {
          out.push({ ...JSON.parse(line.slice(8)), gcs: 0, gcMs: 0 });
        } else {
          // "[pid:addr]   1503 ms: Scavenge 7.6 (9.6) -> 6.4 (9.6) MB, pooled: 0.0 MB, 3.65 / 0.00 ms ..."
          const m =
            /\]\s+([\d.]+) ms: (?:Scavenge|Mark-Compact|Mark-Sweep|Minor).*?([\d.]+) \/ [\d.]+ ms/
              .exec(line);
          if (m) gcAt.push([Number(m[1]), Number(m[2])]);
        }
      }
      totalGcs.push(gcAt.length);
      for (const x of out) {
        for (const [at, pause] of gcAt) {
          if (at >= x.at && at <= x.at + x.ms) {
            x.gcs++;
            x.gcMs += pause;
          }
        }
      }
      const timed = out.filter((x) => x.round > 0);
      const lib = timed.filter((x) => x.who === "lib");
      const raw = timed.filter((x) => x.who === "raw");
      const best = (xs: Round[]) => Math.min(...xs.map((x) => x.ms));
      const dirty = timed.map((x) => x.dirtyMiB);
      table.push(
        `| ${i + 1} | ${best(lib).toFixed(0)} | ${best(raw).toFixed(0)} | ${
          (best(raw) / best(lib)).toFixed(2)
        } | ${Math.min(...lib.map((x) => x.cpu)).toFixed(0)} | ${
          lib.reduce((a, x) => a + x.gcs, 0)
        } | ${lib.reduce((a, x) => a + x.gcMs, 0).toFixed(1)} | ${
          Math.min(...dirty).toFixed(0)
        }-${Math.max(...dirty).toFixed(0)} |`,
      );
      if (Deno.args.includes("--rounds-detail")) {
        for (const x of out) console.error(JSON.stringify(x));
      }
    }
    console.log(table.join("\n"));
    console.log(
      `\nGC events per whole process (module loading included): ${
        totalGcs.join(", ")
      }.`,
    );
    console.log(
      `\n${processes} fresh Deno ${Deno.version.deno} processes, ${CHUNKS} x 1 MiB sync appends, ${rounds} rounds each (first is warm-up), best round shown.`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1]!, Number(Deno.args[2]));
} else {
  const nums = Deno.args.filter((a) => !a.startsWith("--")).map(Number);
  parent(nums[0] ?? 10, nums[1] ?? 6);
}
