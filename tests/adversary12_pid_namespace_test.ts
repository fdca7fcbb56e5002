/**
 * Adversary round 12: writers in different pid namespaces on one host (a
 * container sharing a folder with the host, `unshare -p`). A lock records
 * its holder's pid and start time; from another pid namespace that pid
 * names another process or none, so the lock was judged stale and taken
 * over while its holder was still writing: a writer in a container (pid
 * 1 there) lost its lock to a host writer, which then appended to the
 * same file (and a host writer's lock to a container writer, which sees
 * no such pid). A lock now records its holder's pid namespace; a holder
 * in another one is judged as one on another host: held, refused with
 * `NpyLockedError`, never taken over.
 *
 * Needs Linux, root and `unshare` (util-linux); skipped otherwise.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  NpyAppendArraySync,
  NpyLockedError,
  NpyStackWriterSync,
  recoverSync,
} from "../mod.ts";
import process from "node:process";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";
import { holdInChild, LOCK_CHILD, otherRuntime } from "./_lock_holder.ts";

const UNSHARE = ["-p", "-f", "--mount-proc"];

/** Why pid namespaces cannot be made here, or `undefined`. */
function noNamespaces(): string | undefined {
  if (process.platform !== "linux") return "Linux only";
  const r = spawnSync("unshare", [...UNSHARE, "true"]);
  return r.status === 0 ? undefined : "unshare -p needs root and util-linux";
}
const skip = noNamespaces();

/** A command run in a new pid namespace. */
function inNamespace(cmd: [string, string[]]): [string, string[]] {
  return ["unshare", [...UNSHARE, cmd[0], ...cmd[1]]];
}

function locked(e: unknown): boolean {
  assert.ok(e instanceof NpyLockedError, String(e));
  assert.match(e.message, /pid namespace/);
  return true;
}

for (const who of ["same runtime", "other runtime"] as const) {
  test(
    `a writer in another pid namespace (${who}) keeps its lock against this one`,
    { skip, timeout: 120_000 },
    async () => {
      const path = join(tempDir(), "ns.npy");
      const cmd = who === "same runtime"
        ? scriptCommand(LOCK_CHILD)
        : otherRuntime().cmd;
      const holder = await holdInChild(inNamespace(cmd), path);
      try {
        const before = readFileSync(path);
        assert.throws(() => NpyAppendArraySync.open(path), locked);
        assert.throws(() => recoverSync(path), locked);
        assert.throws(
          () => ensureAppendableSync(path, { inplace: true }),
          locked,
        );
        assert.deepEqual(readFileSync(path), before);
      } finally {
        await holder.kill();
      }
    },
  );
}

test("a writer in a new pid namespace is refused a file this namespace holds", {
  skip,
}, async () => {
  const path = join(tempDir(), "host.npy");
  const holder = await holdInChild(scriptCommand(LOCK_CHILD), path);
  try {
    const before = readFileSync(path);
    const [exe, args] = inNamespace(scriptCommand(LOCK_CHILD));
    const r = spawnSync(exe, [...args, "try", path], { encoding: "utf8" });
    assert.match(r.stdout, /^NpyLockedError: /, r.stdout + r.stderr);
    assert.deepEqual(readFileSync(path), before);
  } finally {
    await holder.kill();
  }
});

test(
  "a stack's folder lock taken in another pid namespace is held, not stale",
  {
    skip,
  },
  () => {
    // A record as a writer in a container writes it: pid 1 there, which is
    // this namespace's init (alive, another start time).
    const dir = join(tempDir(), "st");
    const own = readFileSync("/proc/self/stat", "utf8");
    const start = Number(own.slice(own.lastIndexOf(")") + 2).split(" ")[19]);
    const record = (ns: string) =>
      JSON.stringify({
        pid: 1,
        start: start + 1,
        thread: 1,
        threadStart: start + 1,
        host: readFileSync("/proc/sys/kernel/hostname", "utf8").trim(),
        runtime: "deno",
        token: "0123456789abcdef",
        path: dir,
        pidns: ns,
        since: new Date().toISOString(),
      });
    const lock = `${dir}.lock`;
    const text = record("1-4026599999");
    writeFileSync(lock, text);
    assert.throws(() => NpyStackWriterSync.open(dir, { shardRows: 2 }), locked);
    assert.equal(readFileSync(lock, "utf8"), text);
  },
);
