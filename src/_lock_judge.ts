/**
 * How a lock file's holder is judged (`_lock.ts`): held, stale (its
 * process gone, or the record of an earlier file with this inode number),
 * missing, or unknown (Deno without --allow-run).
 *
 * @module
 */

import type { PathFs } from "./_path_fs.ts";
import { parseHolder } from "./_lock_text.ts";
import { sameHost } from "./_lock_refusal.ts";
import { pidNamespace } from "./_path_meta.ts";
import { processAlive, thisProcess, threadAlive } from "./_process_info.ts";

/** An unreadable lock file younger than this is being written: busy. */
export const EMPTY_LOCK_GRACE_MS = 2000;

/** Tokens of holds dropped whose file could not be removed (module text). */
export const unremoved = new Set<string>();

/** What a lock file's text says: free to take, held, or stale. */
export type Verdict = "missing" | "held" | "stale" | "unknown";

export function judge(fs: PathFs, file: string, text: string | null): Verdict {
  if (text === null) return "missing";
  const h = parseHolder(text);
  if (h === null) {
    const modified = fs.modifiedMs(file);
    if (modified === null) return "missing";
    // Dated ahead by more than the grace (the clock set back since a
    // kill, a copy): no lock is being written there, and waiting for the
    // clock to catch up refused every writer for hours.
    return Math.abs(Date.now() - modified) >= EMPTY_LOCK_GRACE_MS
      ? "stale"
      : "held";
  }
  if (!sameHost(h)) return "held";
  // Its pid may be another namespace's (Deno without -A cannot tell): a
  // container writer's pid looked dead here, its live lock was taken over.
  if (h.pidns !== "" && pidNamespace() === "") return "unknown";
  const me = thisProcess();
  // This process (a writer, or a worker): alive, no need to ask; an earlier
  // one with the same pid has another start time; a dead worker is gone.
  const thread = () => threadAlive(h.pid, h.thread, h.threadStart);
  if (
    h.pid === me.pid &&
    (h.start === me.start || h.start === null || me.start === null)
  ) {
    return !unremoved.has(h.token) && thread() ? "held" : "stale";
  }
  const alive = processAlive(h.pid, h.start);
  return alive === null ? "unknown" : alive && thread() ? "held" : "stale";
}

/**
 * Whether the lock by device and inode `file` (text `text`) was taken for
 * an earlier file given this one's inode number (created at `born`, ms):
 * its holder cannot hold this file, whatever its process says, so it is
 * stale (Deno without --allow-run cannot tell a dead holder). The record
 * names the creation time of its file; comparing times instead took a
 * live writer's lock dated before its file's creation (the clock stepped
 * back) over: two writers through two names of one file.
 */
export function earlierFiles(
  fs: PathFs,
  file: string,
  text: string | null,
  born: number | null,
): boolean {
  if (born === null) return false;
  const was = parseHolder(text)?.born ?? null;
  if (was === null) return writtenBefore(fs, file, born);
  // Node and Bun give fractions of a ms, each its own rounding of the
  // nanoseconds: as near as that; against whole ms (Deno), within one.
  const fine = !Number.isInteger(was) && !Number.isInteger(born);
  return Math.abs(was - born) >= (fine ? 0.001 : 1);
}

/**
 * Whether the lock `file`, whose record names no creation time (an older
 * version's), was last written before `born`: a holder locks a file after
 * its creation, and both times come from the system's clock, so the
 * margin is the lock's timestamp resolution: a second where its time is a
 * whole second (a coarse file system), else {@linkcode CLOCK_TICK_MS}.
 */
function writtenBefore(
  fs: PathFs,
  file: string,
  born: number | null,
): boolean {
  if (born === null) return false;
  const modified = fs.modifiedMs(file);
  if (modified === null) return false;
  const margin = modified % 1000 === 0 ? 1000 : CLOCK_TICK_MS;
  return modified < born - margin;
}

/**
 * The coarse clock that stamps files ticks at least every 10 ms (a jiffy
 * at 100 Hz); twice that covers a file system that rounds to its tick.
 */
const CLOCK_TICK_MS = 20;
