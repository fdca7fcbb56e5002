/**
 * One way for an async method to run synchronous work: call it now and
 * hand its outcome over as a promise.
 *
 * @module
 */

/**
 * Runs `run` at once and returns its outcome as a settled promise: resolved
 * with its value, or rejected with what it threw (so an async method never
 * throws at the call).
 */
export function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (e) {
    return Promise.reject(e);
  }
}
