/**
 * The guard against calls back into a writer from the input of its own
 * append: a getter, Proxy or `valueOf` of that input calling `append`,
 * `seal`, `updateHeader` or `close` would write before that append, or
 * close the file under it. The writers' cores hold one each.
 *
 * @module
 */

/** Marks the time an append reads its input; refuses writer calls then. */
export class ReentryGuard {
  #reading = false;

  /**
   * Runs `read` (the part of an append that reads its input), with
   * {@linkcode check} refusing meanwhile.
   *
   * @param read Reads the input.
   * @returns What `read` returns.
   */
  run<T>(read: () => T): T {
    if (this.#reading) return read();
    this.#reading = true;
    try {
      return read();
    } finally {
      this.#reading = false;
    }
  }

  /**
   * Refuses a writer call made while an append reads its input.
   *
   * @param verb The call, for the message (`"append to"`, `"close"`).
   * @param label The file or folder, for the message.
   * @throws {TypeError} naming the call, the target and the fix.
   */
  check(verb: string, label: string): void {
    if (this.#reading) {
      throw new TypeError(
        `Cannot ${verb} ${label}: called while an append reads its input (from a getter, Proxy or valueOf of that input); call it after that append returns`,
      );
    }
  }
}
