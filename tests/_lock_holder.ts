/**
 * Test helper: the lock child (`_lock_child.ts`) as the lock tests start
 * it, under this runtime or another one, holding a file until killed.
 * It imports no part of the library: the npm build runs a test that
 * reaches into `src/` on the ES modules and the others on Node's build,
 * and a helper of both must not bring a second copy of its classes.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { RUNTIME, sourcePath } from "./_runtime.ts";

/** The child script of the lock tests. */
export const LOCK_CHILD = new URL("./_lock_child.ts", import.meta.url);

/**
 * The lock child under another runtime than this one (through npx):
 * Bun under Deno, else Deno. Node cannot run the .ts sources; Deno and
 * Bun run both .ts and the compiled .js.
 */
export function otherRuntime(): { name: string; cmd: [string, string[]] } {
  const script = sourcePath(LOCK_CHILD);
  return RUNTIME === "deno"
    ? { name: "bun", cmd: ["npx", ["-y", "bun@1.4.5", script]] }
    : { name: "deno", cmd: ["npx", ["-y", "deno@2.9.6", "run", "-A", script]] };
}

/**
 * Starts the child's `hold PATH` with `cmd` (one row `[7, 7]` appended,
 * kept open) and waits until it holds the file.
 *
 * @returns `kill()`: SIGKILLs it (npx around it included: its own process
 *   group) and waits for its end: until the runtime that held the lock (a
 *   child of npx, whose pipes close before it has quite ended) is gone or a
 *   zombie, as the lock's judge sees it.
 */
export async function holdInChild(
  cmd: [string, string[]],
  path: string,
): Promise<{ kill(): Promise<void> }> {
  const child = spawn(cmd[0], [...cmd[1], "hold", path], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, npx included
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const closed = new Promise((r) => child.on("close", r));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      if (String(d).includes("ready")) resolve();
    });
    child.on("close", () => reject(new Error(`child ended: ${err}`)));
  });
  const holder = lockHolder(path);
  return {
    async kill() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await closed;
      if (holder !== null) await ended(holder);
    },
  };
}

/** The pid in the lock record of `path`, or `null`. */
function lockHolder(path: string): number | null {
  try {
    const pid = JSON.parse(readFileSync(`${path}.lock`, "utf8")).pid;
    return Number.isSafeInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Waits (up to 10 s) until `pid` is gone or a zombie (Linux `/proc`). */
async function ended(pid: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    let state: string;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    } catch {
      return;
    }
    if (state === "Z" || state === "X") return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
