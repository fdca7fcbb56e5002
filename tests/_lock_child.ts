/**
 * Child process for `tests/lock_test.ts`, run under any runtime (Deno,
 * Node on the npm build, Bun):
 *
 * - `hold PATH`: opens a writer, appends one row `[7, 7]`, prints `ready`
 *   and waits to be killed;
 * - `forget PATH`: opens a writer, appends one row `[7, 7]` and exits
 *   without closing it;
 * - `twice PATH`: opens a writer, then a second one; prints the second
 *   one's error;
 * - `try PATH`: opens a writer and closes it; prints `opened`, or the
 *   error's name and message;
 * - `race PATH ID ROUNDS ROWS`: ROUNDS times opens a writer (retrying while
 *   another holds the lock), appends ROWS rows `[ID, seq]` one by one and
 *   closes; prints `acked N` with the number of appends that returned.
 *   It first prints `waiting` and starts once the file `PATH.go` exists,
 *   so that racers start together;
 * - `churn PATH`: prints `ready`, then takes and drops the lock of PATH in
 *   a loop until it is killed;
 * - `killat PATH N`: counts the calls of `node:fs` that change files
 *   (open, write, link, unlink, rename, close) and SIGKILLs itself right
 *   after the Nth, while taking and dropping the lock of PATH twice;
 *   prints `done` if it got through;
 * - `probe PATH`: calls every entry point that opens a target on PATH (a
 *   FIFO or a folder in the tests) and prints one line per call: its name
 *   and the error's class and message (or `ok`). It must end at once;
 * - `swap PATH KIND`: a reader (KIND `fifo-reader`, `dir-reader`) or a
 *   writer (`fifo-writer`) on PATH makes 600 calls at scattered positions,
 *   then PATH is renamed to `PATH.old` and a FIFO or a folder takes its
 *   name, then 1100 more calls (past the Deno backend's move to `node:fs`
 *   after 1024); prints `rows N` with the rows read or written, which must
 *   be those of the file (`PATH.old`). It must end at once.
 *
 * @module
 */

import process from "node:process";
import { killAfterFileCall } from "./_kill_at.ts";
import { acquireLock } from "../src/_lock.ts";
import {
  ensureAppendable,
  ensureAppendableSync,
  isAppendable,
  isAppendableSync,
  needsRecovery,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  NpyReader,
  readNpy,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";

const [mode, path, idText, roundsText, rowsText] = process.argv.slice(2);

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

if (mode === "hold") {
  const npy = NpyAppendArraySync.open(path!);
  npy.append({ data: new Float64Array([7, 7]), shape: [1, 2] });
  console.log("ready");
  setInterval(() => {}, 1000);
} else if (mode === "forget") {
  const npy = NpyAppendArraySync.open(path!);
  npy.append({ data: new Float64Array([7, 7]), shape: [1, 2] });
  process.exit(0);
} else if (mode === "twice") {
  const first = NpyAppendArraySync.open(path!);
  try {
    NpyAppendArraySync.open(path!).close();
    console.log("opened");
  } catch (e) {
    console.log(`${(e as Error).name}: ${(e as Error).message}`);
  }
  first.close();
} else if (mode === "try") {
  try {
    NpyAppendArraySync.open(path!).close();
    console.log("opened");
  } catch (e) {
    console.log(`${(e as Error).name}: ${(e as Error).message}`);
  }
} else if (mode === "race") {
  const id = Number(idText);
  const rounds = Number(roundsText);
  const rows = Number(rowsText);
  let acked = 0;
  let refused = 0;
  console.log("waiting");
  const { existsSync } = await import("node:fs");
  while (!existsSync(`${path}.go`)) sleep(1);
  for (let r = 0; r < rounds; r++) {
    let npy: NpyAppendArraySync | undefined;
    const deadline = Date.now() + 60_000;
    while (npy === undefined) {
      try {
        npy = NpyAppendArraySync.open(path!);
      } catch (e) {
        if (!(e instanceof NpyLockedError) || Date.now() > deadline) throw e;
        refused++;
        sleep(1);
      }
    }
    for (let i = 0; i < rows; i++) {
      npy.append({ data: new Float64Array([id, acked]), shape: [1, 2] });
      acked++;
    }
    npy.close();
  }
  console.log(`acked ${acked} refused ${refused}`);
}

if (mode === "churn") {
  console.log("ready");
  for (;;) acquireLock(path!, "open").release();
}

if (mode === "killat") {
  killAfterFileCall(Number(idText), [
    "openSync",
    "writeSync",
    "linkSync",
    "unlinkSync",
    "renameSync",
    "closeSync",
  ]);
  acquireLock(path!, "open").release();
  acquireLock(path!, "open").release();
  console.log("done");
}

if (mode === "probe") {
  const p = path!;
  const calls: [string, () => unknown][] = [
    ["readNpy", () => readNpy(p)],
    ["readNpySync", () => readNpySync(p)],
    ["NpyReader.open", () => NpyReader.open(p)],
    ["NpyReader.openSync", () => NpyReader.openSync(p)],
    ["isAppendable", () => isAppendable(p)],
    ["isAppendableSync", () => isAppendableSync(p)],
    ["needsRecovery", () => needsRecovery(p)],
    ["recover", () => recover(p)],
    ["recoverSync", () => recoverSync(p)],
    ["ensureAppendable", () => ensureAppendable(p)],
    ["ensureAppendableSync", () => ensureAppendableSync(p, { inplace: true })],
    ["NpyAppendArray.open", () => NpyAppendArray.open(p)],
    ["NpyAppendArraySync.open", () => NpyAppendArraySync.open(p)],
    [
      "deleteIfExists",
      () => NpyAppendArraySync.open(p, { deleteIfExists: true }),
    ],
  ];
  for (const [name, call] of calls) {
    try {
      await call();
      console.log(`${name}: ok`);
    } catch (e) {
      console.log(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
}

if (mode === "swap") {
  const p = path!;
  const kind = idText!;
  const { renameSync, mkdirSync } = await import("node:fs");
  const { spawnSync } = await import("node:child_process");
  const swap = () => {
    renameSync(p, `${p}.old`);
    if (kind === "dir-reader") mkdirSync(p);
    else spawnSync("mkfifo", [p]);
  };
  let rows = 0;
  if (kind === "fifo-writer") {
    const w = NpyAppendArraySync.open(p);
    for (; rows < 1700; rows++) {
      if (rows === 600) swap();
      w.append({ data: new Float64Array([rows, -rows]), shape: [1, 2] });
    }
    w.close();
  } else {
    const r = NpyReader.openSync(p);
    for (let i = 0; i < 1700; i++) {
      if (i === 600) swap();
      const at = (i * 7) % r.length;
      const got = r.readSync(at, at + 1).data as Float64Array;
      if (got[0] !== at || got[1] !== -at) throw new Error(`row ${at}: ${got}`);
      rows++;
    }
    r.closeSync();
  }
  console.log(`rows ${rows}`);
}
