/**
 * `using` (not `await using`) on an asynchronous writer. The async writers
 * (`NpyAppendArray`, `NpyStackWriter`, `NpyGroupWriter`) close with a
 * promise, so they have `Symbol.asyncDispose` only; `using npy = await
 * NpyAppendArray.open(...)` then failed with the runtime's words
 * (`Symbol(Symbol.dispose) is not a function`) and left the writer open,
 * its file held by this process with no name left to close it by.
 *
 * A `Symbol.dispose` method, defined outside the class body so the types
 * do not change (TypeScript still refuses `using` on these classes before
 * the code runs): at the end of the block it closes the writer as
 * `Symbol.asyncDispose` would (synchronously underneath, for paths and
 * `FileLikeSync`s, whose failures it throws as they are), then throws a
 * `TypeError` naming the fix. `await using` reads `Symbol.asyncDispose`
 * first and never calls it. A method, not a getter: inspecting a writer
 * (`util.inspect` with `getters`, a debugger) must not close it.
 *
 * @module
 */

/**
 * Makes `using` on instances of an async writer class close the writer at
 * the end of the block and throw a `TypeError` naming `await using` and
 * the synchronous class.
 *
 * @param prototype The async class's prototype.
 * @param asyncName The async class's name (`NpyAppendArray`).
 * @param syncName Its synchronous twin (`NpyAppendArraySync`).
 * @param closeNow Closes a writer as its `Symbol.asyncDispose` does, at
 *   once where it can (throwing its failure), else starting the close.
 */
export function refuseUsing<T extends object>(
  prototype: T,
  asyncName: string,
  syncName: string,
  closeNow: (writer: T) => void,
): void {
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  if (dispose === undefined) return;
  Object.defineProperty(prototype, dispose, {
    configurable: true,
    enumerable: false,
    writable: true,
    value(this: T): void {
      closeNow(this);
      throw new TypeError(
        `Cannot use "using" on a ${asyncName} writer: it closes asynchronously; write "await using x = await ${asyncName}.open(...)", or use ${syncName} with "using" (this writer was closed, its rows kept)`,
      );
    },
  });
}
