/**
 * Adversary round 13: the command line reading a stack while its writer
 * seals the live shard. `to-csv DIR` and `concat OUT DIR` list the stack's
 * files first (the live shard as `{n}.npy.part`) and open each one later;
 * a seal in between renames the live shard to `{n}.npy`, and the command
 * failed with `Cannot open ".../50.npy.part": no such file` (exit 1; seen
 * in 1 of 5 runs of `to-csv` beside a Bun writer). The library's stack
 * reader already looks for the sealed name; the command line now does too.
 *
 * The race is made exact: the file calls are watched (as `_kill_at.ts`
 * does), and the writer in this process seals at the Kth look at the live
 * shard's path, for every K the command makes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { main } from "../cli.ts";
import { tempDir } from "./_numpy.ts";

type Fn = (...a: unknown[]) => unknown;

/**
 * Runs `body` with `node:fs` (and on Deno the `Deno` calls) watched: the
 * `k`th call naming a path that ends with `tail` runs `act` first.
 *
 * @returns How many such calls there were.
 */
async function atKthLook(
  tail: string,
  k: number,
  act: () => void,
  body: () => Promise<void>,
): Promise<number> {
  let seen = 0;
  const undo: [Record<string, Fn>, string, Fn][] = [];
  const wrap = (owner: Record<string, Fn>, name: string) => {
    const real = owner[name];
    if (typeof real !== "function") return;
    undo.push([owner, name, real]);
    owner[name] = function (this: unknown, ...a: unknown[]) {
      const p = a[0];
      if (
        (typeof p === "string" || p instanceof URL) && String(p).endsWith(tail)
      ) {
        if (++seen === k) act();
      }
      return real.apply(this, a);
    };
  };
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    Fn
  >;
  for (const n of ["statSync", "lstatSync", "openSync", "existsSync"]) {
    wrap(fs, n);
  }
  const deno = (globalThis as unknown as { Deno?: Record<string, Fn> }).Deno;
  if (deno !== undefined) {
    for (const n of ["statSync", "lstatSync", "openSync", "realPathSync"]) {
      wrap(deno, n);
    }
  }
  try {
    await body();
  } finally {
    for (const [owner, name, real] of undo) owner[name] = real;
  }
  return seen;
}

const ROWS = 5_500;
const SHARD = 1_000;

for (const command of ["to-csv", "concat"] as const) {
  test(`${command} of a stack whose live shard is sealed while it runs: every look at the live shard in turn`, async () => {
    const root = tempDir();
    try {
      // Run 0 seals nothing and counts the looks; run k seals at look k.
      let looks = 0;
      for (let k = 0; k <= looks; k++) {
        const dir = join(root, `s${k}`);
        const out = join(root, `o${k}.${command === "to-csv" ? "csv" : "npy"}`);
        const w = NpyStackWriterSync.open(dir, { shardRows: SHARD });
        w.append(Float64Array.from({ length: ROWS }, (_, i) => i));
        // The append that fills the live shard seals it.
        const seal = () =>
          w.append(
            Float64Array.from({ length: SHARD - ROWS % SHARD }, (_, i) =>
              ROWS + i),
          );
        let code = -1;
        const seen = await atKthLook(
          `/${Math.floor(ROWS / SHARD)}.npy.part`,
          k,
          seal,
          async () => {
            code = await main(
              command === "to-csv"
                ? ["to-csv", dir, out]
                : ["concat", out, dir],
            );
          },
        );
        w.close();
        if (k === 0) looks = seen;
        assert.equal(code, 0, `look ${k} of ${looks}`);
        const got = command === "to-csv"
          ? readFileSync(out, "utf8").trimEnd().split("\n").map(Number)
          : [...readNpySync(out).data as Float64Array];
        // The rows of the listing or, sealed first, of the whole shard.
        assert.ok(
          got.length === ROWS || got.length === ROWS + SHARD - ROWS % SHARD,
          `look ${k}: ${got.length} rows`,
        );
        assert.deepEqual(got, got.map((_, i) => i), `look ${k}`);
      }
      assert.ok(looks > 1, `${looks} looks`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("readNpyStack and a group of stacks' to-csv while the live shard is sealed: every look in turn", async () => {
  const root = tempDir();
  try {
    for (const what of ["readNpyStackSync", "group to-csv"] as const) {
      let looks = 0;
      for (let k = 0; k <= looks; k++) {
        const dir = join(root, `${what === "group to-csv" ? "g" : "s"}${k}`);
        const out = join(root, `g${k}.csv`);
        const values = (start: number, n: number) =>
          Float64Array.from({ length: n }, (_, i) => start + i);
        const rest = SHARD - ROWS % SHARD;
        let got: number[] = [];
        let seen: number;
        if (what === "readNpyStackSync") {
          const w = NpyStackWriterSync.open(dir, { shardRows: SHARD });
          w.append(values(0, ROWS));
          seen = await atKthLook(
            `/${Math.floor(ROWS / SHARD)}.npy.part`,
            k,
            () => w.append(values(ROWS, rest)),
            () => {
              got = [...readNpyStackSync(dir).data as Float64Array];
              return Promise.resolve();
            },
          );
          w.close();
        } else {
          const w = NpyGroupWriterSync.open(dir, {
            members: { a: "<f8" },
            shardRows: SHARD,
          });
          w.append({ a: values(0, ROWS) });
          let code = -1;
          seen = await atKthLook(
            `/a/${Math.floor(ROWS / SHARD)}.npy.part`,
            k,
            () => w.append({ a: values(ROWS, rest) }),
            async () => {
              code = await main(["to-csv", dir, out]);
            },
          );
          w.close();
          assert.equal(code, 0, `look ${k}`);
          got = readFileSync(out, "utf8").trimEnd().split("\n").map(Number);
        }
        if (k === 0) looks = seen;
        assert.ok(
          got.length === ROWS || got.length === ROWS + rest,
          `${what}, look ${k}: ${got.length} rows`,
        );
        assert.deepEqual(got, got.map((_, i) => i), `${what}, look ${k}`);
      }
      assert.ok(looks > 1, `${what}: ${looks} looks`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
