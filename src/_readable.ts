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
 * @param empty The one item to stream when `it` yields none (a file's
 * batches: its zero rows, which carry the shape, so that piping an empty
 * file into a writer writes its copy).
 * @returns The stream.
 */
export function readableOf<T>(
  it: AsyncIterator<T>,
  empty?: () => Promise<T>,
): ReadableStream<T> {
  let any = false;
  return new ReadableStream<T>({
    async pull(controller) {
      const r = await it.next();
      if (!r.done) {
        any = true;
        controller.enqueue(r.value);
        return;
      }
      if (!any && empty !== undefined) {
        any = true;
        controller.enqueue(await empty());
        return;
      }
      controller.close();
    },
    async cancel() {
      await it.return?.();
    },
  }, { highWaterMark: 0 });
}
