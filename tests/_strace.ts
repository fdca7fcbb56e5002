/**
 * Test helper: the system calls of a child process, traced by `strace`
 * (`-f -y`: every thread, each descriptor with its path). Linux only; CI
 * installs strace (`.ci/run`), elsewhere the tests that need it skip.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

/** `node:test` options: skip without strace, except in CI. */
export const straceOptions: { skip?: string } =
  spawnSync("strace", ["-V"]).status === 0 || process.env.CI
    ? {}
    : { skip: "strace is not installed" };

/**
 * Runs the script `child` with `args` under strace, tracing `calls`, and
 * returns its log's lines without process ids, a call that two threads
 * split (`<unfinished ...>`, `<... resumed>`) joined into one line.
 */
export function straceLines(
  child: URL,
  args: string[],
  calls: string[],
): string[] {
  const log = join(tempDir(), "strace.log");
  const [cmd, cmdArgs] = scriptCommand(child);
  const r = spawnSync("strace", [
    "-f",
    "-y",
    "-qq",
    "-s",
    "8",
    "-e",
    `trace=${calls.join(",")}`,
    "-o",
    log,
    cmd,
    ...cmdArgs,
    ...args,
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const open = new Map<string, string>();
  const out: string[] = [];
  for (const line of readFileSync(log, "utf8").split("\n")) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    if (rest.endsWith("<unfinished ...>")) {
      open.set(pid, rest.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed !== null) {
      out.push((open.get(pid) ?? "") + resumed[1]);
      open.delete(pid);
      continue;
    }
    out.push(rest);
  }
  return out;
}

/**
 * Runs the script `child` with `args` under strace, making the `when`th
 * call among `calls` on one of `paths` (a descriptor counts by its path)
 * fail with `error`, as a failing disk would, or return `retval` without
 * running.
 *
 * @returns The child's standard output.
 */
export function straceFailing(
  child: URL,
  args: string[],
  fault: {
    paths: string[];
    calls: string[];
    /** The error the call fails with (`"EIO"`) ... */
    error?: string;
    /** ... or the value it returns instead of running (`0`). */
    retval?: number;
    when: number;
  },
): string {
  const [cmd, cmdArgs] = scriptCommand(child);
  const calls = fault.calls.join(",");
  const r = spawnSync("strace", [
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    ...fault.paths.flatMap((p) => ["-P", p]),
    "-e",
    `trace=${calls}`,
    "-e",
    `inject=${calls}:${
      fault.retval === undefined
        ? `error=${fault.error}`
        : `retval=${fault.retval}`
    }:when=${fault.when}`,
    cmd,
    ...cmdArgs,
    ...args,
  ], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
