/**
 * `deno task bench:group`: a group append of three members (features
 * `<f4` x 16, label `<i8`, timestamp `<M8[ms]`) against three separate
 * `NpyAppendArraySync` writers appending the same arrays, in the same run,
 * for small (1 row) and larger (256 rows) appends. Prints appends per
 * second and the ratio group / separate (1.0 = no cost for alignment), by
 * wall time and by CPU time (user + system of this process: steadier on a
 * machine shared with other work). Best of the rounds for each.
 *
 * Options: `--scale=0.1` (fewer appends), `--rounds=N` (timed rounds,
 * best kept, after a warm-up round).
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArraySync, NpyGroupWriterSync } from "../mod.ts";

function flag(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

const scale = flag("scale", 1);
const rounds = flag("rounds", 3);
const WIDTH = 16;

function batch(rows: number) {
  const x = new Float32Array(rows * WIDTH).map((_, i) => i);
  const y = new BigInt64Array(rows).map((_, i) => BigInt(i));
  const t = new BigInt64Array(rows).map((_, i) =>
    1_700_000_000_000n + BigInt(i)
  );
  return {
    x: { data: x, shape: [rows, WIDTH] },
    y,
    t: { data: t, shape: [rows], dtype: "<M8[ms]" },
  };
}

interface Times {
  wall: number;
  cpu: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timed(run: () => void): Times {
  const c = cpuMs();
  const w = performance.now();
  run();
  return { wall: performance.now() - w, cpu: cpuMs() - c };
}

function timeGroup(dir: string, rows: number, appends: number): Times {
  const b = batch(rows);
  const group = NpyGroupWriterSync.open(join(dir, "group"), {
    members: { x: "<f4", y: "<i8", t: "<M8[ms]" },
    deleteIfExists: true,
  });
  return timed(() => {
    for (let i = 0; i < appends; i++) group.append(b);
    group.close();
  });
}

function timeSeparate(dir: string, rows: number, appends: number): Times {
  const b = batch(rows);
  const options = { deleteIfExists: true };
  const x = NpyAppendArraySync.open(join(dir, "x.npy"), {
    ...options,
    dtype: "<f4",
  });
  const y = NpyAppendArraySync.open(join(dir, "y.npy"), {
    ...options,
    dtype: "<i8",
  });
  const t = NpyAppendArraySync.open(join(dir, "t.npy"), {
    ...options,
    dtype: "<M8[ms]",
  });
  return timed(() => {
    for (let i = 0; i < appends; i++) {
      x.append(b.x);
      y.append(b.y);
      t.append(b.t);
    }
    x.close();
    y.close();
    t.close();
  });
}

const dir = mkdtempSync(join(tmpdir(), "npy-bench-group-"));
try {
  console.log(
    "| rows per append | group appends/s | 3 writers appends/s | group / separate (wall) | (CPU) |",
  );
  console.log("|---:|---:|---:|---:|---:|");
  for (const [rows, appends] of [[1, 20000], [256, 4000]] as const) {
    const n = Math.max(10, Math.round(appends * scale));
    let group = Infinity, separate = Infinity;
    let groupCpu = Infinity, separateCpu = Infinity;
    timeGroup(dir, rows, Math.ceil(n / 10));
    timeSeparate(dir, rows, Math.ceil(n / 10));
    for (let r = 0; r < rounds; r++) {
      // Alternate, so both see the same machine load.
      const a = timeGroup(dir, rows, n);
      const b = timeSeparate(dir, rows, n);
      group = Math.min(group, a.wall);
      groupCpu = Math.min(groupCpu, a.cpu);
      separate = Math.min(separate, b.wall);
      separateCpu = Math.min(separateCpu, b.cpu);
    }
    const g = n / (group / 1000);
    const s = n / (separate / 1000);
    console.log(
      `| ${rows} | ${Math.round(g)} | ${Math.round(s)} | ${
        (g / s).toFixed(2)
      } | ${(separateCpu / groupCpu).toFixed(2)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
