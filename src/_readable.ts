/**
 * The readers' `readable()`: a `ReadableStream` pulling batches from an
 * async iterator one at a time (no read-ahead), ending the iterator when
 * the stream is cancelled.
 *
 * @module
 */

/**
 * A stream of what `it` yields, read only as the consumer pulls.
 *
 * @param it The batches.
 * @returns The stream.
 */
export function readableOf<T>(it: AsyncIterator<T>): ReadableStream<T> {
  return new ReadableStream<T>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  }, { highWaterMark: 0 });
}
