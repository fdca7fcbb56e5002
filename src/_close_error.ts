/**
 * The error of a writer's failed `close()`: the failure's own words, then
 * what became of the appends (rows kept for another `close()`, rows
 * given up) and of an `atomic` change (committed, rolled back, or left
 * for the next open), so that the caller knows whether to write again.
 *
 * @module
 */

import { showFile } from "./_file_label.ts";
import { NpyFormatError, NpyLockedError } from "./errors.ts";

/** What a failed `close()` did, for {@linkcode closeError}. */
export interface CloseFacts {
  /** Rows held by `bufferBytes`, kept for another `close()`. */
  waiting?: number;
  /** Rows held by `bufferBytes` and given up. */
  lost: number;
  /** Rows the file holds (without the lost or waiting ones). */
  held: number;
  /**
   * An `atomic` writer's change: committed (the failure came after it),
   * rolled back, or left for the next open to roll back.
   */
  change?: "committed" | "rolled back" | "pending";
  /** The header could not be written: the file needs `recover`. */
  needsRecover?: boolean;
  /** The failed write could not be cut back (`broken`). */
  stray?: boolean;
  /** Rows given up after a failed sync (`fsync: true`). */
  unsynced?: number;
}

/**
 * The error of a failed `close()`: `e`'s words (naming the file), then
 * what became of the appends: rows kept for another `close()`, rows lost,
 * and an `atomic` change committed or rolled back. Same class, `code`,
 * `errno` and `syscall` as `e`, which is its `cause`.
 *
 * @param e The failure.
 * @param label The file's path, or `"the file object"`.
 * @param facts What the close did.
 * @returns The error to throw.
 */
export function closeError(
  e: unknown,
  label: string,
  facts: CloseFacts,
): Error {
  const said = e instanceof Error ? e.message : String(e);
  const name = showFile(label);
  const head = said.startsWith("Cannot ")
    ? said
    : `Cannot close ${name}: ${said}`;
  const parts: string[] = [];
  const rows = (n: number) => `${n} ${n === 1 ? "row" : "rows"}`;
  if (facts.waiting !== undefined && facts.waiting > 0) {
    parts.push(
      `the last ${
        rows(facts.waiting)
      } appended (held by bufferBytes) are not written: the writer stays open with its lock; free space or repair the disk and call close() again, which writes them or, failing again, releases the file without them`,
    );
  }
  if (facts.unsynced !== undefined && facts.unsynced > 0) {
    parts.push(
      `the last ${
        rows(facts.unsynced)
      } appended since the last sync that succeeded are given up (cut off), the file keeps the ${
        rows(facts.held)
      } before them: after a failed sync (fsync: true) no later sync can tell whether they reached the disk; append them again`,
    );
  }
  if (facts.lost > 0) {
    parts.push(
      `the last ${
        rows(facts.lost)
      } appended (held by bufferBytes) could not be written and are lost`,
    );
  }
  if (facts.change === "committed") {
    parts.push(
      "the change was committed: the file holds the appends, and only a step after the commit failed (if a sync, a power loss may still undo the change)",
    );
  } else if (facts.change === "rolled back") {
    parts.push(
      "the change was rolled back: the file is as it was when the writer opened it",
    );
  } else if (facts.change === "pending") {
    parts.push(
      `the change was not committed and could not be rolled back now: the next open or recover of ${name} rolls it back`,
    );
  } else if (facts.lost > 0) {
    parts.push(
      `the file keeps the ${
        rows(facts.held)
      } before them; the writer is closed and the file released`,
    );
  }
  if (facts.needsRecover && parts.length === 0) {
    parts.push(
      `the writer is closed and the file released, its ${
        rows(facts.held)
      } in the file but its header not written to cover them: run recover on ${name} before reading or appending`,
    );
  } else if (facts.needsRecover) {
    parts.push(
      `its header could not be written either: run recover on ${name} before reading or appending`,
    );
  } else if (facts.stray) {
    parts.push(
      `part of them may be left after the data, which could not be cut: if a later open says so, run recover on ${name}`,
    );
  }
  if (parts.length === 0 && head === said) return e as Error;
  const out = reworded(e, [head, ...parts].join("; "));
  if (facts.needsRecover && facts.lost === 0) toldRecover.set(out, e);
  return out;
}

/** Errors of {@linkcode closeError} that say to run `recover`: their cause. */
const toldRecover = new WeakMap<Error, unknown>();

/**
 * `e` without the advice to run `recover` that a shard's failed `close()`
 * gave (its cause), for an owner that undid the failure itself (a stack's
 * seal); any other error unchanged.
 *
 * @param e The failure.
 * @returns The error to throw.
 */
export function withoutRecoverAdvice(e: unknown): unknown {
  return e instanceof Error && toldRecover.has(e) ? toldRecover.get(e) : e;
}

/**
 * `e` told in other words (`message`): an error of the same class
 * (`NpyFormatError` with its `code` and `file`, `NpyLockedError` with its
 * `path`, `lockPath` and `holder`; else `TypeError`, `RangeError` or
 * `Error`, with `code`, `errno` and `syscall`),
 * with `e` as its `cause`, so that a caller's check of the code (a full
 * disk's `ENOSPC`) still holds.
 *
 * @param e The failure.
 * @param message The new message.
 * @returns The error to throw.
 */
export function reworded(e: unknown, message: string): Error {
  // The library's own classes stay themselves: a caller's `instanceof`
  // and their fields (the file, the lock's holder) still hold.
  if (e instanceof NpyFormatError) {
    const out = new NpyFormatError(e.code, message, { cause: e });
    (out as { file: string | undefined }).file = e.file;
    return out;
  }
  if (e instanceof NpyLockedError) {
    const { path, lockPath, holder } = e;
    return new NpyLockedError(message, { path, lockPath, holder }, {
      cause: e,
    });
  }
  const Class = e instanceof TypeError
    ? TypeError
    : e instanceof RangeError
    ? RangeError
    : Error;
  const out = new Class(message, { cause: e });
  const from = (e ?? {}) as Record<string, unknown>;
  const to = out as unknown as Record<string, unknown>;
  for (const key of ["code", "errno", "syscall"]) {
    if (from[key] !== undefined) to[key] = from[key];
  }
  return out;
}

/**
 * The refusal of an append after a failed append whose undo failed too:
 * `message`, then the undo's failure in words, with its class and code
 * (`ENOSPC` on a full disk, see {@linkcode reworded}), so that a caller
 * retrying on a full disk goes on; with `rows`, that those rows are kept
 * and the next append tries the undo again.
 *
 * @param failure What made the undo fail (`undefined` when not known).
 * @param message What is refused, and the way out.
 * @param rows The rows kept, for a writer that tries the undo again.
 * @returns The error to throw.
 */
export function undoRefusal(
  failure: unknown,
  message: string,
  rows?: number,
): Error {
  const again = rows === undefined
    ? ""
    : `; or free space or repair the disk and append again, which first tries the undo again (the ${rows} ${
      rows === 1 ? "row" : "rows"
    } before the failed append ${rows === 1 ? "is" : "are"} kept)`;
  const why = failure instanceof Error ? ` (the undo: ${failure.message})` : "";
  return reworded(failure, `${message}${again}${why}`);
}

/**
 * The error of a group's `close()` that could not finish: a failed
 * append's undo that failed even at close (`undone` false), or a member's
 * close (a stack's seal) that failed; says what is left (with `stacks`,
 * rows that Dask's `from_npy_stack` does not read yet) and how to finish.
 * `failure`'s class and code are kept.
 */
export function groupCloseLeft(
  failure: unknown,
  dir: string,
  rows: number,
  stacks: boolean,
  undone: boolean,
): Error {
  const what = undone
    ? `${failure instanceof Error ? failure.message : String(failure)}`
    : "an earlier write failed and could not be undone";
  const message =
    `Cannot close group "${dir}": ${what}; its ${rows} acknowledged ${
      rows === 1 ? "row is" : "rows are"
    } kept${
      stacks
        ? ", the last in live shards (.npy.part) or shards its members' info does not list yet, which Dask's from_npy_stack does not read"
        : ""
    }${
      undone ? "" : ", maybe with some of the failed append's after them"
    }; once the disk has room or is repaired, ${
      undone ? "" : "call recoverGroup, then "
    }open the group and close it${stacks ? " (that seals them)" : ""}`;
  return undone ? reworded(failure, message) : undoRefusal(failure, message);
}

/**
 * The error of a rewrite (`ensureAppendable`, in place or by a copy) that
 * failed: `e`'s words, then what became of the file (`after`), and for a
 * disk without room (`ENOSPC`, `EDQUOT`, `EFBIG`) the space it `needs`;
 * `e`'s class and code kept (see {@linkcode reworded}).
 *
 * @param e The failure.
 * @param label The file's path, or `"the file object"`.
 * @param after What became of the file.
 * @param needs The space needed and what else fits, such as `"it needs 64
 * more bytes, plus up to 4160 for its change record"`.
 * @param how `"in place"` or `"by a copy"`.
 * @returns The error to throw.
 */
export function rewriteError(
  e: unknown,
  label: string,
  after: string,
  needs?: string,
  how: "in place" | "by a copy" = "in place",
): Error {
  const full = /^(ENOSPC|EDQUOT|EFBIG)$/.test(
    String((e as { code?: unknown } | null)?.code),
  );
  const room = full && needs !== undefined ? ` (${needs})` : "";
  const said = e instanceof Error ? e.message : String(e);
  return reworded(
    e,
    `Cannot rewrite ${showFile(label)} ${how}: ${said}; ${after}${room}`,
  );
}
