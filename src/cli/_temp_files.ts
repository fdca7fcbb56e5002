/**
 * The command line's own temporary files: `.<name>.<pid>.<random>.tmp`
 * beside an output, and the removal of those whose process is gone.
 *
 * @module
 */

import { nodeFsModule } from "./_fs.ts";

/** What the command line reads of `process`: the pid, and `kill(pid, 0)`. */
interface ProcessPid {
  process?: { pid?: number; kill?(pid: number, signal: number): boolean };
  Deno?: {
    pid?: number;
    permissions?: { querySync?(d: { name: string }): { state: string } };
  };
}

/**
 * A temporary path beside `path`, in the same folder (so that a rename is
 * atomic), hidden and unlikely to clash: `.<name>.<pid>.<random>.tmp`.
 * Those left beside `path` by processes killed before they renamed or
 * removed theirs (their pid is no longer running) are removed now; a
 * temporary of a running process, or one that cannot be told (on Deno
 * without `--allow-run`), is left.
 *
 * @param path The final path.
 * @returns The temporary path.
 */
export function tempPathBeside(path: string): string {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const g = globalThis as ProcessPid;
  const pid = g.process?.pid ?? g.Deno?.pid ?? 0;
  removeDeadTemps(dir, base, pid);
  const random = Math.random().toString(36).slice(2, 10);
  return `${dir}.${base}.${pid}.${random}.tmp`;
}

/** Removes `.<base>.<pid>.<random>.tmp` in `dir` whose pid is gone. */
function removeDeadTemps(dir: string, base: string, me: number): void {
  const fs = nodeFsModule();
  const lead = `.${base}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir === "" ? "." : dir);
  } catch {
    return; // a folder that cannot be listed: nothing is cleaned now
  }
  for (const name of names) {
    if (!name.startsWith(lead) || !name.endsWith(".tmp")) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(name.slice(lead.length));
    if (m === null || Number(m[1]) === me || !processGone(Number(m[1]))) {
      continue;
    }
    try {
      fs.unlinkSync(dir + name);
    } catch {
      // Gone meanwhile, or not ours to remove: left.
    }
  }
}

/**
 * Whether no process has this pid: `kill(pid, 0)` fails with `ESRCH`.
 * `false` when it cannot be told (on Deno, without `--allow-run`).
 */
function processGone(pid: number): boolean {
  const g = globalThis as ProcessPid;
  const kill = g.process?.kill;
  if (pid <= 0 || kill === undefined) return false;
  // On Deno, `kill` without --allow-run would prompt on a terminal.
  if (
    g.Deno !== undefined &&
    g.Deno.permissions?.querySync?.({ name: "run" }).state !== "granted"
  ) {
    return false;
  }
  try {
    kill(pid, 0);
    return false;
  } catch (e) {
    return (e as { code?: unknown }).code === "ESRCH";
  }
}
