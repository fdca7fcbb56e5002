/**
 * `using` (not `await using`) on an asynchronous writer. The async writers
 * (`NpyAppendArray`, `NpyStackWriter`, `NpyGroupWriter`) close with a
 * promise, so they have `Symbol.asyncDispose` only; `using npy = await
 * NpyAppendArray.open(...)` then failed with the runtime's words
 * (`Symbol(Symbol.dispose) is not a function`) and left the writer open,
 * its file held by this process with no name left to close it by.
 *
 * A getter for `Symbol.dispose`, defined outside the class so the types do
 * not change (TypeScript still refuses `using` on these classes before the
 * code runs): `using` reads it when the declaration runs, before the block,
 * so the writer is closed (no append of the block has run) and the
 * `TypeError` names the fix. `await using` reads `Symbol.asyncDispose`
 * first and never reaches it.
 *
 * @module
 */

/**
 * Makes `using` on instances of an async writer class close the writer and
 * throw a `TypeError` naming `await using` and the synchronous class.
 *
 * @param prototype The async class's prototype.
 * @param asyncName The async class's name (`NpyAppendArray`).
 * @param syncName Its synchronous twin (`NpyAppendArraySync`).
 */
export function refuseUsing(
  prototype: { close(): Promise<void> },
  asyncName: string,
  syncName: string,
): void {
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  if (dispose === undefined) return;
  Object.defineProperty(prototype, dispose, {
    configurable: true,
    enumerable: false,
    get(this: { close(): Promise<void> }) {
      // Writers backed by synchronous calls close before this returns; a
      // close that fails has nothing of this block to lose (none of its
      // appends ran), and its error would only hide this one.
      this.close().catch(() => {});
      throw new TypeError(
        `Cannot use "using" on a ${asyncName} writer: it closes asynchronously; write "await using x = await ${asyncName}.open(...)", or use ${syncName} with "using" (this writer is closed, its rows kept)`,
      );
    },
  });
}
