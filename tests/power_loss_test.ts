/**
 * Power loss with `fsync: true` (README, "Guarantees"), on a model of a
 * disk: a file object whose bytes reach "the disk" only at `syncSync()`
 * (`sync()`). A power cut after any of its calls leaves the disk as of
 * the last sync plus any subset of the writes and truncates made since,
 * in their order (the page cache flushes them in any order, each write
 * whole or, for one write of the subset, only its first 512-byte
 * sectors). From every such disk, `recover` must give a file `np.load`
 * reads, holding every row of every append that returned before the cut,
 * and only rows that were appended (a prefix of them).
 *
 * Paths add the folder's own sync (new files, renames), which this model
 * does not see; `npy_stack_fsync_test.ts` checks those calls.
 *
 * @module
 */

import { asyncOnly } from "./_faulty_file.ts";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import {
  type FileLike,
  type FileLikeSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyStackWriterSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";

/** One call of the file object, or an append that returned (`ack`). */
type Event =
  | { op: "write"; position: number; bytes: Uint8Array }
  | { op: "truncate"; length: number }
  | { op: "sync" }
  | { op: "ack"; rows: number };

/** A disk sector: a write cut by the power loss keeps whole sectors. */
const SECTOR = 512;

/** Most writes and truncates since a sync whose every subset is tried. */
const ALL_SUBSETS_UP_TO = 8;

/**
 * A file object in memory that logs every mutating call and sync, for
 * `diskImages` to rebuild what a disk could hold after a power cut.
 */
class LoggedFile {
  readonly memory: MemoryFile;
  readonly log: Event[] = [];

  /** `initial`: bytes already on the disk (synced). */
  constructor(readonly initial: Uint8Array = new Uint8Array(0)) {
    this.memory = new MemoryFile(initial.slice());
  }

  ack(rows: number): void {
    this.log.push({ op: "ack", rows });
  }

  /** The synchronous interface. */
  sync(): FileLikeSync {
    const m = this.memory;
    return {
      readSync: (b, p) => m.readSync(b, p),
      writeSync: (b, p) => {
        this.log.push({ op: "write", position: p, bytes: b.slice() });
        m.writeSync(b, p);
      },
      sizeSync: () => m.sizeSync(),
      truncateSync: (n) => {
        this.log.push({ op: "truncate", length: n });
        m.truncateSync(n);
      },
      syncSync: () => {
        this.log.push({ op: "sync" });
      },
    };
  }

  /** The asynchronous interface only (the writer takes its async path). */
  async(): FileLike {
    return asyncOnly(this.sync());
  }
}

/**
 * `disk` after `e` (a write or truncate); `torn`: of a write, only its
 * first sector (`"first"`) or its last (`"last"`) reached the disk.
 */
function apply(
  disk: Uint8Array,
  e: Event,
  torn?: "first" | "last",
): Uint8Array {
  if (e.op === "truncate") {
    const out = new Uint8Array(e.length);
    out.set(disk.subarray(0, Math.min(disk.length, e.length)));
    return out;
  }
  if (e.op !== "write") return disk;
  const end = e.position + e.bytes.length;
  let from = e.position, to = end;
  if (torn === "first") {
    to = Math.min(end, (Math.floor(from / SECTOR) + 1) * SECTOR);
  }
  if (torn === "last") {
    from = Math.max(from, Math.floor((end - 1) / SECTOR) * SECTOR);
  }
  const out = new Uint8Array(Math.max(disk.length, to));
  out.set(disk);
  out.set(e.bytes.subarray(from - e.position, to - e.position), from);
  return out;
}

/** The subsets of `n` pending calls to try: all of them, or a spread. */
function subsets(n: number): boolean[][] {
  if (n <= ALL_SUBSETS_UP_TO) {
    return Array.from(
      { length: 1 << n },
      (_, m) => Array.from({ length: n }, (_, i) => (m & (1 << i)) !== 0),
    );
  }
  const out: boolean[][] = [];
  for (let k = 0; k <= n; k++) {
    out.push(Array.from({ length: n }, (_, i) => i < k)); // prefixes
    out.push(Array.from({ length: n }, (_, i) => i !== k)); // all but one
  }
  return out;
}

/** A disk a power cut could leave, with the rows acknowledged before it. */
interface DiskImage {
  bytes: Uint8Array;
  acked: number;
  what: string;
}

/**
 * Every disk a power cut could leave after each call in `log`: the last
 * synced state, plus each subset of the calls since (in order), each
 * write of the subset also cut to its first sector.
 */
function* diskImages(
  log: Event[],
  initial: Uint8Array,
): Generator<DiskImage> {
  let synced: Uint8Array = initial;
  let pending: Event[] = [];
  let acked = 0;
  for (let at = 0; at < log.length; at++) {
    const e = log[at]!;
    if (e.op === "ack") acked = e.rows;
    else if (e.op === "sync") {
      for (const p of pending) synced = apply(synced, p);
      pending = [];
    } else pending.push(e);
    // A cut right after this event.
    for (const keep of subsets(pending.length)) {
      const chosen = pending.filter((_, i) => keep[i]);
      let disk = synced;
      for (const p of chosen.slice(0, -1)) disk = apply(disk, p);
      const last = chosen.at(-1);
      const what = `cut after event ${at} (${e.op}), kept ${keep}`;
      yield { bytes: last ? apply(disk, last) : disk, acked, what };
      // The last chosen write cut to its first or its last sector.
      if (last?.op === "write" && last.bytes.length > SECTOR) {
        for (const torn of ["first", "last"] as const) {
          yield {
            bytes: apply(disk, last, torn),
            acked,
            what: `${what}, ${torn} sector`,
          };
        }
      }
    }
  }
}

/** Row `r` of every append: `COLS` values that name the row. */
const COLS = 3;

function rows(from: number, count: number): Float64Array {
  return Float64Array.from(
    { length: count * COLS },
    (_, i) => (from + Math.floor(i / COLS)) * 10 + (i % COLS),
  );
}

/** A structured dtype whose records cross sector bounds unevenly. */
const RECORD: [string, string][] = [["a", "<i4"], ["b", "<f8"], [
  "c",
  "|S3",
]];
const RECORD_BYTES = 15;

/** Records `from` .. `from + count - 1`, as objects. */
function records(from: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    a: from + i + 1,
    b: (from + i) * 0.5 + 1,
    c: new TextEncoder().encode(`r${(from + i) % 100}`),
  }));
}

/** The bytes `records(0, total)` are stored as. */
function recordBytes(total: number): Want {
  const bytes = new Uint8Array(total * RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  records(0, total).forEach((r, i) => {
    const at = i * RECORD_BYTES;
    view.setInt32(at, r.a as number, true);
    view.setFloat64(at + 4, r.b as number, true);
    bytes.set(r.c as Uint8Array, at + 12);
  });
  return { bytes, rowBytes: RECORD_BYTES };
}

/** What the file must hold: its data bytes in order, row by row. */
interface Want {
  /** The data of every row appended (acknowledged or not), in order. */
  bytes: Uint8Array;
  /** Bytes of one row (one step along the growth axis). */
  rowBytes: number;
  /** The growth axis: 0 (C order) or the last (Fortran order). */
  fortranOrder?: boolean;
}

/** The float64 rows `rows(0, total)` as a {@linkcode Want}. */
function float64Rows(total: number): Want {
  return {
    bytes: new Uint8Array(rows(0, total).buffer),
    rowBytes: COLS * 8,
  };
}

/**
 * Checks every disk image of `file`'s log: recover, then the rows are a
 * prefix of `total` rows holding at least the acknowledged ones, each
 * byte of a row not acknowledged its own or a zero (a sector never
 * written).
 */
function checkImages(
  file: LoggedFile,
  total: number,
  want: Want = float64Rows(total),
): number {
  let checked = 0;
  for (const image of diskImages(file.log, file.initial)) {
    checked++;
    const disk = new MemoryFile(image.bytes.slice());
    let data: Uint8Array;
    let shape: readonly number[];
    try {
      recoverSync(disk);
      const read = readNpySync(disk);
      shape = read.shape;
      assert.equal(read.fortranOrder, want.fortranOrder ?? false);
      data = dataBytes(disk.bytes());
    } catch (e) {
      // Nothing acknowledged yet: a file that is not one yet may refuse.
      if (image.acked === 0) continue;
      throw new Error(
        `${image.what}: recover failed, ${image.acked} rows acknowledged: ${e}`,
      );
    }
    const n = rowCount(shape, want.fortranOrder);
    assert.ok(
      n >= image.acked && n <= total,
      `${image.what}: ${n} rows, ${image.acked} acknowledged`,
    );
    assert.equal(data.length, n * want.rowBytes, image.what);
    const ackedEnd = image.acked * want.rowBytes;
    assert.deepEqual(
      data.subarray(0, ackedEnd),
      want.bytes.subarray(0, ackedEnd),
      image.what,
    );
    for (let i = ackedEnd; i < data.length; i++) {
      if (data[i] !== 0 && data[i] !== want.bytes[i]) {
        assert.fail(
          `${image.what}: byte ${i} is ${data[i]}, not ${want.bytes[i]}`,
        );
      }
    }
  }
  return checked;
}

/** The bytes after the header of a `.npy` file's `bytes`. */
function dataBytes(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const start = bytes[6] === 1
    ? 10 + view.getUint16(8, true)
    : 12 + view.getUint32(8, true);
  return bytes.subarray(start);
}

/** Rows of `shape` along the growth axis. */
function rowCount(shape: readonly number[], fortranOrder = false): number {
  return (fortranOrder ? shape.at(-1) : shape[0]) ?? 1;
}

/** The appends of each case: row counts. */
const APPENDS = [1, 8, 1, 90, 700, 3];
const TOTAL = APPENDS.reduce((a, b) => a + b);

describe("power loss with fsync: true (a disk model)", () => {
  test("sync writer, new file", () => {
    const file = new LoggedFile();
    const npy = NpyAppendArraySync.open(file.sync(), { fsync: true });
    let done = 0;
    for (const n of APPENDS) {
      npy.append({ data: rows(done, n), shape: [n, COLS] });
      done += n;
      file.ack(done);
    }
    npy.close();
    assert.ok(checkImages(file, TOTAL) > 20);
  });

  test("async writer, new file", async () => {
    const file = new LoggedFile();
    const npy = await NpyAppendArray.open(file.async(), { fsync: true });
    let done = 0;
    for (const n of APPENDS) {
      await npy.append({ data: rows(done, n), shape: [n, COLS] });
      done += n;
      file.ack(done);
    }
    await npy.close();
    assert.ok(checkImages(file, TOTAL) > 20);
  });

  test("sync writer reopening its file, bufferBytes flushed by close", () => {
    const file = new LoggedFile();
    let done = 0;
    for (const chunk of [APPENDS.slice(0, 3), APPENDS.slice(3)]) {
      const npy = NpyAppendArraySync.open(file.sync(), {
        fsync: true,
        bufferBytes: 4096,
        rewriteHeaderOnAppend: false,
      });
      for (const n of chunk) {
        npy.append({ data: rows(done, n), shape: [n, COLS] });
        done += n;
      }
      npy.close();
      file.ack(done);
    }
    assert.ok(checkImages(file, TOTAL) > 20);
  });

  test("sync writer, Fortran order (growth along the last axis)", () => {
    const file = new LoggedFile();
    const npy = NpyAppendArraySync.open(file.sync(), {
      fsync: true,
      fortranOrder: true,
    });
    let done = 0;
    for (const n of APPENDS) {
      npy.append({
        data: rows(done, n),
        shape: [COLS, n],
        fortranOrder: true,
      });
      done += n;
      file.ack(done);
    }
    npy.close();
    const want = { ...float64Rows(TOTAL), fortranOrder: true };
    assert.ok(checkImages(file, TOTAL, want) > 20);
  });

  test("async writer, structured dtype of 15-byte records", async () => {
    const file = new LoggedFile();
    const npy = await NpyAppendArray.open(file.async(), {
      fsync: true,
      dtype: RECORD,
    });
    let done = 0;
    for (const n of APPENDS) {
      await npy.append({ data: records(done, n), shape: [n] });
      done += n;
      file.ack(done);
    }
    await npy.close();
    assert.ok(checkImages(file, TOTAL, recordBytes(TOTAL)) > 20);
  });

  test("sync writer, big-endian int16 rows of 6 bytes, 2-d of 3 axes", () => {
    const file = new LoggedFile();
    const npy = NpyAppendArraySync.open(file.sync(), {
      fsync: true,
      dtype: ">i2",
    });
    let done = 0;
    for (const n of APPENDS) {
      npy.append({
        data: Int16Array.from(rows(done, n), (v) => v % 30000),
        shape: [n, 1, COLS],
      });
      done += n;
      file.ack(done);
    }
    npy.close();
    const all = Int16Array.from(rows(0, TOTAL), (v) => v % 30000);
    const bytes = new Uint8Array(all.length * 2);
    all.forEach((v, i) => new DataView(bytes.buffer).setInt16(i * 2, v));
    assert.ok(checkImages(file, TOTAL, { bytes, rowBytes: COLS * 2 }) > 20);
  });

  test("rewriteHeaderOnAppend: false without a buffer: every append returned survives", () => {
    const file = new LoggedFile();
    const npy = NpyAppendArraySync.open(file.sync(), {
      fsync: true,
      rewriteHeaderOnAppend: false,
    });
    let done = 0;
    for (const [i, n] of APPENDS.entries()) {
      npy.append({ data: rows(done, n), shape: [n, COLS] });
      done += n;
      file.ack(done);
      if (i === 2) npy.updateHeader();
    }
    npy.close();
    assert.ok(checkImages(file, TOTAL) > 20);
  });

  test("bufferBytes with rewriteHeaderOnAppend: false: every append before updateHeader() survives", async () => {
    for (const asynchronous of [false, true]) {
      const file = new LoggedFile();
      const options = {
        fsync: true,
        rewriteHeaderOnAppend: false,
        bufferBytes: 2000,
      };
      let done = 0;
      if (asynchronous) {
        const npy = await NpyAppendArray.open(file.async(), options);
        for (const n of APPENDS) {
          await npy.append({ data: rows(done, n), shape: [n, COLS] });
          done += n;
          await npy.updateHeader();
          file.ack(done);
        }
        await npy.close();
      } else {
        const npy = NpyAppendArraySync.open(file.sync(), options);
        for (const n of APPENDS) {
          npy.append({ data: rows(done, n), shape: [n, COLS] });
          done += n;
          npy.updateHeader();
          file.ack(done);
        }
        npy.close();
      }
      assert.ok(checkImages(file, TOTAL) > 20);
    }
  });

  test("recover cut by a power loss, then recover again", () => {
    // A writer killed in its third append: its data, one row and a half,
    // is in the file; the header covers the first two appends (15 rows).
    const killed = new MemoryFile();
    const npy = NpyAppendArraySync.open(killed, { fsync: true });
    npy.append({ data: rows(0, 10), shape: [10, COLS] });
    npy.append({ data: rows(10, 5), shape: [5, COLS] });
    npy.close();
    const tail = new Uint8Array(rows(15, 2).buffer).subarray(0, 36);
    killed.writeSync(tail, killed.sizeSync());
    const file = new LoggedFile(killed.bytes().slice());
    file.ack(15);
    recoverSync(file.sync());
    assert.deepEqual(readNpySync(file.memory).data, rows(0, 16));
    assert.ok(checkImages(file, 16) > 3);
  });

  test("a cut write is seen by the model (the check can fail)", () => {
    // Appends without fsync: a disk with the header's write but not the
    // data's exists, and recover finds fewer rows than acknowledged.
    const file = new LoggedFile();
    const npy = NpyAppendArraySync.open(file.sync(), { fsync: false });
    npy.append({ data: rows(0, 2), shape: [2, COLS] });
    file.ack(2);
    npy.close();
    assert.throws(() => checkImages(file, 2), /acknowledged/);
  });
});

/** Dask reads the stack `dir` as rows `[i, -i]` for `i` below `rows`. */
function assertDaskReads(dir: string, rows: number): void {
  const out = runPython(
    `
import sys, numpy as np, dask.array as da
n = int(sys.argv[2])
a = da.from_npy_stack(sys.argv[1]).compute()
print("ok" if (a == np.stack([np.arange(n), -np.arange(n)], axis=1)).all() else a)
`,
    [dir, String(rows)],
  );
  assert.equal(out.trim(), "ok");
}

test(
  "a stack info left empty or as zeros by a power cut (fsync: false) is rebuilt from the shards; Dask reads the stack",
  numpyTestOptions(),
  () => {
    for (const zeros of [true, false]) {
      const dir = join(tempDir(), "s");
      const stack = NpyStackWriterSync.open(dir, { shardRows: 2 });
      for (let i = 0; i < 5; i++) stack.append([[i, -i]]);
      stack.close();
      const info = join(dir, "info");
      writeFileSync(info, new Uint8Array(zeros ? statSync(info).size : 0));
      const again = NpyStackWriterSync.open(dir);
      assert.deepEqual(again.shape, [5, 2]);
      again.append([[5, -5]]);
      again.close();
      assertDaskReads(dir, 6);
    }
  },
);

test(
  "a stack's live shard left as zeros by a power cut (fsync: false) is dropped at the next open; the sealed shards go on",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "s");
    const stack = NpyStackWriterSync.open(dir, { shardRows: 4 });
    for (let i = 0; i < 4; i++) stack.append([[i, -i]]);
    stack.close();
    // Its name reached the disk, its header and rows did not.
    writeFileSync(join(dir, "1.npy.part"), new Uint8Array(128 + 2 * 16));
    const again = NpyStackWriterSync.open(dir);
    assert.deepEqual(again.shape, [4, 2]);
    again.append([[4, -4]]);
    again.close();
    assertDaskReads(dir, 5);
  },
);
