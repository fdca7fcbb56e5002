/**
 * The guard against calls back into a writer while it is busy: from the
 * input of its own append (a getter, Proxy or `valueOf` of that input
 * calling `append`, `seal`, `updateHeader` or `close` would write before
 * that append, or close the file under it), or from the methods of its
 * file object while the writer writes to it (a `writeSync` calling
 * `append` wrote rows between an append's data and its header, leaving a
 * header that disagreed with the data). The writers' cores hold one each.
 *
 * @module
 */

/** Why calls are refused, and the fix, while an append reads its input. */
export const READING_INPUT =
  "called while an append reads its input (from a getter, Proxy or valueOf of that input); call it after that append returns";

/** Why calls are refused, and the fix, while the writer does its I/O. */
export const WRITING_FILE =
  "called while the writer reads or writes its file (from a method of that file object); call it after that call returns";

/** Marks the time a writer is busy; refuses writer calls then. */
export class ReentryGuard {
  #why: string | null = null;

  /**
   * Runs `work` (the part of a call that reads its input, or its I/O),
   * with {@linkcode check} refusing meanwhile, saying `why`.
   *
   * @param work Reads the input, or does the I/O.
   * @param why The reason and fix for the message; {@linkcode READING_INPUT}
   *   by default.
   * @returns What `work` returns.
   */
  run<T>(work: () => T, why: string = READING_INPUT): T {
    const before = this.enter(why);
    try {
      return work();
    } finally {
      this.leave(before);
    }
  }

  /**
   * {@linkcode run} without a closure, for hot paths: marks the guard busy
   * saying `why`; pass what it returns to {@linkcode leave} in a `finally`.
   *
   * @param why The reason and fix for the message.
   * @returns The reason before, for {@linkcode leave}.
   */
  enter(why: string): string | null {
    const before = this.#why;
    this.#why = why;
    return before;
  }

  /**
   * Ends {@linkcode enter}'s busy time.
   *
   * @param before What {@linkcode enter} returned.
   */
  leave(before: string | null): void {
    this.#why = before;
  }

  /**
   * Refuses a writer call made while the writer is busy.
   *
   * @param verb The call, for the message (`"append to"`, `"close"`).
   * @param label The file or folder, for the message.
   * @throws {TypeError} naming the call, the target and the fix.
   */
  check(verb: string, label: string): void {
    if (this.#why !== null) {
      throw new TypeError(`Cannot ${verb} ${label}: ${this.#why}`);
    }
  }
}
