/**
 * `new NpyAppendArray("x.npy")`, as the Python package spells it
 * (`NpyAppendArray(filename)`): the classes' constructors are private (a
 * TypeScript error), but JavaScript calls them, and the object made held
 * a path where the writer's state goes, failing later with the runtime's
 * words (`this[#sync].close is not a function`). Each constructor checks
 * that it got what its `open` gives it.
 *
 * @module
 */

/**
 * Refuses a class made with `new` instead of its `open`.
 *
 * @param ok Whether the constructor got what its `open` passes.
 * @param open How to open one (`await NpyAppendArray.open(target, options)`).
 */
export function refuseNew(ok: boolean, open: string): void {
  if (!ok) {
    const name = open.replace(/^await /, "").split(".")[0];
    throw new TypeError(
      `Cannot make a ${name} with "new": open one with "${open}"`,
    );
  }
}
