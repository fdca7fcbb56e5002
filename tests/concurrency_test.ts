// Appends from many async tasks that do not await each other (SPEC 3:
// "Appends are applied in call order, also when callers do not await
// them"), on the sync path (a FileLikeSync, written at once) and on the
// queue path (an async-only FileLike with random delays per operation).
// Property: the file equals the concatenation of the appends in call
// order, byte for byte what encodeHeader(final shape) + data gives; at
// every moment the header covers whole appends only; the queue never has
// two operations in flight.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ArrayInput,
  encodeHeader,
  type FileLike,
  MemoryFile,
  NpyAppendArray,
  parseHeader,
  readNpySync,
} from "../mod.ts";
import { mulberry32 } from "./_fuzz.ts";
import { npSaveBytes, numpyTestOptions, tempDir } from "./_numpy.ts";

const COLS = 3;

/** One append of the model: its rows (numbers) and how it is passed. */
interface Call {
  rows: number[][];
  input: ArrayInput;
}

function makeCall(r: () => number, fortran: boolean): Call {
  const n = Math.floor(r() * 6); // 0 to 5 rows, 0 is a valid no-op
  const rows = Array.from(
    { length: n },
    () => Array.from({ length: COLS }, () => Math.floor(r() * 2001) - 1000),
  );
  const flatC = rows.flat();
  if (fortran) {
    // The file is (COLS, total) in Fortran order: pass (COLS, n).
    const flatF: number[] = [];
    for (const row of rows) flatF.push(...row); // column-major of (COLS, n)
    return {
      rows,
      input: {
        data: new Float64Array(flatF),
        shape: [COLS, n],
        fortranOrder: true,
      },
    };
  }
  const form = Math.floor(r() * 5);
  let input: ArrayInput;
  switch (form) {
    case 0:
      input = { data: new Float64Array(flatC), shape: [n, COLS] };
      break;
    case 1:
      input = { data: new Int32Array(flatC), shape: [n, COLS] };
      break;
    case 2:
      input = n === 0 ? { data: [], shape: [0, COLS] } : rows;
      break;
    case 3:
      input = { data: flatC, shape: [n, COLS] };
      break;
    default:
      input = {
        data: new Float32Array(flatC.map((v) => v / 2)),
        shape: [n, COLS],
      };
      return { rows: rows.map((row) => row.map((v) => v / 2)), input };
  }
  return { rows, input };
}

function expectedData(calls: readonly Call[]): Uint8Array {
  const values = new Float64Array(calls.flatMap((c) => c.rows.flat()));
  return new Uint8Array(values.buffer);
}

function expectedFile(calls: readonly Call[], fortran: boolean): Uint8Array {
  const total = calls.reduce((n, c) => n + c.rows.length, 0);
  const header = encodeHeader({
    dtype: "<f8",
    fortranOrder: fortran,
    shape: fortran ? [COLS, total] : [total, COLS],
  });
  const data = expectedData(calls);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * The header on disk covers whole appends only, and the data it covers
 * is the model's prefix.
 */
function checkConsistent(
  bytes: Uint8Array,
  calls: readonly Call[],
  fortran: boolean,
): void {
  if (bytes.length === 0) return;
  const header = parseHeader(bytes);
  const rows = header.shape[fortran ? 1 : 0]!;
  let sum = 0;
  let k = 0;
  while (sum < rows && k < calls.length) sum += calls[k++]!.rows.length;
  assert.equal(sum, rows, `header covers ${rows} rows: not a whole append`);
  const want = expectedData(calls.slice(0, k));
  const got = bytes.subarray(
    header.headerLength,
    header.headerLength + want.length,
  );
  assert.deepEqual(got, want, "data covered by the header");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An async-only FileLike over a MemoryFile, with random delays per op. */
class SlowFile implements FileLike {
  #mem: MemoryFile;
  #rand: () => number;
  #afterWrite: () => void;
  inFlight = 0;
  maxInFlight = 0;
  ops = 0;
  constructor(mem: MemoryFile, rand: () => number, afterWrite: () => void) {
    this.#mem = mem;
    this.#rand = rand;
    this.#afterWrite = afterWrite;
  }
  async #op<T>(run: () => T): Promise<T> {
    this.inFlight++;
    this.ops++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const x = this.#rand();
      if (x < 0.3) await sleep(Math.floor(x * 6));
      else if (x < 0.8) await Promise.resolve();
      return run();
    } finally {
      this.inFlight--;
    }
  }
  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.#op(() => this.#mem.readSync(buffer, position));
  }
  write(buffer: Uint8Array, position: number): Promise<void> {
    // Copy now: the writer may not keep the buffer unchanged while a
    // real file would be writing it.
    const copy = buffer.slice();
    return this.#op(() => {
      this.#mem.writeSync(copy, position);
      this.#afterWrite();
    });
  }
  size(): Promise<number> {
    return this.#op(() => this.#mem.sizeSync());
  }
  truncate(length: number): Promise<void> {
    return this.#op(() => this.#mem.truncateSync(length));
  }
}

interface Scenario {
  seed: number;
  tasks: number;
  appendsPerTask: number;
  rewriteHeaderOnAppend: boolean;
  fortran: boolean;
  queue: boolean;
}

/**
 * Runs `tasks` async tasks, each calling `append` (not awaited) several
 * times with random pauses, some bad appends among them, some
 * `updateHeader` calls; returns the file and the model.
 */
async function run(s: Scenario): Promise<{
  bytes: Uint8Array;
  calls: Call[];
  slow: SlowFile | null;
}> {
  const r = mulberry32(s.seed);
  const mem = new MemoryFile();
  const calls: Call[] = [];
  let checks = 0;
  const slow = s.queue
    ? new SlowFile(mem, mulberry32(s.seed + 1000), () => {
      checks++;
      checkConsistent(mem.bytes(), calls, s.fortran);
    })
    : null;
  const npy = await NpyAppendArray.open(slow ?? mem, {
    dtype: "<f8",
    rewriteHeaderOnAppend: s.rewriteHeaderOnAppend,
    ...(s.fortran ? { fortranOrder: true } : {}),
  });
  const pending: Promise<unknown>[] = [];
  const task = async (): Promise<void> => {
    for (let i = 0; i < s.appendsPerTask; i++) {
      const x = r();
      if (x < 0.05) {
        // A bad append among the good ones: rejected, nothing written.
        const bad = s.fortran ? { data: [1, 2], shape: [2, 1] } : [[1, 2]];
        pending.push(assert.rejects(npy.append(bad), RangeError));
      } else if (x < 0.1) {
        pending.push(npy.updateHeader());
      } else {
        const call = makeCall(r, s.fortran);
        calls.push(call); // call order = model order
        pending.push(npy.append(call.input));
      }
      const pause = r();
      if (pause < 0.3) await sleep(Math.floor(pause * 4));
      else if (pause < 0.7) await Promise.resolve();
      if (!s.queue) checkConsistent(mem.bytes(), calls, s.fortran);
    }
  };
  await Promise.all(Array.from({ length: s.tasks }, task));
  await Promise.all(pending);
  await npy.close();
  if (slow) assert.ok(checks > 0);
  return { bytes: mem.bytes(), calls, slow };
}

describe("concurrent appends", () => {
  for (const queue of [false, true]) {
    for (const rewriteHeaderOnAppend of [true, false]) {
      for (const fortran of [false, true]) {
        const name = `${
          queue
            ? "queue path (async-only FileLike, random delays)"
            : "sync path (MemoryFile)"
        }, rewriteHeaderOnAppend ${rewriteHeaderOnAppend}${
          fortran ? ", Fortran order" : ""
        }`;
        test(name, { timeout: 60_000 }, async () => {
          for (const seed of [1, 2, 3]) {
            const s: Scenario = {
              seed: seed * 7919 + (queue ? 1 : 0) + (fortran ? 2 : 0),
              tasks: 12,
              appendsPerTask: queue ? 8 : 15,
              rewriteHeaderOnAppend,
              fortran,
              queue,
            };
            const { bytes, calls, slow } = await run(s);
            assert.deepEqual(bytes, expectedFile(calls, fortran));
            if (slow) {
              assert.equal(slow.maxInFlight, 1, "one operation at a time");
            }
            const back = readNpySync(new MemoryFile(bytes));
            const total = calls.reduce((n, c) => n + c.rows.length, 0);
            assert.deepEqual(
              back.shape,
              fortran ? [COLS, total] : [total, COLS],
            );
          }
        });
      }
    }
  }

  test("close() waits for the appends still queued", async () => {
    const mem = new MemoryFile();
    const slow = new SlowFile(mem, mulberry32(5), () => {});
    const npy = await NpyAppendArray.open(slow, { dtype: "<f8" });
    const calls: Call[] = [];
    const r = mulberry32(6);
    for (let i = 0; i < 30; i++) {
      const call = makeCall(r, false);
      calls.push(call);
      void npy.append(call.input);
    }
    await npy.close();
    assert.deepEqual(mem.bytes(), expectedFile(calls, false));
    await assert.rejects(npy.append([[1, 2, 3]]), TypeError);
    assert.deepEqual(mem.bytes(), expectedFile(calls, false));
  });

  test(
    "concurrent appends to a path equal np.concatenate + np.save",
    numpyTestOptions(),
    async () => {
      const dir = tempDir();
      const path = join(dir, "concurrent.npy");
      const npy = await NpyAppendArray.open(path, { dtype: "<i4" });
      const r = mulberry32(42);
      const parts: number[][][] = [];
      const pending: Promise<void>[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 6; i++) {
            const n = 1 + Math.floor(r() * 4);
            const rows = Array.from(
              { length: n },
              () =>
                Array.from({ length: COLS }, () => Math.floor(r() * 2e6) - 1e6),
            );
            parts.push(rows);
            pending.push(
              npy.append({
                data: new Int32Array(rows.flat()),
                shape: [n, COLS],
              }),
            );
            if (r() < 0.5) await sleep(1);
          }
        }),
      );
      await Promise.all(pending);
      await npy.close();
      const expr = `np.concatenate([${
        parts.map((p) => `np.array(${JSON.stringify(p)}, dtype="<i4")`).join(
          ", ",
        )
      }])`;
      assert.deepEqual(new Uint8Array(readFileSync(path)), npSaveBytes(expr));
    },
  );
});
