/**
 * Adversary 12f: round 12 made a lock record its holder's pid namespace,
 * so that a holder in another one (a container, `unshare -p`) is held and
 * never taken over. But a namespace unknown on this side counts as this
 * one, and Deno can tell its own only with `--allow-all` (`/proc` needs
 * it), while it tells whether a pid lives with `--allow-run` alone. So a
 * Deno writer run with `-R -W --allow-run --allow-sys` judged a container
 * writer's pid in its own namespace: no such pid there, "stale", and took
 * the live lock over. Now a record naming a pid namespace, judged by a
 * process that cannot tell its own, is "unknown": refused with
 * `NpyLockedError` saying to run with `-A`, never taken over. Records
 * without a namespace (older versions), and those of this namespace, are
 * judged as before: a dead holder's lock is taken over.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArraySync, NpyLockedError } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { sourcePath } from "./_runtime.ts";

const LOCK_CHILD = new URL("./_lock_child.ts", import.meta.url);
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
const linux = process.platform === "linux";

/** A pid that named a process of this namespace, now gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["--version"]);
  assert.equal(r.status, 0);
  return r.pid!;
}

/** This process's pid namespace as locks record it, `<dev>-<ino>`. */
function myNamespace(): string {
  const s = statSync("/proc/self/ns/pid");
  return `${s.dev}-${s.ino}`;
}

/** A lock record of `pid`, as a writer of `path` writes it. */
function record(path: string, pid: number, pidns: unknown): string {
  return JSON.stringify({
    pid,
    start: 12345,
    thread: pid,
    threadStart: 12345,
    host: readFileSync("/proc/sys/kernel/hostname", "utf8").trim(),
    runtime: "node",
    token: "0123456789abcdef",
    path,
    ...(pidns === undefined ? {} : { pidns }),
    since: new Date().toISOString(),
  });
}

/** A file of one row, and its lock holding `text`. */
function lockedFile(text: (path: string) => string): {
  path: string;
  lock: string;
  text: string;
  bytes: Uint8Array;
} {
  const path = join(tempDir(), "x.npy");
  {
    using w = NpyAppendArraySync.open(path);
    w.append(new Float64Array([1, 2]));
  }
  const lock = `${path}.lock`;
  const t = text(path);
  writeFileSync(lock, t);
  return { path, lock, text: t, bytes: readFileSync(path) };
}

/** Deno, this one or (under Bun and Node) Deno from npm. */
const DENO: string[] = deno === undefined
  ? ["npx", "-y", "deno@2.9.6"]
  : [deno.execPath()];

test(
  "Deno without -A (its namespace unknown) does not take over a lock of another namespace",
  { skip: !linux, timeout: 120_000 },
  () => {
    const f = lockedFile((p) => record(p, deadPid(), "4-4026599999"));
    for (
      const flags of [
        ["-R", "-W", "--allow-run", "--allow-sys", "--allow-env"],
        ["-R", "-W", "--allow-run", "--allow-env"],
      ]
    ) {
      const r = spawnSync(
        DENO[0]!,
        [
          ...DENO.slice(1),
          "run",
          ...flags,
          sourcePath(LOCK_CHILD),
          "try",
          f.path,
        ],
        { encoding: "utf8" },
      );
      assert.match(r.stdout, /^NpyLockedError: /, r.stdout + r.stderr);
      assert.match(r.stdout, /pid namespace.*-A/, r.stdout);
      assert.deepEqual(readFileSync(f.path), f.bytes);
      assert.equal(readFileSync(f.lock, "utf8"), f.text);
    }
  },
);

for (
  const [what, pidns] of [
    ["no pidns (an older version)", undefined],
    ["this namespace", "mine"],
    ["a pidns that is not a string (42)", 42],
    ["a null pidns", null],
    ["an empty pidns", ""],
  ] as const
) {
  test(
    `a dead holder's lock with ${what} on this host is taken over`,
    { skip: !linux },
    () => {
      const f = lockedFile((p) =>
        record(p, deadPid(), pidns === "mine" ? myNamespace() : pidns)
      );
      {
        using w = NpyAppendArraySync.open(f.path);
        w.append(new Float64Array([3]));
      }
      assert.equal(readFileSync(f.path).length, f.bytes.length + 8);
      assert.throws(() => readFileSync(f.lock), /ENOENT/);
    },
  );
}

test(
  "pid reuse in this namespace: a live pid with another start time is taken over",
  { skip: !linux },
  () => {
    // pid 1 lives; a record with another start time is a reused pid.
    const own = readFileSync("/proc/1/stat", "utf8");
    const start = Number(own.slice(own.lastIndexOf(")") + 2).split(" ")[19]);
    const f = lockedFile((p) =>
      record(p, 1, myNamespace()).replace(
        '"start":12345',
        `"start":${start + 1}`,
      )
    );
    {
      using w = NpyAppendArraySync.open(f.path);
      w.append(new Float64Array([3]));
    }
    assert.equal(readFileSync(f.path).length, f.bytes.length + 8);
  },
);

test(
  "a garbage pidns string is another namespace: held, refused, the lock kept",
  { skip: !linux },
  () => {
    const f = lockedFile((p) => record(p, deadPid(), "garbage"));
    assert.throws(() => NpyAppendArraySync.open(f.path), (e: unknown) => {
      assert.ok(e instanceof NpyLockedError, String(e));
      assert.match(e.message, /pid namespace/);
      return true;
    });
    assert.equal(readFileSync(f.lock, "utf8"), f.text);
  },
);
