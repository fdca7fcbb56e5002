/**
 * Child process of `stop27_races_test.ts`, run under any runtime (Deno,
 * Bun, Node on the npm build):
 *
 * - `write KIND PATH ID ROUNDS ROWS ACKS`: KIND `file`, `stack` or `group`.
 *   Prints `waiting`, starts once `PATH.go` exists, then ROUNDS times opens
 *   a writer of PATH (waiting out `NpyLockedError`, running the recovery
 *   a file asks for), appends ROWS rows one by one, writing `seq` to the
 *   file ACKS after each append returned, and closes. A row is the pair
 *   `[ID + 1, seq + 1]` (a file: one row of two `<i4`; a stack: the two as
 *   one `<i4` row of two; a group: members `a` = ID + 1 and `b` = seq + 1).
 *   Prints `done acked N`.
 * - `read KIND PATH OUT [killed]`: until `PATH.stop` exists, reads PATH whole (a
 *   reader opened anew each time; `notyet` while nothing is there) and
 *   checks that what it read is a consistent prefix: every row a pair of
 *   a racer and its next sequence number (each racer's rows in order, no
 *   gap, none twice, no zero). Writes the first fault to OUT and exits 1;
 *   prints `reads N` at the end. With `killed` (writers are SIGKILLed), an
 *   `NpyFormatError` is read again: a killed writer's file or folder may
 *   need recovery until the next writer has made it; so is a shard gone
 *   (`ENOENT`), which a group's trim of a member stack removes.
 * - `dump KIND PATH`: prints the pairs read as JSON.
 *
 * @module
 */

import process from "node:process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyReader,
  NpyStackReader,
  NpyStackWriterSync,
  recoverSync,
} from "../mod.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const argv = deno ? deno.args : process.argv.slice(2);
const [mode, kind, path] = argv;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Writer {
  add(id: number, seq: number): void;
  close(): void;
}

function open(): Writer {
  if (kind === "file") {
    const w = NpyAppendArraySync.open(path!, { dtype: "<i4" });
    return {
      add: (id, seq) =>
        w.append({ data: Int32Array.of(id + 1, seq + 1), shape: [1, 2] }),
      close: () => w.close(),
    };
  }
  if (kind === "stack") {
    const w = NpyStackWriterSync.open(path!, { shardRows: 3, dtype: "<i4" });
    return {
      add: (id, seq) =>
        w.append({ data: Int32Array.of(id + 1, seq + 1), shape: [1, 2] }),
      close: () => w.close(),
    };
  }
  const w = NpyGroupWriterSync.open(path!, {
    members: { a: "<i4", b: "<i4" },
    shardRows: 3,
  });
  return {
    add: (id, seq) =>
      w.append({ a: Int32Array.of(id + 1), b: Int32Array.of(seq + 1) }),
    close: () => w.close(),
  };
}

function write(id: number, rounds: number, rows: number, acks: string) {
  console.log("waiting");
  while (!existsSync(`${path}.go`)) sleep(2);
  let acked = 0;
  for (let r = 0; r < rounds; r++) {
    let w: Writer | undefined;
    const deadline = Date.now() + 120_000;
    while (w === undefined) {
      try {
        w = open();
      } catch (e) {
        if (Date.now() > deadline) throw e;
        if (e instanceof NpyFormatError && e.code === "needs-recovery") {
          try {
            recoverSync(path!);
          } catch (e2) {
            if (!(e2 instanceof NpyLockedError)) throw e2;
          }
        } else if (!(e instanceof NpyLockedError)) throw e;
        sleep(1 + Math.floor(Math.random() * 3));
      }
    }
    for (let i = 0; i < rows; i++) {
      w.add(id, acked);
      appendFileSync(acks, `${acked}\n`);
      acked++;
    }
    w.close();
  }
  console.log(`done acked ${acked}`);
}

/**
 * What a reader started before the first writer made anything says (no
 * file, folder or group yet, or a file still empty): read again.
 */
const NOT_YET =
  /ENOENT|NotFound|no such|only 0 bytes|does not exist|no shard yet|no group\.json/i;

/** Whether a read succeeded once: from then on, any failure is a fault. */
let readOnce = false;

/** The pairs at `path` now, or `null` while nothing is there. */
function pairs(): [number, number][] | null {
  const out: [number, number][] = [];
  try {
    if (kind === "group") {
      const g = NpyGroupReader.openSync(path!);
      try {
        const { a, b } = g.readSync();
        if (a!.data.length !== b!.data.length) {
          throw new Error(`members a ${a!.data.length} b ${b!.data.length}`);
        }
        for (let i = 0; i < a!.data.length; i++) {
          out.push([Number(a!.data[i]), Number(b!.data[i])]);
        }
      } finally {
        g.closeSync();
      }
      return out;
    }
    const r = kind === "file"
      ? NpyReader.openSync(path!)
      : NpyStackReader.openSync(path!);
    try {
      const all = r.readSync();
      for (let i = 0; i < all.data.length; i += 2) {
        out.push([Number(all.data[i]), Number(all.data[i + 1])]);
      }
    } finally {
      r.closeSync();
    }
    return out;
  } catch (e) {
    const s = String(e);
    if (!readOnce && NOT_YET.test(s)) return null;
    throw e;
  }
}

function read(outFile: string) {
  let reads = 0;
  while (!existsSync(`${path}.stop`)) {
    let got: [number, number][] | null;
    try {
      got = pairs();
    } catch (e) {
      // A group's trim of a killed writer's rows (the member stacks cut
      // back: `info` first, then the extra shards removed) may also remove
      // a shard this read had listed: read again (DECISIONS, stop 27).
      if (
        argv[4] === "killed" &&
        (e instanceof NpyFormatError || /\bENOENT\b/.test(String(e)))
      ) continue;
      writeFileSync(
        outFile,
        `read error: ${(e as Error).name}: ${(e as Error).message}`,
      );
      process.exit(1);
    }
    if (got === null) continue;
    readOnce = true;
    reads++;
    const next = new Map<number, number>();
    for (const [i, [id, seq]] of got.entries()) {
      const want = (next.get(id) ?? 0) + 1;
      if (id < 1 || seq !== want) {
        writeFileSync(
          outFile,
          `row ${i} of ${got.length}: [${id}, ${seq}], expected seq ${want}`,
        );
        process.exit(1);
      }
      next.set(id, seq);
    }
  }
  console.log(`reads ${reads}`);
}

if (mode === "write") {
  write(Number(argv[3]), Number(argv[4]), Number(argv[5]), argv[6]!);
} else if (mode === "dump") {
  console.log(JSON.stringify(pairs()));
} else if (mode === "read") {
  read(argv[3]!);
}
