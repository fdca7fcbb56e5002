/**
 * Driver of stop21_hold_temp_test.ts, run as root in a mount namespace of
 * its own whose `/tmp` is a fresh tmpfs: fills `/tmp` and `/tmp/big` past
 * `TIDY_FOLDER_BYTES` (so neither is listed at an open), kills children of
 * `_stop21_hold_temp_child.ts` between writing a lock's hold record to its
 * temporary and linking it, and opens again; prints, as JSON, what each
 * killed child left (files whose record names its pid) before and after
 * the next open.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { TIDY_FOLDER_BYTES } from "../src/_lock.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(
  new URL("./_stop21_hold_temp_child.ts", import.meta.url),
);

/** Runs the child; returns its pid and output. */
function child(mode: string, n: number, kind: string, path: string) {
  const r = spawnSync(CHILD[0], [...CHILD[1], mode, String(n), kind, path], {
    encoding: "utf8",
  });
  const pid = Number(/^pid (\d+)$/m.exec(r.stdout)?.[1]);
  return { pid, out: r.stdout + r.stderr, signal: r.signal };
}

/** Files in `dirs` whose record names `pid`. */
function leftBy(pid: number, dirs: string[]): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      try {
        if (!statSync(file).isFile() || name.startsWith("filler")) continue;
        const h = JSON.parse(readFileSync(file, "utf8")) as { pid?: number };
        if (h.pid === pid) found.push(file);
      } catch {
        // not a record
      }
    }
  }
  return found.sort();
}

mkdirSync("/tmp/big");
mkdirSync("/tmp/d");
for (let i = 0; i < 1000; i++) {
  const name = `filler-with-a-long-name-number-${i}`;
  writeFileSync(join("/tmp", name), "");
  writeFileSync(join("/tmp/big", name), "");
}
const big = [statSync("/tmp").size, statSync("/tmp/big").size].every((s) =>
  s > TIDY_FOLDER_BYTES
);
const dirs = ["/tmp", "/tmp/big", "/tmp/d"];
const cases: Array<{
  name: string;
  killed: string;
  before: string[];
  after: string[];
  next: string;
}> = [];
/** Kills `kind` at `path` after write `n`, then opens `next`. */
function run(
  name: string,
  n: number,
  kind: string,
  path: string,
  next: string,
) {
  const k = child("kill", n, kind, path);
  const before = leftBy(k.pid, dirs);
  const again = child("kill", 0, kind, next);
  cases.push({
    name,
    killed: String(k.signal),
    before,
    after: leftBy(k.pid, dirs),
    next: again.out,
  });
}
// A file in a big folder: the next open of that file.
run("file", 1, "file", "/tmp/big/x.npy", "/tmp/big/x.npy");
// A stack's lock by device and inode in /tmp, and its live shard's: the
// next open of another stack (that folder is never locked again).
run("folder in /tmp", 2, "stack", "/tmp/d/s1", "/tmp/d/s2");
run("shard in /tmp", 4, "stack", "/tmp/d/s3", "/tmp/d/s4");
console.log(JSON.stringify({ big, cases }));
