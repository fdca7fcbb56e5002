/**
 * Child process for `tests/stop26_races_test.ts`, run under any runtime:
 *
 * - `race NAME ID ROUNDS ROWS ACKS`: reaches one file by the name NAME
 *   (`rel:DIR:FILE`: `chdir(DIR)` then the relative FILE; `fd:PATH`: the
 *   file opened by `node:fs`, then `/proc/self/fd/<n>`; anything else: the
 *   path as given). It prints `waiting`, starts once `ACKS.go` exists, then
 *   ROUNDS times opens a writer (retrying while another holds the file,
 *   running `recoverSync` when the file asks for it), appends ROWS rows
 *   `[ID, seq]` one by one, writing `seq` to the file ACKS after each
 *   append returned, and closes. Prints `done acked N refused M`. An
 *   optional 6th argument: ms to sleep after each append.
 * - `hold PATH ROWS`: opens a writer, appends ROWS rows `[-1, seq]`, prints
 *   `ready`, then each time the file `PATH.more` appears appends one more row
 *   (printing `more`), and closes (printing `closed`) once `PATH.close`
 *   exists.
 * - `try PATH`: opens a writer and closes it; prints `opened` or the
 *   error's name and message.
 *
 * @module
 */

import process from "node:process";
import { appendFileSync, existsSync, openSync, rmSync } from "node:fs";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyLockedError,
  recoverSync,
} from "../mod.ts";

const [mode, name, a, b, c, acks, pause] = process.argv.slice(2);

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The name this racer uses for the file. */
function reach(spec: string): string {
  if (spec.startsWith("rel:")) {
    const [, dir, file] = spec.split(":");
    process.chdir(dir!);
    return file!;
  }
  if (spec.startsWith("fd:")) {
    const fd = openSync(spec.slice(3), "r+");
    return `/proc/self/fd/${fd}`;
  }
  return spec;
}

/** The race loop (see the module text), for ROUNDS rounds of ROWS rows. */
function race(
  path: string,
  id: number,
  rounds: number,
  rows: number,
  acks: string,
): string {
  let acked = 0;
  let refused = 0;
  for (let r = 0; r < rounds; r++) {
    let npy: NpyAppendArraySync | undefined;
    const deadline = Date.now() + 60_000;
    while (npy === undefined) {
      try {
        npy = NpyAppendArraySync.open(path);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        if (e instanceof NpyFormatError && e.code === "needs-recovery") {
          try {
            recoverSync(path);
          } catch (e2) {
            if (!(e2 instanceof NpyLockedError)) throw e2;
          }
        } else if (!(e instanceof NpyLockedError)) throw e;
        refused++;
        sleep(1 + Math.floor(Math.random() * 3));
      }
    }
    for (let i = 0; i < rows; i++) {
      npy.append({ data: new Float64Array([id, acked]), shape: [1, 2] });
      appendFileSync(acks, `${acked}\n`);
      acked++;
      if (pause !== undefined) sleep(Number(pause));
    }
    npy.close();
  }
  return `done acked ${acked} refused ${refused}`;
}

if (mode === "race") {
  console.log("waiting");
  while (!existsSync(`${acks}.go`)) sleep(1);
  console.log(race(reach(name!), Number(a), Number(b), Number(c), acks!));
} else if (mode === "hold") {
  const path = name!;
  const npy = NpyAppendArraySync.open(path);
  let seq = 0;
  for (; seq < Number(a); seq++) {
    npy.append({ data: new Float64Array([-1, seq]), shape: [1, 2] });
  }
  console.log("ready");
  for (;;) {
    if (existsSync(`${path}.more`)) {
      rmSync(`${path}.more`);
      npy.append({ data: new Float64Array([-1, seq++]), shape: [1, 2] });
      console.log("more");
    }
    if (existsSync(`${path}.close`)) break;
    sleep(5);
  }
  npy.close();
  console.log("closed");
} else if (mode === "try") {
  try {
    NpyAppendArraySync.open(name!).close();
    console.log("opened");
  } catch (e) {
    console.log(`${(e as Error).name}: ${(e as Error).message}`);
  }
}
