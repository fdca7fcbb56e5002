/**
 * Stop 25 (h3): a process out of file descriptors (`ulimit -n`, a program
 * holding a file per sensor).
 *
 * Found: closing a writer, a stack or a group while every descriptor was
 * taken failed with `EMFILE` on removing its lock (the lock's token was
 * read by opening the lock file again), and the lock stayed: every other
 * process found the file held (`NpyLockedError`) until this one ended,
 * and a second `close()` did nothing. Now a hold is dropped through the
 * descriptor it keeps open (compared by device and inode), no new one.
 *
 * Found: a process whose first lock was tried while it had no descriptor
 * left recorded itself without its start time and thread (the read of
 * `/proc` had failed, and the failure was kept for the process's life):
 * once it was killed and its pid taken by another program, its locks were
 * judged held for good. Now a `/proc` read failing for want of
 * descriptors is kept for nothing, and judges no thread gone.
 *
 * Found: `EMFILE` and `ENFILE` named the file but no fix; now they say
 * to close files or raise the limit (`ulimit -n`).
 *
 * Found (Deno): the second cursors writers keep for their headers (16
 * descriptors at most) made the process's own next open fail with
 * `EMFILE` where Node and Bun, without them, had the descriptors. Now an
 * open failing with `EMFILE` or `ENFILE` closes them first and tries
 * again, and no more are opened in that process.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { RUNTIME, scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop25_fds_child.ts", import.meta.url);

const linuxOnly = process.platform !== "linux"
  ? { skip: "ulimit -n and /dev/null: Linux only here" }
  : {};

/** The child under `ulimit -n 256` (soft and hard: Bun cannot raise it). */
function childArgs(dir: string, kind: string): [string, string[]] {
  const [cmd, args] = scriptCommand(CHILD);
  return ["sh", [
    "-c",
    'ulimit -n 256; exec "$0" "$@"',
    cmd,
    ...args,
    dir,
    kind,
  ]];
}

test(
  "a writer, a stack and a group closed while no descriptor is free drop their locks",
  linuxOnly,
  async () => {
    const dir = tempDir();
    const [sh, args] = childArgs(dir, "close");
    const child = spawn(sh, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => err += d);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (d) => {
          out += d;
          if (out.includes("ready\n")) resolve();
        });
        child.on("exit", () => reject(new Error(`child ended: ${out}${err}`)));
      });
      const lines = out.trim().split("\n");
      assert.deepEqual(
        lines,
        ["close file ok", "close stack ok", "close group ok", "ready"],
        err,
      );
      // The child lives on: its locks must be gone, not held by it.
      const file = NpyAppendArraySync.open(join(dir, "a.npy"));
      assert.deepEqual(file.shape, [20, 2]);
      file.close();
      const stack = NpyStackWriterSync.open(join(dir, "st"), {
        shardRows: 100,
      });
      assert.deepEqual(stack.shape, [20, 2]);
      stack.close();
      const group = NpyGroupWriterSync.open(join(dir, "gr"));
      assert.equal(group.length, 20);
      group.close();
    } finally {
      child.kill("SIGKILL");
    }
  },
);

test(
  "an open out of descriptors gets back the second cursors (Deno), else fails typed and clean",
  linuxOnly,
  () => {
    const dir = tempDir();
    const [sh, args] = childArgs(dir, "open");
    const r = spawnSync(sh, args, { encoding: "utf8", timeout: 120_000 });
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.at(-1), "done", r.stdout + r.stderr);
    if (RUNTIME === "deno") {
      assert.deepEqual(lines, ["open ok", "closed", "done"], r.stderr);
      assert.deepEqual(readNpySync(join(dir, "new.npy")).shape, [1, 2]);
    } else {
      // Node and Bun keep no second cursor: nothing to give back.
      const e = JSON.parse(lines[0]!.replace(/^open err /, ""));
      assert.equal(e.code, "EMFILE", lines[0]);
      assert.match(e.message, /new\.npy.*ulimit -n/);
      assert.ok(!readdirSync(dir).some((f) => f.startsWith("new.npy")));
    }
    for (let k = 0; k < 20; k++) {
      const a = readNpySync(join(dir, `w${k}.npy`));
      assert.deepEqual(a.shape, [20, 2]);
      assert.deepEqual(
        Array.from(a.data as Float64Array).filter((_, j) => j % 2 === 0),
        Array.from({ length: 20 }, (_, i) => i),
      );
    }
    assert.deepEqual(
      readdirSync(dir).filter((f) => !/^(w\d+|new)\.npy$/.test(f)),
      [],
    );
  },
);

/** Starts the child and waits for its `ready`; returns it and its lines. */
async function readyChild(
  dir: string,
  kind: string,
): Promise<{ child: ReturnType<typeof spawn>; lines: string[] }> {
  const [sh, args] = childArgs(dir, kind);
  const child = spawn(sh, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => err += d);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready\n")) resolve();
    });
    child.on("exit", () => reject(new Error(`child ended: ${out}${err}`)));
  });
  return { child, lines: out.trim().split("\n") };
}

test(
  "a lock taken after a spell without descriptors names its holder's start time: taken over once the pid is another program's",
  linuxOnly,
  async () => {
    const dir = tempDir();
    const file = join(dir, "a.npy");
    const { child, lines } = await readyChild(dir, "record");
    // A program that got the killed writer's pid (simulated: the record
    // rewritten to name a live `sleep`).
    const other = spawn("sleep", ["60"]);
    try {
      assert.match(lines[0]!, /^first err .*"code":"EMFILE"/);
      assert.match(lines[0]!, /a\.npy.*ulimit -n/);
      const pid = child.pid!;
      // `sh` execs the runtime: the child's pid is the writer's.
      const locks = [`${file}.lock`, ...lockFilesById(file)];
      for (const lock of locks) {
        const h = JSON.parse(readFileSync(lock, "utf8"));
        assert.equal(h.pid, pid);
        assert.equal(typeof h.start, "number", `${lock}: ${JSON.stringify(h)}`);
      }
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      for (const lock of locks) {
        const text = readFileSync(lock, "utf8");
        writeFileSync(
          lock,
          text.replace(`"pid":${pid},`, `"pid":${other.pid},`),
        );
      }
      const w = NpyAppendArraySync.open(file);
      assert.deepEqual(w.shape, [1, 2]);
      w.close();
    } finally {
      child.kill("SIGKILL");
      other.kill("SIGKILL");
    }
  },
);

/** The locks of `file` by device and inode, in the system's temporary folder. */
function lockFilesById(file: string): string[] {
  const s = statSync(file);
  const tail = `-${s.dev}-${s.ino}.lock`;
  return readdirSync(tmpdir())
    .filter((n) => n.startsWith("npy-append-array-") && n.endsWith(tail))
    .map((n) => join(tmpdir(), n));
}
