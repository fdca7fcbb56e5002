/**
 * Adversary round 5: SIGKILL after every file call, in turn, of a writer
 * taking its lock, appending and closing, in a small folder and in one
 * whose entries take more than `TIDY_FOLDER_BYTES` (where taking a lock
 * does not list it), fresh and over a stale lock (and guard) of a dead
 * process. After each kill the next writer opens at once (no lock blocks),
 * `recover` leaves no lock file, guard or temporary (a guard claimed aside
 * by a taker killed before removing it stayed for good), and acknowledged
 * rows are there.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { killPoints } from "./_kill_at.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { TIDY_FOLDER_BYTES } from "../src/_lock.ts";

const SLOW = { timeout: 600_000 };
const CHILD = scriptCommand(new URL("./_adversary5_child.ts", import.meta.url));
const FILLER = "f".repeat(60);

function killAt(n: number, path: string): { acked: boolean; through: boolean } {
  const r = spawnSync(CHILD[0], [...CHILD[1], String(n), path], {
    encoding: "utf8",
  });
  const through = r.stdout.includes("exit 0");
  if (!through) assert.equal(r.signal, "SIGKILL", r.stderr);
  return { acked: r.stdout.includes("ack 2"), through };
}

function folder(big: boolean): string {
  const dir = join(tempDir(), "d");
  mkdirSync(dir);
  if (big) {
    for (let i = 0; i < 400; i++) writeFileSync(join(dir, `${FILLER}${i}`), "");
    assert.ok(statSync(dir).size > TIDY_FOLDER_BYTES);
  }
  return dir;
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith(FILLER)).sort();
}

describe("adversary 5: kills around taking a lock", () => {
  const deadPid = spawnSync(process.execPath, ["--version"]).pid!;
  const stale = JSON.stringify({ pid: deadPid, host: hostname(), token: "s" });
  for (const big of [false, true]) {
    for (const start of ["fresh", "stale lock", "stale lock and guard"]) {
      test(
        `${
          big ? "large" : "small"
        } folder, ${start}: the next writer opens at once, recover leaves no lock or temporary`,
        SLOW,
        () => {
          for (const n of killPoints(1, 200)) {
            const dir = folder(big);
            const path = join(dir, "x.npy");
            const first = NpyAppendArraySync.open(path);
            first.append(new Int32Array([1, 2]));
            first.close();
            if (start !== "fresh") writeFileSync(`${path}.lock`, stale);
            if (start === "stale lock and guard") {
              writeFileSync(`${path}.lock.takeover`, stale);
            }
            const { acked, through } = killAt(n, path);
            const label = `killed after call ${n}: ${leftovers(dir)}`;
            let w: NpyAppendArraySync;
            try {
              w = NpyAppendArraySync.open(path);
            } catch (e) {
              assert.ok(!(e instanceof NpyLockedError), `${label}: ${e}`);
              recoverSync(path);
              w = NpyAppendArraySync.open(path);
            }
            w.close();
            recoverSync(path);
            assert.deepEqual(leftovers(dir), ["x.npy"], label);
            if (acked) {
              const got = [...readNpySync(path).data as Int32Array];
              assert.deepEqual(got.slice(0, 4), [1, 2, 7, 8], label);
            }
            if (through) return;
          }
          throw new Error("the child never got through");
        },
      );
    }
  }
});
