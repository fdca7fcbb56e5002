/**
 * The end of a maintenance call that holds a lock (`recover`,
 * `ensureAppendable`, `recoverStack`, `recoverGroup`): a lock file that
 * cannot be removed once the work finished (a failing or read-only disk)
 * is told as such, with the fix, not as a bare system error that reads as
 * if the work had failed.
 *
 * @module
 */

import { reworded } from "./_close_error.ts";
import { showFile } from "./_file_label.ts";
import { quoted } from "./_path_fs.ts";
import { unremovedLockOf } from "./_lock.ts";

/**
 * Runs `run`, then `release` (which drops the call's lock). A failure of
 * `run` is thrown as it is (a lock that then cannot be removed stays, as
 * below); a lock file whose removal fails after `run` finished becomes
 * {@linkcode finishedButLocked}.
 *
 * @param run The work.
 * @param release Drops the lock (and closes the file).
 * @param verb What the work is (`"recover"`, `"rewrite"`), for messages.
 * @param label The file or folder worked on.
 * @returns What `run` returns.
 */
export function afterFinished<T>(
  run: () => T,
  release: () => void,
  verb: string,
  label: string,
): T {
  let out: T;
  try {
    out = run();
  } catch (e) {
    releaseAfterFailure(release);
    throw e;
  }
  releaseFinished(release, verb, label);
  return out;
}

/**
 * Runs `release` after work that failed: a lock removal that fails too is
 * not thrown, so that the work's own failure, which tells more, is (the
 * lock stays, taken over as {@linkcode finishedButLocked} says); any other
 * failure of `release` is thrown.
 *
 * @param release Drops the lock.
 */
export function releaseAfterFailure(release: () => void): void {
  try {
    release();
  } catch (r) {
    if (unremovedLockOf(r) === null) throw r;
  }
}

/**
 * Runs `release` after finished work: a lock removal that fails becomes
 * {@linkcode finishedButLocked}; any other failure is thrown as it is.
 *
 * @param release Drops the lock.
 * @param verb What the work was.
 * @param label The file or folder worked on.
 */
export function releaseFinished(
  release: () => void,
  verb: string,
  label: string,
): void {
  try {
    release();
  } catch (e) {
    throw finishedButLocked(e, verb, label);
  }
}

/**
 * The error of finished work whose lock file could not be removed
 * (`e`, from `HeldLock.release`): it names the lock file, says the work
 * finished and how to remove the lock, `e`'s class and code kept (see
 * `reworded`). Any other failure is returned as it is.
 *
 * @param e The failure.
 * @param verb What the work was.
 * @param label The file or folder worked on.
 * @returns The error to throw.
 */
export function finishedButLocked(
  e: unknown,
  verb: string,
  label: string,
): unknown {
  // Already told by an inner call (a stack's close under recoverStack):
  // told again from the system's error, with the outer call's verb.
  const raw = unremovedLockOf(e) === null && e instanceof Error ? e.cause : e;
  const lock = unremovedLockOf(raw);
  if (lock === null) return e;
  e = raw;
  const said = e instanceof Error ? e.message : String(e);
  const prefix = `Cannot remove ${quoted(lock)}: `;
  const why = said.startsWith(prefix) ? said.slice(prefix.length) : said;
  return reworded(
    e,
    `Cannot remove the lock file ${quoted(lock)} after the ${verb} of ${
      showFile(label)
    }: ${why}; the ${verb} itself finished. Remove the lock file, or leave it: a later call in this process takes it over, and once this process has ended the next opener does; until then other processes find ${
      showFile(label)
    } locked`,
  );
}

/**
 * Runs a step that takes and drops a lock of its own inside a call that
 * goes on (a group's member counted or cut by the group's open, close or
 * `recoverGroup`): a lock file whose removal fails once the step finished
 * (`finished` called with its value) does not stop the call, as the
 * step's work is done. The failure goes into `left` (for the call to tell
 * once it has finished, with {@linkcode finishedButLocked}); the lock file
 * stays, taken over by the next taker in this process (a group writer's
 * member, opened next) and removed again at exit. Any other failure is
 * thrown as it is.
 *
 * @param step The step; it calls `finished` with its value last.
 * @param left Where a lock removal failure goes.
 * @returns The step's value.
 */
export function evenIfLockLeft<T>(
  step: (finished: (v: T) => T) => T,
  left: unknown[],
): T {
  let done = false;
  let value: T | undefined;
  try {
    return step((v) => {
      done = true;
      value = v;
      return v;
    });
  } catch (e) {
    const raw = unremovedLockOf(e) === null && e instanceof Error ? e.cause : e;
    if (!done || unremovedLockOf(raw) === null) throw e;
    left.push(raw);
    return value as T;
  }
}
