/**
 * Group reader: `timeRange` equals `np.searchsorted` on random bounds over
 * many units, by O(log n) single-row reads; a reader following a group
 * being written by another process sees whole rows of every member only.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyReader,
  parseDType,
} from "../mod.ts";
import { mulberry32 } from "./_fuzz.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const NAT = -(2n ** 63n);

/** Raw value ranges per unit that keep times within about 1900..2100. */
const UNITS: Array<[string, number]> = [
  ["Y", 130],
  ["M", 1500],
  ["W", 6000],
  ["D", 40000],
  ["h", 1e6],
  ["m", 5e7],
  ["s", 3e9],
  ["ms", 3e12],
  ["us", 3e15],
  ["ns", 3e18],
];
// Units with a multiple, where the dtype parser knows them (issue 15).
for (
  const [unit, span] of [["15m", 3e6], ["10ms", 3e11], ["2D", 2e4]] as const
) {
  try {
    parseDType(`<M8[${unit}]`);
    UNITS.push([unit, span]);
  } catch {
    // not supported by this build's dtype parser
  }
}

/** Milliseconds of a raw value, roughly (only to aim the Date bounds). */
function approxMs(unitText: string, v: number): number {
  const [, k, unit] = /^(\d*)(\w+)$/.exec(unitText)!;
  v *= k === "" ? 1 : Number(k);
  const ms: Record<string, number> = {
    Y: 365.2425 * 864e5,
    M: 30.436875 * 864e5,
    W: 7 * 864e5,
    D: 864e5,
    h: 36e5,
    m: 6e4,
    s: 1e3,
    ms: 1,
    us: 1e-3,
    ns: 1e-6,
  };
  return v * ms[unit!]!;
}

interface Case {
  dir: string;
  unit: string;
  /** [kind, t0, t1]: "raw" bounds as decimal strings, "ms" bounds as ms. */
  queries: Array<["raw" | "ms", string | null, string | null]>;
  got: Array<[number, number]>;
}

test(
  "timeRange equals np.searchsorted on random bounds, over ten units",
  numpyTestOptions(),
  () => {
    const next = mulberry32(2024);
    const root = tempDir();
    const cases: Case[] = [];
    let total = 0;
    // Count the reads: only single rows, about 2 log2(n) of them.
    const original = NpyReader.prototype.readSync;
    let reads = 0;
    let rowsRead = 0;
    NpyReader.prototype.readSync = function (start = 0, end?: number) {
      reads++;
      rowsRead += (end ?? this.length) - start;
      return original.call(this, start, end);
    };
    try {
      for (const [unit, span] of UNITS) {
        for (let rep = 0; rep < 3; rep++) {
          const dir = join(root, `${unit}-${rep}`);
          const n = rep === 0
            ? Math.floor(next() * 3)
            : 50 + Math.floor(next() * 400);
          const pool = Array.from(
            { length: 1 + Math.floor(next() * n) },
            () => Math.round((next() * 2 - 1) * span),
          );
          const values = Array.from(
            { length: n },
            () => BigInt(pool[Math.floor(next() * pool.length)]!),
          ).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
          const nats = rep === 2 ? 1 + Math.floor(next() * 3) : 0;
          for (let k = 0; k < nats; k++) values.push(NAT);
          const w = NpyGroupWriterSync.open(dir, {
            members: { t: `<M8[${unit}]`, v: "<f4" },
          });
          if (values.length > 0) {
            w.append({
              t: new BigInt64Array(values),
              v: new Float32Array(values.length),
            });
          }
          w.close();
          const reader = NpyGroupReader.openSync(dir);
          const c: Case = { dir, unit, queries: [], got: [] };
          for (let q = 0; q < 12; q++) {
            const raw = next() < 0.5;
            const pick = (): bigint | Date | undefined => {
              const r = next();
              if (r < 0.05) return undefined;
              if (raw) {
                if (r < 0.1) return NAT;
                if (r < 0.5 && values.length > 0) {
                  return values[Math.floor(next() * values.length)]!;
                }
                return BigInt(Math.round((next() * 2.2 - 1.1) * span));
              }
              const base = r < 0.5 && n > 0
                ? approxMs(unit, Number(values[Math.floor(next() * n)]!))
                : approxMs(unit, (next() * 2.2 - 1.1) * span);
              const jitter = Math.round((next() - 0.5) * approxMs(unit, 2));
              const ms = Math.max(
                -8.6e15,
                Math.min(8.6e15, Math.round(base) + jitter),
              );
              return new Date(ms);
            };
            const t0 = pick(), t1 = pick();
            const show = (b: bigint | Date | undefined): string | null =>
              b === undefined
                ? null
                : b instanceof Date
                ? String(b.getTime())
                : String(b);
            reads = 0;
            rowsRead = 0;
            c.got.push(reader.timeRangeSync("t", t0, t1));
            const bound = 2 * (Math.ceil(Math.log2(reader.length + 1)) + 1);
            assert.ok(
              reads <= bound,
              `${reads} reads for ${reader.length} rows`,
            );
            assert.equal(rowsRead, reads);
            c.queries.push([raw ? "raw" : "ms", show(t0), show(t1)]);
            total++;
          }
          reader.closeSync();
          cases.push(c);
        }
      }
    } finally {
      NpyReader.prototype.readSync = original;
    }
    assert.ok(total >= 300, String(total));
    const out = runPython(
      `
import json, sys
import numpy as np
cases = json.load(sys.stdin)
res = []
for c in cases:
    try:
        t = np.load(c["dir"] + "/t.npy", mmap_mode="r")
    except FileNotFoundError:
        t = np.zeros(0, "M8[" + c["unit"] + "]")
    one = []
    for kind, a, b in c["queries"]:
        def pos(v, open_end):
            if v is None:
                return open_end
            q = np.datetime64(int(v), c["unit"]) if kind == "raw" else np.datetime64(int(v), "ms")
            if kind == "raw" and int(v) == -2**63:
                q = np.datetime64("NaT", c["unit"])
            return int(np.searchsorted(t, q, "left"))
        one.append([pos(a, 0), pos(b, len(t))])
    res.append(one)
print(json.dumps(res))
`,
      [],
      new TextEncoder().encode(JSON.stringify(cases)),
    );
    const want = JSON.parse(out) as Array<Array<[number, number]>>;
    cases.forEach((c, i) => {
      c.queries.forEach((q, k) => {
        assert.deepEqual(
          c.got[k],
          want[i]![k],
          `${c.unit} ${JSON.stringify(q)}`,
        );
      });
    });
  },
);

test("timeRange refuses what it cannot search, with the fix in the message", async () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { t: "<M8[s]", d: "<m8[s]", v: "<f8", g: "M8" },
  });
  w.append({
    t: new BigInt64Array([1n, 2n]),
    d: new BigInt64Array([5n, 6n]),
    v: [1, 2],
    // A generic M8 holds no date but NaT (ticks need a unit, as in NumPy).
    g: new BigInt64Array([-(2n ** 63n), -(2n ** 63n)]),
  });
  w.close();
  const reader = await NpyGroupReader.open(dir);
  assert.throws(
    () => reader.timeRangeSync("z", 1n),
    /it has no member "z"; its members are t, d, v, g/,
  );
  assert.throws(
    () => reader.timeRangeSync("v", 1n),
    /timeRange needs a one-dimensional datetime64 member/,
  );
  assert.throws(() => reader.timeRangeSync("t", 5 as never), TypeError);
  assert.throws(() => reader.timeRangeSync("t", new Date(NaN)), RangeError);
  assert.throws(() => reader.timeRangeSync("d", new Date(0)), TypeError);
  assert.throws(() => reader.timeRangeSync("g", new Date(0)), TypeError);
  assert.deepEqual(reader.timeRangeSync("d", 6n), [1, 2]);
  assert.deepEqual(await reader.timeRange("t", undefined, 2n), [0, 1]);
  assert.deepEqual(reader.timeRangeSync("t", new Date(1500)), [1, 2]);
  await reader.close();
  assert.throws(() => reader.timeRangeSync("t", 1n), TypeError);
  assert.equal(parseDType("M8[s]").unit, "s");
});

test("read: Python slice bounds over the group's length; empty members", () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, { members: { a: "<i2", b: {} } });
  using empty = NpyGroupReader.openSync(dir);
  assert.equal(empty.length, 0);
  const none = empty.readSync();
  assert.deepEqual(none.a!.shape, [0]);
  assert.equal(none.a!.dtype, "<i2");
  w.append({ a: [1, 2, 3], b: [[1, 2], [3, 4], [5, 6]] });
  w.close();
  assert.equal(empty.refreshSync(), 3);
  assert.deepEqual(empty.dtypes, { a: "<i2", b: "<f8" });
  const r = empty.readSync(-2, 100);
  assert.deepEqual([...r.a!.data as Int16Array], [2, 3]);
  assert.deepEqual(r.b!.shape, [2, 2]);
  assert.deepEqual(empty.readSync(2, 1).a!.shape, [0]);
  assert.throws(() => empty.readSync(0.5), TypeError);
});

test("a reader never shows data beyond a member's header (an append in progress)", () => {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: "<f8" } });
  w.append({ a: [1, 2], b: [1, 2] });
  w.close();
  // Both members got the next row's data, only a got its header.
  appendFileSync(join(dir, "a.npy"), new Uint8Array(4));
  appendFileSync(join(dir, "b.npy"), new Uint8Array(8));
  using before = NpyGroupReader.openSync(dir);
  assert.equal(before.length, 2);
  const a = readFileSync(join(dir, "a.npy"));
  a.set(new TextEncoder().encode("(3,)"), a.indexOf("(2,)"));
  writeFileSync(join(dir, "a.npy"), a);
  assert.equal(before.refreshSync(), 2);
  using after = NpyGroupReader.openSync(dir);
  assert.equal(after.length, 2);
  // Half a row more in b: still nothing new.
  appendFileSync(join(dir, "b.npy"), new Uint8Array(4));
  assert.equal(after.refreshSync(), 2);
});

for (const mode of ["sync", "async"]) {
  test(`a reader following a group written by another process (${mode} writer) sees whole rows of every member`, async () => {
    const dir = join(tempDir(), "live");
    NpyGroupWriterSync.open(dir, {
      members: { x: "<f8", y: "<i8", t: "<M8[ms]" },
    }).close();
    const reader = await NpyGroupReader.open(dir);
    const total = 20000;
    const [cmd, args] = scriptCommand(
      new URL("./_group_child.ts", import.meta.url),
    );
    const child = spawn(cmd, [...args, dir, mode, String(total), "5"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    let exited = false;
    const exit = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => {
        exited = true;
        resolve(code);
      })
    );
    let seen = 0;
    let growths = 0;
    const check = async () => {
      const length = await reader.refresh();
      assert.ok(length >= seen, "length never shrinks");
      if (length === seen) return;
      growths++;
      const { x, y, t } = await reader.read(seen, length);
      const xs = x!.data as Float64Array;
      const ys = y!.data as BigInt64Array;
      const ts = t!.data as BigInt64Array;
      assert.equal(xs.length, 3 * (length - seen));
      assert.equal(ys.length, length - seen);
      assert.equal(ts.length, length - seen);
      for (let r = 0; r < length - seen; r++) {
        const i = seen + r;
        if (
          xs[3 * r] !== i || xs[3 * r + 2] !== 3 * i || ys[r] !== BigInt(i) ||
          ts[r] !== BigInt(i)
        ) {
          assert.fail(`row ${i} is not whole in every member`);
        }
      }
      seen = length;
    };
    while (!exited) {
      await check();
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal(await exit, 0, stderr);
    await check();
    assert.equal(seen, total);
    assert.ok(growths > 1, `only ${growths} growths seen`);
    await reader.close();
  });
}
