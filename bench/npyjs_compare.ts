/**
 * Compares our reader with `npyjs` (the most used JS `.npy` reader) on
 *
 * 1. correctness: every fixture in `tests/fixtures/` read by both and
 *    compared with the values NumPy recorded in its JSON;
 * 2. speed: reading a whole ~100 MiB float32 file, both in the same run
 *    (npyjs parses an `ArrayBuffer`, so its time includes `Deno.readFile`).
 *
 * Run: `deno run -A bench/npyjs_compare.ts` (`deno task bench:npyjs`);
 * npyjs 1.2.0 is installed by npm into `bench/node_modules` on first run.
 * Prints a Markdown table for the README.
 *
 * @module
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { NpyAppendArraySync, readNpy, readNpySync } from "../mod.ts";
import { fixturePath, listFixtures } from "../tests/_numpy.ts";
import type { FixtureValue } from "../tests/_numpy.ts";
import { fortranToC, toFixtureValues } from "../tests/_js_json.ts";
import { installPeers, peerUrl } from "./_install_peers.ts";

// npyjs comes from bench/node_modules (bench/package.json), never from
// deno.json or deno.lock, so that the demo and the tests never fetch it.
const failed = installPeers();
if (failed !== null) throw new Error(failed);
const npyjsParse: (b: ArrayBuffer) => {
  data: unknown;
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
} = (await import(peerUrl("npyjs"))).parse;

function encodeFloat(x: number): FixtureValue {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return x;
}

/** npyjs's result in the fixture JSON encoding, by npyjs's own dtype. */
function npyjsValues(
  r: { data: unknown; shape: number[]; dtype: string; fortranOrder: boolean },
): FixtureValue[] {
  const code = r.dtype;
  const data = r.data as ArrayLike<unknown>;
  let items: FixtureValue[];
  if (code === "c8" || code === "c16") {
    items = [];
    for (let i = 0; i < data.length; i += 2) {
      items.push([
        encodeFloat(data[i] as number),
        encodeFloat(data[i + 1] as number),
      ]);
    }
  } else {
    items = Array.from(data, (v) => {
      if (typeof v === "bigint") return String(v);
      if (typeof v === "number") {
        return code === "b1" ? v !== 0 : encodeFloat(v);
      }
      return v as FixtureValue;
    });
  }
  return r.fortranOrder ? fortranToC(items, r.shape) : items;
}

type Outcome = "ok" | "wrong" | "error";

function judge(run: () => { shape: number[]; values: FixtureValue[] }, fx: {
  shape: number[];
  values: FixtureValue[] | null;
}): Outcome {
  try {
    const got = run();
    assert.deepEqual(got.shape, fx.shape);
    assert.deepEqual(got.values, fx.values);
    return "ok";
  } catch (e) {
    return e instanceof assert.AssertionError ? "wrong" : "error";
  }
}

const rows: { name: string; ours: Outcome; npyjs: Outcome }[] = [];
for (const fx of listFixtures()) {
  if (fx.object) continue;
  const path = fixturePath(fx.name);
  const ours = judge(() => {
    const a = readNpySync(path, { maxHeaderSize: 1_000_000 });
    return { shape: [...a.shape], values: toFixtureValues(a) };
  }, fx);
  const npyjs = judge(() => {
    const bytes = Deno.readFileSync(path);
    const r = npyjsParse(bytes.buffer as ArrayBuffer) as unknown as {
      data: unknown;
      shape: number[];
      dtype: string;
      fortranOrder: boolean;
    };
    return { shape: r.shape, values: npyjsValues(r) };
  }, fx);
  rows.push({ name: fx.name, ours, npyjs });
}

// Group fixtures by dtype family for a short table.
const NUMERIC = /^(b1|i1|u1|i2|u2|i4|u4|i8|u8|f2|f4|f8|c8|c16)_/;
function family(name: string): string {
  if (/^(header_|old_header|py2)/.test(name)) {
    return "header variants (2.0, 3.0, old, Python 2)";
  }
  if (name.startsWith("struct")) return "structured (records)";
  if (/^(M8|m8)/.test(name)) return "datetime `M8`/`m8`";
  const be = name.split("_")[1] === "be";
  if (NUMERIC.test(name)) {
    return be
      ? "numeric, big-endian"
      : "numeric, little-endian or no byte order";
  }
  const dt = name.split("_")[0]!;
  if (dt === "U5") return be ? "`U5`, big-endian" : "`U5`, little-endian";
  return `\`${dt}\``;
}

const groups = new Map<
  string,
  { n: number; ours: number; npyjs: number; how: Set<string> }
>();
for (const r of rows) {
  const key = family(r.name);
  const g = groups.get(key) ??
    { n: 0, ours: 0, npyjs: 0, how: new Set<string>() };
  g.n++;
  if (r.ours === "ok") g.ours++;
  if (r.npyjs === "ok") g.npyjs++;
  else g.how.add(r.npyjs === "wrong" ? "wrong values" : "throws");
  groups.set(key, g);
  if (Deno.args.includes("--verbose")) {
    console.log(r.name, r.ours, r.npyjs);
  }
}

console.log("| fixtures | count | ours | npyjs 1.2.0 |");
console.log("|---|---|---|---|");
let totalOurs = 0, totalNpyjs = 0;
for (const [name, g] of groups) {
  totalOurs += g.ours;
  totalNpyjs += g.npyjs;
  const how = g.how.size ? ` (others: ${[...g.how].join(", ")})` : "";
  console.log(`| ${name} | ${g.n} | ${g.ours} | ${g.npyjs}${how} |`);
}
console.log(`| **all** | ${rows.length} | ${totalOurs} | ${totalNpyjs} |`);

// Speed: a ~100 MiB float32 file, whole-file reads, medians of 7 runs.
const dir = await Deno.makeTempDir();
const big = join(dir, "big.npy");
{
  using npy = NpyAppendArraySync.open(big, { dtype: "<f4" });
  const chunk = new Float32Array(1 << 20).map((_, i) => i);
  for (let i = 0; i < 25; i++) {
    npy.append({ data: chunk, shape: [1 << 14, 64] });
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const oursT: number[] = [];
const npyjsT: number[] = [];
const parseT: number[] = [];
const syncT: number[] = [];
let check = 0;
for (let i = 0; i < 7; i++) {
  let t = performance.now();
  const a = await readNpy(big);
  oursT.push(performance.now() - t);
  check += (a.data as Float32Array)[12345]!;
  t = performance.now();
  const bytes = await Deno.readFile(big);
  const b = npyjsParse(bytes.buffer as ArrayBuffer);
  npyjsT.push(performance.now() - t);
  check -= (b.data as Float32Array)[12345]!;
  t = performance.now();
  const d = npyjsParse(Deno.readFileSync(big).buffer as ArrayBuffer);
  syncT.push(performance.now() - t);
  check += (d.data as Float32Array)[12345]! - (b.data as Float32Array)[12345]!;
  t = performance.now();
  const c = npyjsParse(bytes.buffer as ArrayBuffer);
  parseT.push(performance.now() - t);
  check += (c.data as Float32Array)[12345]! - (b.data as Float32Array)[12345]!;
}
assert.equal(check, 0);
const mib = (await Deno.stat(big)).size / 2 ** 20;
const o = median(oursT), n = median(npyjsT), p = median(parseT);
const ns = median(syncT);
console.log(
  `\nwhole-file read of ${mib.toFixed(0)} MiB float32 (median of 7 runs):\n` +
    `- ours, readNpy(path): ${o.toFixed(1)} ms\n` +
    `- npyjs, Deno.readFile + parse: ${n.toFixed(1)} ms (ours/npyjs = ${
      (o / n).toFixed(2)
    })\n` +
    `- npyjs, Deno.readFileSync + parse: ${ns.toFixed(1)} ms (ours/npyjs = ${
      (o / ns).toFixed(2)
    })\n` +
    `- npyjs parse alone (bytes in memory, no copy): ${p.toFixed(2)} ms`,
);
await Deno.remove(dir, { recursive: true });
