/**
 * The benchmark workloads, runnable on Deno, Node and Bun. Each one times
 * the library beside a baseline (plain positioned file calls doing the
 * same I/O) in the same process, alternating the two, and keeps the best
 * of several rounds. Prints one JSON line per result on stdout.
 *
 * Usage: `<runtime> bench/workloads.ts <dir> [speed|memory]`
 * (`NPY_BENCH_LIB` may name the library module to load, such as the
 * built npm package; `NPY_BENCH_SCALE` shrinks the sizes for a quick try).
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";

type Lib = typeof import("../mod.ts");

/** One line of the result table. */
export interface BenchResult {
  workload: string;
  case: string;
  /** Library time, ms (best round). */
  libMs: number;
  /** Baseline time, ms (best round); 0 when there is none. */
  baseMs: number;
  /** CPU time (user + system) of the library, ms (best round). */
  libCpuMs?: number;
  /** CPU time of the baseline, ms (best round). */
  baseCpuMs?: number;
  /** Work units done per round (appends, reads, MiB). */
  units: number;
  unit: string;
  baseline: string;
  note?: string;
}

const env = (globalThis as {
  process?: { env: Record<string, string | undefined> };
}).process?.env ?? {};
const libUrl = env.NPY_BENCH_LIB;
const lib: Lib = libUrl ? await import(libUrl) : await import("../mod.ts");
const SCALE = Number(env.NPY_BENCH_SCALE ?? "1");
/** Timed rounds per case (after a warm-up round); 0: each workload's default. */
const ROUNDS = Number(env.NPY_BENCH_ROUNDS ?? "0");

const Deno_ = (globalThis as {
  Deno?: {
    openSync(
      p: string,
      o: Record<string, boolean>,
    ): {
      seekSync(o: number, w: number): number;
      writeSync(b: Uint8Array): number;
      readSync(b: Uint8Array): number | null;
      close(): void;
    };
  };
}).Deno;

function runtimeName(): string {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

function unlink(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // absent
  }
}

function writeAll(fd: number, buf: Uint8Array, pos: number): void {
  let done = 0;
  while (done < buf.length) {
    done += fs.writeSync(fd, buf, done, buf.length - done, pos + done);
  }
}

/** A raw positioned-write file: `node:fs` everywhere, or Deno's FsFile. */
interface RawFile {
  write(buf: Uint8Array, pos: number): void;
  read(buf: Uint8Array, pos: number): number;
  close(): void;
}

type RawApi = "node:fs" | "Deno.FsFile";

function rawOpen(api: RawApi, p: string, create: boolean): RawFile {
  if (api === "Deno.FsFile") {
    const f = Deno_!.openSync(p, {
      read: true,
      write: true,
      create,
      truncate: create,
    });
    let at = -1;
    return {
      write(buf, pos) {
        if (at !== pos) f.seekSync(pos, 0);
        let done = 0;
        while (done < buf.length) done += f.writeSync(buf.subarray(done));
        at = pos + done;
      },
      read(buf, pos) {
        if (at !== pos) f.seekSync(pos, 0);
        let done = 0;
        while (done < buf.length) {
          const n = f.readSync(buf.subarray(done));
          if (!n) break;
          done += n;
        }
        at = pos + done;
        return done;
      },
      close: () => f.close(),
    };
  }
  const fd = fs.openSync(p, create ? "w+" : "r+");
  return {
    write: (buf, pos) => writeAll(fd, buf, pos),
    read: (buf, pos) => fs.readSync(fd, buf, 0, buf.length, pos),
    close: () => fs.closeSync(fd),
  };
}

const RAW_APIS: RawApi[] = Deno_ ? ["node:fs", "Deno.FsFile"] : ["node:fs"];

/**
 * Times `lib` and each baseline `rounds` times, alternating, after one
 * warm-up round each; returns the best times (or, with `stat: "median"`,
 * the median of each, for short rounds on a shared machine where a best
 * time is one lucky round), and the baseline that was fastest.
 */
async function duel(
  rounds: number,
  libRun: () => Promise<number> | number,
  bases: Record<string, () => Promise<number> | number>,
  stat: "best" | "median" = "best",
): Promise<
  {
    libMs: number;
    baseMs: number;
    baseline: string;
    libCpuMs: number;
    baseCpuMs: number;
  }
> {
  const times: Record<string, number[]> = { lib: [] };
  const cpus: Record<string, number[]> = { lib: [] };
  for (const k of Object.keys(bases)) {
    times[k] = [];
    cpus[k] = [];
  }
  for (let r = 0; r <= rounds; r++) {
    // Alternate who goes first, so that neither always follows the other.
    const order = r % 2 === 0 ? ["lib", ...Object.keys(bases)] : [
      ...Object.keys(bases),
      "lib",
    ];
    for (const k of order) {
      const c = cpuMs();
      const t = k === "lib" ? await libRun() : await bases[k]!();
      const cpu = cpuMs() - c;
      if (r === 0) continue; // warm-up
      times[k]!.push(t);
      cpus[k]!.push(cpu);
    }
  }
  const pick = (xs: number[]) =>
    stat === "best"
      ? Math.min(...xs)
      : [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  let baseline = "";
  let baseMs = Infinity;
  for (const k of Object.keys(bases)) {
    const v = pick(times[k]!);
    if (v < baseMs) {
      baseMs = v;
      baseline = k;
    }
  }
  return {
    libMs: pick(times.lib!),
    baseMs,
    baseline,
    libCpuMs: pick(cpus.lib!),
    baseCpuMs: baseline === "" ? NaN : pick(cpus[baseline]!),
  };
}

/** CPU time of this process (user + system), ms. */
function cpuMs(): number {
  const p = (globalThis as {
    process?: { cpuUsage?(): { user: number; system: number } };
  }).process;
  const u = p?.cpuUsage?.();
  return u === undefined ? NaN : (u.user + u.system) / 1000;
}

function now(): number {
  return performance.now();
}

// ---------------------------------------------------------------- big

function bigWorkload(dir: string, out: BenchResult[]): Promise<void> {
  const chunkBytes = 1 << 20;
  const chunks = Math.max(8, Math.round(512 * SCALE));
  const p = path.join(dir, "big.npy");
  const chunk = new Float64Array(chunkBytes / 8);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i * 0.5;
  const chunkU8 = new Uint8Array(chunk.buffer);
  const headerLen = 128;
  const bases: Record<string, () => number> = {};
  for (const api of RAW_APIS) {
    bases[`positioned writes (${api})`] = () => {
      unlink(p);
      const t = now();
      const f = rawOpen(api, p, true);
      for (let i = 0; i < chunks; i++) {
        chunk[0] = i;
        f.write(chunkU8, headerLen + i * chunkBytes);
      }
      f.close();
      const dt = now() - t;
      unlink(p);
      return dt;
    };
  }
  const runSync = () => {
    unlink(p);
    const t = now();
    const npy = lib.NpyAppendArraySync.open(p);
    for (let i = 0; i < chunks; i++) {
      chunk[0] = i;
      npy.append(chunk);
    }
    npy.close();
    const dt = now() - t;
    unlink(p);
    return dt;
  };
  const runAsync = async () => {
    unlink(p);
    const t = now();
    const npy = await lib.NpyAppendArray.open(p);
    for (let i = 0; i < chunks; i++) {
      chunk[0] = i;
      await npy.append(chunk);
    }
    await npy.close();
    const dt = now() - t;
    unlink(p);
    return dt;
  };
  return (async () => {
    for (
      const [name, run] of [["sync", runSync], ["async", runAsync]] as const
    ) {
      const r = await duel(ROUNDS || 7, run, bases);
      out.push({
        workload: "1 big appends",
        case: `${name}, ${chunks} x 1 MiB f8`,
        ...r,
        units: chunks,
        unit: "MiB",
      });
    }
  })();
}

// ---------------------------------------------------------------- whole

/**
 * One array saved in one append to a new file (what `np.save` does),
 * against one positioned write of the same data bytes.
 */
async function wholeWorkload(dir: string, out: BenchResult[]): Promise<void> {
  const { p, array, u8, bytes, check } = wholeSetup(dir);
  const bases: Record<string, () => number> = {};
  for (const api of RAW_APIS) {
    bases[`one positioned write (${api})`] = () => {
      unlink(p);
      const t = now();
      const f = rawOpen(api, p, true);
      f.write(u8, 128);
      f.close();
      const dt = now() - t;
      unlink(p);
      return dt;
    };
  }
  const runSync = () => {
    unlink(p);
    const t = now();
    const npy = lib.NpyAppendArraySync.open(p);
    npy.append(array);
    npy.close();
    const dt = now() - t;
    check();
    unlink(p);
    return dt;
  };
  const runAsync = async () => {
    unlink(p);
    const t = now();
    const npy = await lib.NpyAppendArray.open(p);
    await npy.append(array);
    await npy.close();
    const dt = now() - t;
    check();
    unlink(p);
    return dt;
  };
  for (
    const [name, run] of [["sync", runSync], ["async", runAsync]] as const
  ) {
    const r = await duel(ROUNDS || 5, run, bases);
    out.push({
      workload: "6 whole-array write",
      case: `${name}, one ${Math.round(bytes / 2 ** 20)} MiB f4 append`,
      ...r,
      units: bytes / 2 ** 20,
      unit: "MiB",
    });
  }
}

function wholeSetup(dir: string): {
  p: string;
  array: Float32Array;
  u8: Uint8Array;
  bytes: number;
  check: () => void;
} {
  const bytes = Math.max(1 << 20, Math.round(256 * 2 ** 20 * SCALE));
  const p = path.join(dir, "whole.npy");
  const array = new Float32Array(bytes / 4);
  for (let i = 0; i < array.length; i++) array[i] = i;
  const u8 = new Uint8Array(array.buffer);
  const check = () => {
    if (fs.statSync(p).size !== 128 + bytes) throw new Error("bad file size");
  };
  return { p, array, u8, bytes, check };
}

/**
 * Peak memory of one whole-array write, in a fresh process: resident
 * memory above the caller's array (Linux: VmHWM after resetting it), for
 * one raw positioned write first, then for the library.
 */
async function wholeMemory(
  dir: string,
  mode: "sync" | "async",
  out: BenchResult[],
): Promise<void> {
  const { p, array, u8, bytes, check } = wholeSetup(dir);
  const peakOf = async (run: () => Promise<void> | void) => {
    unlink(p);
    const start = rssNow();
    const reset = resetHwm();
    const t = now();
    await run();
    const dt = now() - t;
    const h = reset ? hwm() : undefined;
    const peak = Math.max(rssNow(), h ?? 0);
    check();
    unlink(p);
    return { mib: (peak - start) / 2 ** 20, ms: dt };
  };
  const raw = await peakOf(() => {
    const f = rawOpen("node:fs", p, true);
    f.write(u8, 128);
    f.close();
  });
  const libRun = await peakOf(async () => {
    if (mode === "sync") {
      const npy = lib.NpyAppendArraySync.open(p);
      npy.append(array);
      npy.close();
    } else {
      const npy = await lib.NpyAppendArray.open(p);
      await npy.append(array);
      await npy.close();
    }
  });
  out.push({
    workload: "6 whole-array write",
    case: `${mode}, one ${
      Math.round(bytes / 2 ** 20)
    } MiB f4 append, peak memory`,
    libMs: libRun.ms,
    baseMs: raw.ms,
    units: libRun.mib,
    unit: "MiB peak rss above start",
    baseline: `+${raw.mib.toFixed(1)} MiB for one positioned write (node:fs)`,
  });
}

// ---------------------------------------------------------------- small

const SHAPE = [1, 3];

async function smallWorkload(dir: string, out: BenchResult[]): Promise<void> {
  const n = Math.max(1000, Math.round(100_000 * SCALE));
  const p = path.join(dir, "small.npy");
  const row = new Float64Array(3);
  const rowU8 = new Uint8Array(row.buffer);
  const header = lib.encodeHeader({
    dtype: "<f8",
    fortranOrder: false,
    shape: [1, 3],
  });

  const rawLoop = (api: RawApi, withHeader: boolean) => () => {
    unlink(p);
    const t = now();
    const f = rawOpen(api, p, true);
    let end = header.length;
    for (let i = 0; i < n; i++) {
      row[0] = i;
      f.write(rowU8, end);
      end += 24;
      if (withHeader) f.write(header, 0);
    }
    f.close();
    const dt = now() - t;
    unlink(p);
    return dt;
  };
  const bases = (withHeader: boolean) => {
    const b: Record<string, () => number> = {};
    for (const api of RAW_APIS) {
      b[
        `${withHeader ? 2 : 1} positioned write${
          withHeader ? "s" : ""
        }/row (${api})`
      ] = rawLoop(api, withHeader);
    }
    return b;
  };
  type Opts = Parameters<typeof lib.NpyAppendArraySync.open>[1];
  const libSync = (opts: Opts) => () => {
    unlink(p);
    const t = now();
    const npy = lib.NpyAppendArraySync.open(p, opts);
    for (let i = 0; i < n; i++) {
      row[0] = i;
      npy.append({ data: row, shape: SHAPE });
    }
    npy.close();
    const dt = now() - t;
    unlink(p);
    return dt;
  };
  const libAsync = (opts: Opts) => async () => {
    unlink(p);
    const t = now();
    const npy = await lib.NpyAppendArray.open(p, opts);
    for (let i = 0; i < n; i++) {
      row[0] = i;
      await npy.append({ data: row, shape: SHAPE });
    }
    await npy.close();
    const dt = now() - t;
    unlink(p);
    return dt;
  };
  const cases: Array<
    [string, string, () => Promise<number> | number, boolean]
  > = [
    ["2 small appends, header rewritten", "sync", libSync({}), true],
    ["2 small appends, header rewritten", "async", libAsync({}), true],
    [
      "3 small appends, rewriteHeaderOnAppend: false",
      "sync",
      libSync({ rewriteHeaderOnAppend: false }),
      false,
    ],
    [
      "3 small appends, rewriteHeaderOnAppend: false",
      "async",
      libAsync({ rewriteHeaderOnAppend: false }),
      false,
    ],
  ];
  const buffered = { rewriteHeaderOnAppend: false, bufferBytes: 1 << 20 };
  const probe = lib.NpyAppendArraySync.open(new lib.MemoryFile(), buffered);
  probe.close();
  cases.push(
    [
      "3 small appends, rewriteHeaderOnAppend: false",
      "sync, bufferBytes: 1 MiB",
      libSync(buffered as Opts),
      false,
    ],
    [
      "3 small appends, rewriteHeaderOnAppend: false",
      "async, bufferBytes: 1 MiB",
      libAsync(buffered as Opts),
      false,
    ],
  );
  for (const [workload, name, run, withHeader] of cases) {
    const r = await duel(ROUNDS || 7, run, bases(withHeader));
    out.push({
      workload,
      case: `${name}, ${n} x (1, 3) f8`,
      ...r,
      units: n,
      unit: "appends",
    });
  }
}

// ---------------------------------------------------------------- read

async function readWorkload(dir: string, out: BenchResult[]): Promise<void> {
  // Whole file: 64 MiB of f8.
  const p = path.join(dir, "read.npy");
  unlink(p);
  const rows = Math.max(1024, Math.round(64 * 1024 * 1024 / 8 * SCALE));
  {
    const w = lib.NpyAppendArraySync.open(p);
    const a = new Float64Array(rows);
    for (let i = 0; i < rows; i++) a[i] = i;
    w.append(a);
    w.close();
  }
  const size = fs.statSync(p).size;
  const bases: Record<string, () => number> = {};
  for (const api of RAW_APIS) {
    bases[`one positioned read (${api})`] = () => {
      const t = now();
      const f = rawOpen(api, p, false);
      const head = new Uint8Array(128);
      f.read(head, 0);
      const buf = new Uint8Array(size - 128);
      let done = 0;
      while (done < buf.length) {
        done += f.read(buf.subarray(done), 128 + done);
      }
      f.close();
      const data = new Float64Array(buf.buffer);
      if (data[1] !== 1) throw new Error("bad read");
      return now() - t;
    };
  }
  const r = await duel(ROUNDS || 5, async () => {
    const t = now();
    const { data } = await lib.readNpy(p);
    if ((data as Float64Array)[1] !== 1) throw new Error("bad read");
    return now() - t;
  }, bases);
  out.push({
    workload: "4 reading",
    case: `readNpy, whole ${Math.round(size / 2 ** 20)} MiB file`,
    ...r,
    units: size / 2 ** 20,
    unit: "MiB",
  });
  unlink(p);

  await randomRows(dir, out);
}

/** What the random-rows cases need of `NpyReader` (older builds lack some). */
interface RowReader {
  read(s: number, e: number): Promise<{ data: unknown }>;
  readSync(s: number, e: number): { data: unknown };
  readIntoSync(b: Uint8Array, s: number, e: number): number;
  close(): Promise<void>;
  closeSync(): void;
}

/** Deno's async file calls, for the async raw loop on Deno. */
interface DenoAsyncFile {
  seek(o: number, w: number): Promise<number>;
  read(b: Uint8Array): Promise<number | null>;
  close(): void;
}

/**
 * Random rows (issue 17.3): 10,000 single-row reads of a (100000, 3) f8
 * file per round, each case alternated with raw loops that do the same
 * reads as a user would write them (a new 24-byte buffer per row, one
 * positioned read, a `Float64Array` over it). Rounds are short (5 to 40
 * ms), so on a shared machine one lucky round decides a best-of: each side
 * reports the median of its rounds (15 by default).
 *
 * - `readSync` and `readIntoSync` against the sync raw loops: `node:fs`
 *   `readSync(fd, buf, 0, 24, pos)` everywhere, and on Deno also
 *   `Deno.FsFile` `seekSync` + `readSync` (Deno has no positioned read of
 *   its own); the faster is the baseline and is named.
 * - `read` against the async raw loops (like with like: one `await` of a
 *   real async read per row): `node:fs/promises` `FileHandle.read(buf, 0,
 *   24, pos)`, and on Deno also `FsFile` `seek` + `read`.
 * - `read` again against the sync raw loop with one `await` per row: the
 *   floor of any promise-returning read, since `read` of a file opened from
 *   a path is served by the sync file at once (DECISIONS: sync I/O under
 *   the async API).
 */
async function randomRows(dir: string, out: BenchResult[]): Promise<void> {
  const q = path.join(dir, "rows.npy");
  unlink(q);
  const nRows = 100_000;
  {
    const w = lib.NpyAppendArraySync.open(q);
    const a = new Float64Array(nRows * 3);
    for (let i = 0; i < a.length; i++) a[i] = i;
    w.append({ data: a, shape: [nRows, 3] });
    w.close();
  }
  const reads = 10_000;
  let seed = 12345;
  const picks = new Int32Array(reads);
  for (let i = 0; i < reads; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    picks[i] = seed % nRows;
  }
  const rounds = ROUNDS || 15;
  const what = `${reads} random rows of (100000, 3) f8`;
  const check = (sum: number) => {
    if (!(sum >= 0)) throw new Error("bad read");
  };
  const Reader = lib.NpyReader as unknown as {
    open(t: string): Promise<RowReader>;
    openSync(t: string): RowReader;
  };
  const deno = (globalThis as {
    Deno?: {
      openSync(p: string, o: { read: boolean }): {
        seekSync(o: number, w: number): number;
        readSync(b: Uint8Array): number | null;
        close(): void;
      };
      open(p: string, o: { read: boolean }): Promise<DenoAsyncFile>;
    };
  }).Deno;

  const rawSync: Record<string, () => number> = {
    "new buffer + readSync(fd, buf, 0, 24, pos) per row (node:fs)": () => {
      const t = now();
      const fd = fs.openSync(q, "r");
      let sum = 0;
      for (let i = 0; i < reads; i++) {
        const b = new Uint8Array(24);
        fs.readSync(fd, b, 0, 24, 128 + picks[i]! * 24);
        sum += new Float64Array(b.buffer)[0]!;
      }
      fs.closeSync(fd);
      check(sum);
      return now() - t;
    },
  };
  if (deno !== undefined) {
    rawSync["new buffer + seekSync + readSync per row (Deno.FsFile)"] = () => {
      const t = now();
      const f = deno.openSync(q, { read: true });
      let sum = 0;
      for (let i = 0; i < reads; i++) {
        const b = new Uint8Array(24);
        f.seekSync(128 + picks[i]! * 24, 0);
        f.readSync(b);
        sum += new Float64Array(b.buffer)[0]!;
      }
      f.close();
      check(sum);
      return now() - t;
    };
  }
  const rawAsync: Record<string, () => Promise<number>> = {
    "new buffer + await handle.read(buf, 0, 24, pos) per row (node:fs/promises)":
      async () => {
        const t = now();
        const h = await fs.promises.open(q, "r");
        let sum = 0;
        for (let i = 0; i < reads; i++) {
          const b = new Uint8Array(24);
          await h.read(b, 0, 24, 128 + picks[i]! * 24);
          sum += new Float64Array(b.buffer)[0]!;
        }
        await h.close();
        check(sum);
        return now() - t;
      },
  };
  if (deno !== undefined) {
    rawAsync["new buffer + await seek + await read per row (Deno.FsFile)"] =
      async () => {
        const t = now();
        const f = await deno.open(q, { read: true });
        let sum = 0;
        for (let i = 0; i < reads; i++) {
          const b = new Uint8Array(24);
          await f.seek(128 + picks[i]! * 24, 0);
          await f.read(b);
          sum += new Float64Array(b.buffer)[0]!;
        }
        f.close();
        check(sum);
        return now() - t;
      };
  }
  const rawAwaitSync: Record<string, () => Promise<number>> = {
    "new buffer + await of readSync(fd, buf, 0, 24, pos) per row (node:fs)":
      async () => {
        const t = now();
        const fd = fs.openSync(q, "r");
        let sum = 0;
        for (let i = 0; i < reads; i++) {
          const b = new Uint8Array(24);
          await fs.readSync(fd, b, 0, 24, 128 + picks[i]! * 24);
          sum += new Float64Array(b.buffer)[0]!;
        }
        fs.closeSync(fd);
        check(sum);
        return now() - t;
      },
  };

  const readSync = () => {
    const t = now();
    const reader = Reader.openSync(q);
    let sum = 0;
    for (let i = 0; i < reads; i++) {
      sum += (reader.readSync(picks[i]!, picks[i]! + 1).data as Float64Array)[
        0
      ]!;
    }
    reader.closeSync();
    check(sum);
    return now() - t;
  };
  const readIntoSync = () => {
    const t = now();
    const reader = Reader.openSync(q);
    const buf = new Float64Array(3);
    const bytes = new Uint8Array(buf.buffer);
    let sum = 0;
    for (let i = 0; i < reads; i++) {
      reader.readIntoSync(bytes, picks[i]!, picks[i]! + 1);
      sum += buf[0]!;
    }
    reader.closeSync();
    check(sum);
    return now() - t;
  };
  const read = async () => {
    const t = now();
    const reader = await Reader.open(q);
    let sum = 0;
    for (let i = 0; i < reads; i++) {
      const { data } = await reader.read(picks[i]!, picks[i]! + 1);
      sum += (data as Float64Array)[0]!;
    }
    await reader.close();
    check(sum);
    return now() - t;
  };
  type Bases = Record<string, () => Promise<number> | number>;
  const cases: [string, () => Promise<number> | number, Bases, number][] = [
    [`NpyReader.readSync, ${what}`, readSync, rawSync, rounds],
    [`NpyReader.readIntoSync, ${what}`, readIntoSync, rawSync, rounds],
    [
      `NpyReader.read, ${what}, against the async raw loop`,
      read,
      rawAsync,
      // An async raw round takes 0.2 to 1 s.
      Math.min(rounds, 7),
    ],
    [
      `NpyReader.read, ${what}, against the sync raw loop with one await per row`,
      read,
      rawAwaitSync,
      rounds,
    ],
  ];
  for (const [name, run, bases, n] of cases) {
    const r = await duel(n, run, bases, "median");
    out.push({
      workload: "4 reading",
      case: `${name} (median of ${n} alternating rounds)`,
      ...r,
      units: reads,
      unit: "reads",
    });
  }
  unlink(q);
}

// ---------------------------------------------------------------- memory

function rssNow(): number {
  try {
    const s = fs.readFileSync("/proc/self/status", "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(s);
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  const g = globalThis as {
    process?: { memoryUsage(): { rss: number } };
    Deno?: { memoryUsage(): { rss: number } };
  };
  return (g.Deno ?? g.process)!.memoryUsage().rss;
}

function hwm(): number | undefined {
  try {
    const s = fs.readFileSync("/proc/self/status", "utf8");
    const m = /VmHWM:\s+(\d+) kB/.exec(s);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHwm(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

async function memoryWorkload(
  dir: string,
  mode: "sync" | "async",
  out: BenchResult[],
): Promise<void> {
  const chunkBytes = 1 << 20;
  const chunks = Math.max(8, Math.round(2048 * SCALE));
  const p = path.join(dir, "mem.npy");
  unlink(p);
  const chunk = new Float64Array(chunkBytes / 8);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i;
  const start = rssNow();
  const resetOk = resetHwm();
  let peak = start;
  const t = now();
  if (mode === "sync") {
    const npy = lib.NpyAppendArraySync.open(p);
    for (let i = 0; i < chunks; i++) {
      chunk[0] = i;
      npy.append(chunk);
      if ((i & 15) === 0) peak = Math.max(peak, rssNow());
    }
    npy.close();
  } else {
    const npy = await lib.NpyAppendArray.open(p);
    for (let i = 0; i < chunks; i++) {
      chunk[0] = i;
      await npy.append(chunk);
      if ((i & 15) === 0) peak = Math.max(peak, rssNow());
    }
    await npy.close();
  }
  const dt = now() - t;
  const size = fs.statSync(p).size;
  unlink(p);
  if (size !== 128 + chunks * chunkBytes) throw new Error("bad file size");
  const h = resetOk ? hwm() : undefined;
  if (h !== undefined) peak = Math.max(peak, h);
  out.push({
    workload: "5 memory",
    case: `${mode}, ${chunks} x 1 MiB f8 (${(chunks / 1024).toFixed(1)} GiB)`,
    libMs: dt,
    baseMs: 0,
    units: (peak - start) / 2 ** 20,
    unit: "MiB peak rss above start",
    baseline: "",
  });
}

// ---------------------------------------------------------------- stack

/**
 * Appends into a stack rotating every 64 MiB (`shardBytes`) against the
 * same appends into one file, in the same run: rotation must cost little
 * (target: at least 0.9 of the single file's appends per second).
 */
async function stackWorkload(dir: string, out: BenchResult[]): Promise<void> {
  const rows = 64, width = 32; // 16 KiB an append
  const appends = Math.max(256, Math.round(16384 * SCALE));
  const shardBytes = SCALE < 1
    ? Math.max(1 << 20, Math.round((64 << 20) * SCALE))
    : 64 << 20;
  const data = new Float64Array(rows * width);
  for (let i = 0; i < data.length; i++) data[i] = i * 0.25;
  const input = { data, shape: [rows, width] };
  const single = path.join(dir, "single.npy");
  const stackDir = path.join(dir, "stack");
  const clearStack = () =>
    fs.rmSync(stackDir, { recursive: true, force: true });
  const bases: Record<string, () => number> = {
    "one file (NpyAppendArraySync)": () => {
      unlink(single);
      const t = now();
      const npy = lib.NpyAppendArraySync.open(single);
      for (let i = 0; i < appends; i++) {
        data[0] = i;
        npy.append(input);
      }
      npy.close();
      const dt = now() - t;
      unlink(single);
      return dt;
    },
  };
  let shards = 0;
  const run = () => {
    clearStack();
    const t = now();
    const stack = lib.NpyStackWriterSync.open(stackDir, { shardBytes });
    for (let i = 0; i < appends; i++) {
      data[0] = i;
      stack.append(input);
    }
    stack.close();
    const dt = now() - t;
    shards = stack.shards;
    clearStack();
    return dt;
  };
  const r = await duel(ROUNDS || 5, run, bases);
  out.push({
    workload: "6 stack appends",
    case: `sync, ${appends} x 16 KiB f8, shards of ${
      shardBytes >> 20
    } MiB (${shards} shards)`,
    ...r,
    units: appends,
    unit: "appends",
  });
}

// ---------------------------------------------------------------- main

const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as { process: { argv: string[] } }).process.argv.slice(2);
const dir = argv[0];
const mode = argv[1] ?? "speed";
if (dir === undefined) {
  throw new TypeError(
    "Usage: workloads.ts DIR [speed|memory-sync|memory-async]",
  );
}
fs.mkdirSync(dir, { recursive: true });
const results: BenchResult[] = [];
const only = env.NPY_BENCH_ONLY;
if (mode === "speed") {
  if (!only || only.includes("big")) await bigWorkload(dir, results);
  if (!only || only.includes("whole")) await wholeWorkload(dir, results);
  if (!only || only.includes("small")) await smallWorkload(dir, results);
  if (!only || only.includes("read")) await readWorkload(dir, results);
  if (!only || only.includes("stack")) await stackWorkload(dir, results);
} else if (mode === "whole-memory-sync" || mode === "whole-memory-async") {
  await wholeMemory(
    dir,
    mode === "whole-memory-sync" ? "sync" : "async",
    results,
  );
} else if (mode === "memory-sync" || mode === "memory-async") {
  await memoryWorkload(dir, mode === "memory-sync" ? "sync" : "async", results);
} else {
  throw new TypeError(`Unknown mode "${mode}"`);
}
for (const r of results) {
  console.log(JSON.stringify({ runtime: runtimeName(), ...r }));
}
