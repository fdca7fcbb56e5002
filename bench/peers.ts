/**
 * The benchmark's peers, on the runtime that runs this file: npyjs 1.2 and
 * numpy-ts 1.7 (from `bench/node_modules`, see `bench/package.json`) doing
 * what users do with the library: save a whole array, read a whole file.
 * Neither can append to a file or read a row without reading the whole
 * file, so they have no line in those workloads. Prints one JSON line per
 * result (`{ peer, workload, ms, units, unit }`, best of several rounds).
 *
 * Usage: `<runtime> bench/peers.ts <dir>` (`NPY_BENCH_SCALE` as in
 * `workloads.ts`). Cold start is `bench/cold.mjs`.
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";

const env = (globalThis as {
  process?: { env: Record<string, string | undefined>; argv: string[] };
}).process!;
const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  env.argv.slice(2);
const here = path.dirname(new URL(import.meta.url).pathname);
const modules = path.join(here, "node_modules");
const NPYJS = path.join(modules, "npyjs", "dist", "index.js");
const NUMPY_TS = path.join(modules, "numpy-ts", "dist", "esm", "index.js");

interface NpyjsMod {
  parse(b: ArrayBuffer): { data: ArrayLike<number> };
  dump(data: Float64Array, shape: number[]): ArrayBuffer;
}
interface NumpyTsMod {
  array(data: Float64Array): { reshape(...s: number[]): unknown };
  saveNpy(p: string, a: unknown): Promise<void>;
  loadNpy(p: string): Promise<{ get(i: number[]): number }>;
}

async function best(
  rounds: number,
  run: () => void | Promise<void>,
): Promise<number> {
  let b = Infinity;
  for (let r = 0; r <= rounds; r++) {
    const t = performance.now();
    await run();
    if (r > 0) b = Math.min(b, performance.now() - t);
  }
  return b;
}

async function speed(dir: string) {
  const scale = Number(env.env.NPY_BENCH_SCALE ?? "1");
  const rounds = Number(env.env.NPY_BENCH_ROUNDS ?? "0") || 3;
  const npyjs = await import(NPYJS) as NpyjsMod;
  const np = await import(NUMPY_TS) as NumpyTsMod;
  const out: Record<string, unknown>[] = [];
  // Whole-array write: the size of workloads.ts's whole-array write.
  const items = Math.max(1 << 18, Math.round(256 * 2 ** 20 * scale / 4)) >>
    1;
  const f8 = new Float64Array(items).map((_, i) => i);
  const mib = f8.byteLength / 2 ** 20;
  const p = path.join(dir, "peer.npy");
  out.push({
    peer: "npyjs 1.2.0",
    workload: "whole-array write",
    ms: await best(rounds, () => {
      fs.writeFileSync(p, new Uint8Array(npyjs.dump(f8, [items])));
    }),
    units: mib,
    unit: "MiB",
  });
  out.push({
    peer: "numpy-ts 1.7.0",
    workload: "whole-array write",
    ms: await best(rounds, () => np.saveNpy(p, np.array(f8))),
    units: mib,
    unit: "MiB",
  });
  // Whole read: the 64 MiB f8 file of workloads.ts's reading workload.
  const rows = Math.max(1024, Math.round(64 * 1024 * 1024 / 8 * scale));
  const r8 = new Float64Array(rows).map((_, i) => i);
  fs.writeFileSync(p, new Uint8Array(npyjs.dump(r8, [rows])));
  const rmib = fs.statSync(p).size / 2 ** 20;
  out.push({
    peer: "npyjs 1.2.0",
    workload: "whole read",
    ms: await best(rounds, () => {
      const b = fs.readFileSync(p);
      const a = npyjs.parse(
        b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
      );
      if (a.data[1] !== 1) throw new Error("bad read");
    }),
    units: rmib,
    unit: "MiB",
  });
  out.push({
    peer: "numpy-ts 1.7.0",
    workload: "whole read",
    ms: await best(rounds, async () => {
      if ((await np.loadNpy(p)).get([1]) !== 1) throw new Error("bad read");
    }),
    units: rmib,
    unit: "MiB",
  });
  fs.unlinkSync(p);
  for (const r of out) console.log(JSON.stringify(r));
}

const [dir] = argv;
if (dir === undefined) throw new TypeError("Usage: peers.ts DIR");
await speed(dir);
