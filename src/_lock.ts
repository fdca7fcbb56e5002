/**
 * A lock on a path that holds across processes and runtimes: an
 * exclusively created lock file `<path>.lock` recording its holder. A
 * lock whose holder process is gone is taken over.
 *
 * (Minimal stand-in with the signature of the shared lock; replaced by
 * main's version when it is merged.)
 *
 * @module
 */

import { NpyLockedError } from "./errors.ts";
import { nodeFs } from "./adapters/node.ts";

/** A lock held by this process. */
export interface HeldLock {
  /** The lock file. */
  readonly lockPath: string;
  /** Releases the lock; calling it again does nothing. */
  release(): void;
}

interface LockFs {
  openSync(p: string, flags: string): number;
  writeSync(fd: number, s: string): number;
  closeSync(fd: number): void;
  readFileSync(p: string, enc: "utf8"): string;
  unlinkSync(p: string): void;
  existsSync(p: string): boolean;
}

const held = new Set<string>();

function pidAlive(pid: number): boolean {
  const proc = (globalThis as {
    process?: { kill(pid: number, sig: number): void };
  }).process;
  try {
    proc?.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Takes the lock on `path` for `verb`.
 *
 * @param path The file or folder to lock.
 * @param verb What the holder does, for messages (`"append to"`).
 * @returns The held lock.
 * @throws {NpyLockedError} when another writer holds it.
 */
export function acquireLock(path: string, verb: string): HeldLock {
  const lockPath = `${path}.lock`;
  const fs = nodeFs() as unknown as LockFs | undefined;
  if (fs === undefined) {
    return { lockPath, release: () => {} };
  }
  const refuse = (holder: string): never => {
    throw new NpyLockedError(
      `Cannot ${verb} "${path}": ${
        holder || "another writer"
      } holds it (lock file "${lockPath}"); close the other writer or wait for it`,
      { path, lockPath, holder },
    );
  };
  if (held.has(lockPath)) refuse(`this process`);
  const pid = (globalThis as { process?: { pid: number } }).process?.pid ?? 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx");
      try {
        fs.writeSync(fd, `pid ${pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      held.add(lockPath);
      let done = false;
      return {
        lockPath,
        release() {
          if (done) return;
          done = true;
          held.delete(lockPath);
          try {
            fs.unlinkSync(lockPath);
          } catch { /* already gone */ }
        },
      };
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
      let holder = "";
      try {
        holder = fs.readFileSync(lockPath, "utf8").trim();
      } catch { /* vanished: retry */ }
      const m = /^pid (\d+)/.exec(holder);
      if (m !== null && Number(m[1]) !== pid && !pidAlive(Number(m[1]))) {
        // The holder was killed: take the lock over.
        try {
          fs.unlinkSync(lockPath);
        } catch { /* raced */ }
        continue;
      }
      if (holder !== "" || attempt === 2) refuse(holder);
    }
  }
  return refuse("");
}
