/**
 * This process and others as lock files record them: pid, start times,
 * thread, host, runtime; whether a recorded process or thread is alive;
 * whether Deno grants a permission without asking.
 *
 * @module
 */

import { pathFs } from "./_path_fs.ts";

/** This process, as a lock file records it. */
export interface ProcessInfo {
  /** The process id. */
  pid: number;
  /**
   * When the process started, in clock ticks since boot (Linux: field 22
   * of `/proc/<pid>/stat`); `null` where unknown.
   */
  start: number | null;
  /**
   * The thread that runs this code (Linux: its id, the main thread's
   * being the pid; a worker's differs), or `null` where unknown.
   */
  thread: number | null;
  /** That thread's start time (as `start`), or `null`. */
  threadStart: number | null;
  /** The host name. */
  host: string;
  /** `"deno"`, `"bun"` or `"node"`. */
  runtime: string;
}

interface ProcessLike {
  pid: number;
  kill(pid: number, signal: number): void;
  versions?: { bun?: string };
  getBuiltinModule?: (name: string) => unknown;
}

function proc(): ProcessLike {
  return (globalThis as { process?: ProcessLike }).process!;
}

/**
 * The start time of process `pid` (Linux), to tell a live holder from a
 * new process that reuses its pid; `null` where unknown.
 *
 * @param pid The process id.
 * @returns Clock ticks since boot, or `null`.
 */
export function processStart(pid: number): number | null {
  return procStat(pid)?.start ?? null;
}

/**
 * Id, state and start time from `/proc/<of>/stat` (`of` a pid, a
 * `<pid>/task/<tid>` or `thread-self`); `null` where unknown, and where
 * `/proc` is another pid namespace's ({@linkcode procIsOurs}).
 */
function procStat(
  of: number | string,
): { id: number; state: string; start: number | null } | null {
  return procIsOurs() ? readProcStat(of) : null;
}

let ownProc: boolean | undefined;

/**
 * Whether `/proc` is this process's pid namespace's: `/proc/self` is this
 * process. In a pid namespace without its own `/proc` (`unshare --pid
 * --fork` without `--mount-proc`, a container given the host's `/proc`)
 * `/proc/<pid>` is the host's process of that number and `thread-self`
 * the host's thread: no evidence of the namespace's processes.
 */
function procIsOurs(): boolean {
  if (ownProc !== undefined) return ownProc;
  const self = readProcStat("self");
  if (self === null) return false; // no /proc (or not allowed): nothing read
  const deno = (globalThis as { Deno?: { pid: number } }).Deno;
  ownProc = self.id === (deno?.pid ?? proc().pid);
  return ownProc;
}

/**
 * Errors of a `/proc` read that say nothing of the process read, and may
 * pass: out of descriptors (the process's or the system's) or memory.
 */
const PASSING = new Set(["EMFILE", "ENFILE", "ENOMEM", "EAGAIN", "EINTR"]);

/**
 * A `/proc` read failed with a {@linkcode PASSING} error since this was
 * last cleared: its `null` is no answer (not "gone", not "unknown for
 * good"), so nothing is cached or judged from it.
 */
let procFailed = false;

/** {@linkcode procStat}, whoever's `/proc` it is. */
function readProcStat(
  of: number | string,
): { id: number; state: string; start: number | null } | null {
  if (!allowed({ name: "read", path: "/proc" })) return null;
  let text: string | null;
  try {
    text = pathFs().readText(`/proc/${of}/stat`);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === "string" && PASSING.has(code)) procFailed = true;
    return null;
  }
  if (text === null) return null;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const start = Number(rest[19]);
  return {
    id: Number.parseInt(text, 10),
    state: rest[0] ?? "",
    start: Number.isSafeInteger(start) ? start : null,
  };
}

/**
 * Whether the thread that took a lock in process `pid` (alive) still
 * runs: a worker terminated while it held a lock ran no exit hook, and
 * its process lives on. `true` where this cannot be told (not Linux, no
 * `/proc` on Deno, no thread recorded) and for the main thread.
 *
 * @param pid The process id.
 * @param thread The recorded thread, or `null`.
 * @param start The recorded thread start time, or `null`.
 * @returns `false` when the thread is gone or its id was reused.
 */
export function threadAlive(
  pid: number,
  thread: number | null,
  start: number | null,
): boolean {
  if (thread === null || thread === pid || procStat(pid) === null) return true;
  procFailed = false;
  const now = procStat(`${pid}/task/${thread}`);
  // A read that failed for want of descriptors is no evidence: alive.
  if (now === null) return procFailed;
  if (now.state === "Z" || now.state === "X") return false;
  return start === null || now.start === null || now.start === start;
}

interface DenoPermissions {
  permissions?: {
    querySync?(desc: { name: string; kind?: string; path?: string }): {
      state: string;
    };
  };
}

/**
 * Whether Deno grants a permission without asking (always `true` on Node
 * and Bun): the lock must never make Deno prompt.
 */
export function allowed(
  desc: { name: string; kind?: string; path?: string },
): boolean {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
  if (deno === undefined) return true;
  try {
    return deno.permissions?.querySync?.(desc).state === "granted";
  } catch {
    return false;
  }
}

let self: ProcessInfo | undefined;

/**
 * The host name on Node and Bun: the kernel's (Linux), which is what
 * `os.hostname()` returns, without loading `node:os` (1 to 4 ms on Node);
 * `node:os` elsewhere.
 */
function nodeHostname(p: ProcessLike): string {
  try {
    const text = pathFs().readText("/proc/sys/kernel/hostname");
    if (text !== null && text.trim() !== "") return text.trim();
  } catch {
    // not Linux, or no /proc: ask node:os
  }
  const os = p.getBuiltinModule?.("node:os") as
    | { hostname(): string }
    | undefined;
  return os?.hostname() ?? "";
}

/**
 * This process.
 *
 * @returns Its pid, start time, host name and runtime.
 */
export function thisProcess(): ProcessInfo {
  if (self !== undefined) return self;
  // On Deno, not `process`: its first use loads the Node compatibility
  // layer (10 to 25 ms).
  const deno = (globalThis as {
    Deno?: { pid: number; hostname(): string };
  }).Deno;
  const p = deno === undefined ? proc() : undefined;
  const pid = deno?.pid ?? p!.pid;
  let host = "";
  try {
    if (allowed({ name: "sys", kind: "hostname" })) {
      host = deno !== undefined ? deno.hostname() : nodeHostname(p!);
    }
  } catch {
    // Unknown: "" (see processAlive).
  }
  // This thread: read on it (sync calls run on the caller's thread). The
  // main thread's is the process's own record: one read, not two.
  procFailed = false;
  const thread = procStat("thread-self");
  const record: ProcessInfo = {
    pid,
    start: thread?.id === pid ? thread.start : processStart(pid),
    thread: thread?.id ?? null,
    threadStart: thread?.start ?? null,
    host,
    runtime: deno !== undefined
      ? "deno"
      : p!.versions?.bun !== undefined
      ? "bun"
      : "node",
  };
  // Cached only if /proc answered (or cannot): a record made while the
  // process was out of descriptors had no start time, for the rest of
  // the process's life, and its locks, once it was killed and its pid
  // reused by another program, were judged held for good.
  if (!procFailed) self = record;
  return record;
}

/**
 * Whether a process on this host is alive and is the one recorded (same
 * start time where known). On Deno this needs `--allow-run` (Deno reads
 * `/proc` only with `--allow-all`); without it the answer is `null`.
 *
 * @param pid The process id.
 * @param start Its recorded start time, or `null`.
 * @returns `false` when it is gone or its pid was reused; `null` when
 * this runtime may not tell.
 */
export function processAlive(
  pid: number,
  start: number | null,
): boolean | null {
  if (!allowed({ name: "run" })) return null;
  try {
    proc().kill(pid, 0);
  } catch (e) {
    // EPERM: it exists, owned by another user.
    const code = (e as { code?: string }).code;
    if (code === "ESRCH") return false;
    if (code !== "EPERM") return null;
  }
  const now = procStat(pid);
  if (now === null) return true;
  // A zombie (killed, not yet reaped) holds nothing any more.
  if (now.state === "Z" || now.state === "X") return false;
  return start === null || now.start === null || now.start === start;
}
