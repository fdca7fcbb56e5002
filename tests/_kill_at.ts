/**
 * For kill tests' children: SIGKILL this process right after its Nth call
 * of the named `node:fs` functions, so a test can stop a child at every
 * file call of an operation in turn.
 *
 * @module
 */

import process from "node:process";

/**
 * Makes the `n`th call (counting from 1) of any of `names` in `node:fs`
 * the last thing this process does.
 *
 * @param n Which call kills.
 * @param names The `node:fs` functions counted.
 */
export function killAfterFileCall(n: number, names: readonly string[]): void {
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  let left = n;
  for (const name of names) {
    const real = fs[name]!;
    fs[name] = (...a: unknown[]) => {
      const r = real(...a);
      if (--left === 0) process.kill(process.pid, "SIGKILL");
      return r;
    };
  }
}
