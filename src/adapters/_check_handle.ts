/**
 * The adapters' check of what they are given to wrap, when made: a value
 * without the methods they call failed at the first call, deep inside an
 * append (`this[#file].statSync is not a function`).
 *
 * @module
 */

import { show } from "../_describe_value.ts";

/**
 * Refuses `value` unless it is an object with every method in `methods`.
 *
 * @param value What the adapter was given.
 * @param adapter The adapter's class name (`"DenoFile"`).
 * @param fix What to pass instead (`"a Deno.FsFile from Deno.open(path)"`).
 * @param methods The methods the adapter calls.
 * @throws {TypeError} naming the adapter, the fix and the missing method.
 */
export function checkHandle(
  value: unknown,
  adapter: string,
  fix: string,
  methods: readonly string[],
): void {
  let missing: string | undefined;
  if (
    (typeof value === "object" && value !== null) || typeof value === "function"
  ) {
    const handle = value as Record<string, unknown>;
    missing = methods.find((m) => typeof handle[m] !== "function");
    if (missing === undefined) return;
  }
  throw new TypeError(
    `Cannot make a ${adapter}: pass ${fix}, not ${show(value)}${
      missing === undefined ? "" : ` (it has no ${missing}() method)`
    }`,
  );
}

/**
 * Refuses a file descriptor that is not a non-negative integer.
 *
 * @param fd What `NodeFile` was given.
 * @throws {TypeError} naming the value and the fix.
 */
export function checkDescriptor(fd: unknown): void {
  if (typeof fd === "number" && Number.isSafeInteger(fd) && fd >= 0) return;
  throw new TypeError(
    `Cannot make a NodeFile: pass a file descriptor (a non-negative integer from fs.openSync, or fileHandle.fd), not ${
      show(fd)
    }`,
  );
}
