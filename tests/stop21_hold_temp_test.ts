/**
 * Stop 21 (h5): a lock taker killed between writing its hold record to a
 * temporary and linking that to the lock left the temporary
 * (`<lock>.<pid>.<token>.new`), removed only by a listing of its folder,
 * which is skipped where the folder is big (`/tmp` on most hosts, a big
 * data folder) and done only at a takeover of that same lock, which never
 * comes (no lock was made; the locks by device and inode in `/tmp` are of
 * files mostly never opened again): 1,865 had piled up in `/tmp` during
 * one CI run. The record's temporary is now made in a slot the next taker
 * tries first (`<lock>.<k>.new`; in `/tmp`, `npy-append-array-hold.<k>.new`
 * shared by all locks there), removing a killed taker's; a live taker's is
 * never touched.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArraySync, NpyStackWriterSync, readNpySync } from "../mod.ts";
import { readNpyStackSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { paused } from "./_hold_temp_paused.ts";
import { scriptCommand } from "./_runtime.ts";

const DRIVER = scriptCommand(
  new URL("./_stop21_hold_temp_ns.ts", import.meta.url),
);
const canUnshare = process.getuid?.() === 0 &&
  spawnSync("unshare", ["-m", "true"]).status === 0;

test(
  "hold-record temporaries of takers killed before the link are gone after the next open, where the folder is too big to list",
  { skip: canUnshare ? undefined : "needs root and unshare", timeout: 300_000 },
  () => {
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const r = spawnSync("unshare", [
      "-m",
      "sh",
      "-c",
      `mount -t tmpfs tmpfs /tmp && exec ${
        [DRIVER[0], ...DRIVER[1]].map(quote).join(" ")
      }`,
    ], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
      big: boolean;
      cases: Array<{
        name: string;
        killed: string;
        before: string[];
        after: string[];
        next: string;
      }>;
    };
    assert.ok(got.big, "folders past TIDY_FOLDER_BYTES");
    for (const c of got.cases) {
      assert.equal(c.killed, "SIGKILL", c.name);
      // Killed between the write and the link: one temporary (and the
      // locks taken before it, which stay: their files are not opened).
      const temps = (files: string[]) =>
        files.filter((f) => f.endsWith(".new"));
      // (And its slot, a symlink naming it.)
      assert.ok(temps(c.before).length >= 1, `${c.name}: ${c.before}`);
      assert.match(c.next, /appended/, `${c.name}: ${c.next}`);
      assert.deepEqual(
        temps(c.after),
        [],
        `${c.name}: left after the next open`,
      );
    }
  },
);

/** Files in `dir` whose name ends in `.new` and whose record names `pid`. */
function tempsOf(pid: number, dir: string): string[] {
  return readdirSync(dir).filter((n) => {
    if (!n.endsWith(".new")) return false;
    try {
      return (JSON.parse(readFileSync(join(dir, n), "utf8")) as { pid: number })
        .pid === pid;
    } catch {
      return false;
    }
  });
}

test(
  "a live taker's hold-record temporary is left alone by the next takers (slot passed over, folder listed)",
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    // Beside a file: the child paused before linking x.npy.lock; this
    // process takes that lock meanwhile (the child's slot is busy).
    const file = join(dir, "x.npy");
    const a = await paused(1, "file", file);
    const mine = tempsOf(a.pid, dir);
    assert.ok(mine.length >= 1, readdirSync(dir).join(" "));
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([9]));
    w.close();
    assert.deepEqual(tempsOf(a.pid, dir), mine, "the live taker's stays");
    writeFileSync(`${file}.go`, "");
    assert.match(await a.done, /appended/);
    assert.deepEqual([...readNpySync(file).data as Float64Array], [9, 1, 2, 3]);
    // In /tmp: the child paused before linking its stack's lock by device
    // and inode; this process opens other stacks (their locks there too).
    const s = join(dir, "s");
    const b = await paused(2, "stack", s);
    const pool = tempsOf(b.pid, "/tmp");
    assert.ok(pool.length >= 1, "the paused taker's temporary in /tmp");
    for (const other of ["t", "u"]) {
      const o = NpyStackWriterSync.open(join(dir, other), { shardRows: 2 });
      o.append(new Float64Array([7]));
      o.close();
    }
    assert.deepEqual(tempsOf(b.pid, "/tmp"), pool, "the live taker's stays");
    writeFileSync(`${s}.go`, "");
    assert.match(await b.done, /appended/);
    assert.deepEqual([...readNpyStackSync(s).data as Float64Array], [1, 2, 3]);
    for (const f of pool) assert.equal(existsSync(join("/tmp", f)), false);
  },
);
