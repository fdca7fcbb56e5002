/**
 * A minimal lock file (stand-in until the shared lock module lands): the
 * lock of `path` is `<path>.lock`, created with `O_CREAT | O_EXCL` and
 * holding the holder's pid. A lock whose holder process is gone is taken
 * over.
 *
 * @module
 */

import { NpyLockedError } from "./errors.ts";
import { nodeFs } from "./adapters/node.ts";

/** A held lock. */
export interface HeldLock {
  /** The lock file. */
  readonly lockPath: string;
  /** Drops the lock (removes the lock file). */
  release(): void;
}

interface LockFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, text: string): number;
  closeSync(fd: number): void;
  readFileSync(path: string, encoding: string): string;
  unlinkSync(path: string): void;
  statSync(path: string): { mtimeMs: number };
}

/** An empty lock file (holder killed while writing it) this old is stale. */
const EMPTY_LOCK_GRACE_MS = 2000;

function alive(pid: number): boolean {
  const proc = (globalThis as {
    process?: { kill(pid: number, signal: number): void };
  }).process;
  if (proc === undefined) return true;
  try {
    proc.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH";
  }
}

function myPid(): number {
  const g = globalThis as {
    process?: { pid: number };
    Deno?: { pid: number };
  };
  return g.Deno?.pid ?? g.process?.pid ?? 0;
}

/**
 * Takes the lock of a file or folder.
 *
 * @param path The file or folder.
 * @param verb What the holder does, for messages (`"write"`, `"recover"`).
 * @returns The held lock.
 * @throws {NpyLockedError} when a live process holds it.
 */
export function acquireLock(path: string, verb: string): HeldLock {
  const fs = nodeFs() as unknown as LockFs | undefined;
  const lockPath = `${path.replace(/(?<=.)[\\/]+$/, "")}.lock`;
  if (fs === undefined) return { lockPath, release: () => {} };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(lockPath, "wx");
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
      let text = "";
      try {
        text = fs.readFileSync(lockPath, "utf8");
      } catch {
        continue;
      }
      const pid = Number(/^pid (\d+)/.exec(text)?.[1] ?? NaN);
      let stale = Number.isSafeInteger(pid) && pid !== myPid() && !alive(pid);
      if (text === "") {
        try {
          stale = Date.now() - fs.statSync(lockPath).mtimeMs >=
            EMPTY_LOCK_GRACE_MS;
        } catch {
          continue;
        }
      }
      if (stale) {
        try {
          fs.unlinkSync(lockPath);
        } catch {
          // another taker removed it first
        }
        continue;
      }
      throw new NpyLockedError(
        `Cannot ${verb} "${path}": ${
          text === "" ? "another process" : text.trim()
        } holds its lock "${lockPath}"; close that writer first`,
        { path, lockPath, holder: text.trim() },
      );
    }
    try {
      fs.writeSync(fd, `pid ${myPid()}\n`);
    } finally {
      fs.closeSync(fd);
    }
    let held = true;
    return {
      lockPath,
      release: () => {
        if (!held) return;
        held = false;
        try {
          fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new NpyLockedError(
    `Cannot ${verb} "${path}": its lock "${lockPath}" keeps changing; try again`,
    { path, lockPath },
  );
}
