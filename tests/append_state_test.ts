/**
 * A failed call leaves the writer exactly as it was (issue 12, item 6):
 * every write, truncate of a sequence of appends and header updates fails
 * in turn; the writer's dtype and shape are unchanged by the failed call,
 * and after the rest of the sequence and `close()` the file holds exactly
 * the bytes of the same sequence without the failed call (so header
 * length, buffered appends and the header template were kept too).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  needsRecoverySync,
  NpyAppendArray,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { FaultyFile, InjectedFault } from "./_faulty_file.ts";
import { tempDir } from "./_numpy.ts";

type Kind = "sync" | "async on FileLikeSync" | "async on FileLike";

interface Writer {
  append(a: unknown): Promise<void> | void;
  updateHeader(): Promise<void> | void;
  close(): Promise<void> | void;
  readonly dtype: string;
  readonly shape: number[];
}

type Op =
  | { append: { data: Float64Array | Int32Array; shape: number[] } }
  | "updateHeader";

function rows(n: number, seed: number): Op {
  return {
    append: {
      data: Float64Array.from({ length: n * 3 }, (_, i) => seed * 100 + i),
      shape: [n, 3],
    },
  };
}

/** Appends of 2, 1, 3, 0, 1 and 4 rows, with a header update between. */
const OPS: Op[] = [
  rows(2, 1),
  rows(1, 2),
  rows(3, 3),
  "updateHeader",
  rows(0, 4),
  rows(1, 5),
  rows(4, 6),
];

const OPTIONS: Array<[string, NpyAppendArrayOptions]> = [
  ["header rewritten", {}],
  ["rewriteHeaderOnAppend: false", { rewriteHeaderOnAppend: false }],
  ["fsync", { fsync: true }],
  ["bufferBytes: 64", { rewriteHeaderOnAppend: false, bufferBytes: 64 }],
];

async function open(
  faulty: FaultyFile,
  kind: Kind,
  options: NpyAppendArrayOptions,
): Promise<Writer> {
  if (kind === "sync") return NpyAppendArraySync.open(faulty.sync(), options);
  if (kind === "async on FileLikeSync") {
    return await NpyAppendArray.open(faulty.sync(), options);
  }
  return await NpyAppendArray.open(faulty.async(), options);
}

async function run(w: Writer, op: Op): Promise<void> {
  if (op === "updateHeader") await w.updateHeader();
  else await w.append(op.append);
}

/** The file after `ops`, none failing. */
async function reference(
  kind: Kind,
  options: NpyAppendArrayOptions,
  ops: Op[],
): Promise<Uint8Array> {
  const faulty = new FaultyFile({ failAt: 0 });
  const w = await open(faulty, kind, options);
  for (const op of ops) await run(w, op);
  await w.close();
  return faulty.memory.bytes();
}

const KINDS: Kind[] = ["sync", "async on FileLikeSync", "async on FileLike"];

describe("a failed call leaves the writer as it was", () => {
  for (const kind of KINDS) {
    for (const [name, options] of OPTIONS) {
      for (const partial of [false, true]) {
        test(`${kind}, ${name}${partial ? ", short writes" : ""}`, async () => {
          const clean = new FaultyFile({ failAt: 0 });
          {
            const w = await open(clean, kind, options);
            for (const op of OPS) await run(w, op);
            await w.close();
          }
          const total = clean.mutations;
          let failures = 0;
          for (let k = 1; k <= total; k++) {
            const faulty = new FaultyFile({ failAt: k, partial });
            const w = await open(faulty, kind, options);
            const kept: Op[] = [];
            for (const op of OPS) {
              const before = { dtype: w.dtype, shape: w.shape };
              const wasFailed = faulty.failed;
              try {
                await run(w, op);
                kept.push(op);
              } catch (e) {
                assert.ok(e instanceof InjectedFault, String(e));
                assert.ok(!wasFailed && faulty.failed);
                failures++;
                assert.deepEqual(
                  { dtype: w.dtype, shape: w.shape },
                  before,
                  `fault at mutation ${k}, op ${JSON.stringify(op)}`,
                );
              }
            }
            if (!faulty.failed) {
              // The fault hits close(): the writer is closed all the same,
              // and the file holds a header it had, with the data after it
              // (the error then says to recover, the fault as its cause).
              await assert.rejects(
                Promise.resolve().then(() => w.close()),
                (e) =>
                  e instanceof InjectedFault ||
                  (e as Error).cause instanceof InjectedFault,
              );
              await assert.rejects(
                Promise.resolve().then(() => run(w, OPS[0]!)),
                /closed/,
              );
              const memory = faulty.memory;
              if (needsRecoverySync(memory)) recoverSync(memory);
              const { shape } = readNpySync(memory);
              assert.ok(shape[0]! <= 11, `shape ${shape}`);
              continue;
            }
            await w.close();
            const want = await reference(kind, options, kept);
            assert.deepEqual(
              faulty.memory.bytes(),
              want,
              `fault at mutation ${k}: the file differs from the run without the failed call`,
            );
          }
          assert.ok(failures > 0);
        });
      }
    }
  }
});

describe("a first append that cannot create the file", () => {
  test("sync, a path that became a folder: the next append may choose another dtype", () => {
    const dir = tempDir();
    try {
      const p = join(dir, "a.npy");
      const npy = NpyAppendArraySync.open(p);
      // Created at the first append: make that fail (EISDIR).
      mkdirSync(p);
      assert.throws(() => npy.append(new Int32Array([1, 2])));
      assert.equal(npy.dtype, "");
      assert.deepEqual(npy.shape, []);
      rmSync(p, { recursive: true });
      npy.append(new Float64Array([0.5]));
      npy.close();
      const { data, shape } = readNpySync(p);
      assert.deepEqual(shape, [1]);
      assert.deepEqual([...data as Float64Array], [0.5]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("async, a path that became a folder: the same", async () => {
    const dir = tempDir();
    try {
      const p = join(dir, "a.npy");
      const npy = await NpyAppendArray.open(p);
      mkdirSync(p);
      await assert.rejects(npy.append({ data: [1, 2], shape: [1, 2] }));
      assert.equal(npy.dtype, "");
      rmSync(p, { recursive: true });
      await npy.append(new Uint8Array([7, 8, 9]));
      await npy.close();
      assert.equal(readNpySync(p).dtype, "|u1");
      assert.deepEqual([...readFileSync(p).subarray(-3)], [7, 8, 9]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const kind of KINDS) {
    for (const big of [false, true]) {
      test(
        `${kind}, ${
          big ? "large" : "small"
        } first append failing on a file object: another dtype next`,
        async () => {
          // Large data (> 64 KiB) is written in place, in three writes.
          const n = big ? 40_000 : 2;
          for (let k = 1; k <= (big ? 3 : 1); k++) {
            const faulty = new FaultyFile({ failAt: k });
            const w = await open(faulty, kind, {});
            await assert.rejects(
              Promise.resolve().then(() => w.append(new Int32Array(n))),
              InjectedFault,
            );
            assert.equal(w.dtype, "");
            assert.deepEqual(w.shape, []);
            assert.equal(faulty.memory.sizeSync(), 0);
            await w.append(new Float32Array([1.5, 2.5]));
            await w.close();
            const { dtype, data } = readNpySync(faulty.memory);
            assert.equal(dtype, "<f4");
            assert.deepEqual([...data as Float32Array], [1.5, 2.5]);
          }
        },
      );
    }
  }

  test("a fixed dtype option stays the writer's dtype after a failed first append", () => {
    const faulty = new FaultyFile({ failAt: 1 });
    const npy = NpyAppendArraySync.open(faulty.sync(), { dtype: "<i2" });
    assert.throws(() => npy.append([1, 2]), InjectedFault);
    assert.equal(npy.dtype, "<i2");
    npy.append([3]);
    assert.deepEqual([...readNpySync(faulty.memory).data as Int16Array], [3]);
  });
});

describe("stale contents under deleteIfExists", () => {
  test("a failed first append leaves the file empty, the next one is whole", () => {
    const memory = new MemoryFile();
    memory.writeSync(new Uint8Array(1000).fill(7), 0);
    // The old bytes are cut first (adversary round 9): a failed cut
    // changes nothing, a failed write after it leaves an empty file.
    const faulty = new FaultyFile({ failAt: 1 }, memory);
    const npy = NpyAppendArraySync.open(faulty.sync(), {
      deleteIfExists: true,
    });
    assert.throws(() => npy.append([1, 2]), InjectedFault);
    assert.deepEqual(memory.bytes(), new Uint8Array(1000).fill(7));
    faulty.options.failAt = 3;
    assert.throws(() => npy.append([1, 2]), InjectedFault);
    assert.equal(memory.sizeSync(), 0);
    npy.append([3, 4]);
    npy.close();
    assert.deepEqual([...readNpySync(memory).data as Float64Array], [3, 4]);
    assert.equal(memory.sizeSync(), 128 + 16);
  });
});
