/**
 * The one check that an options argument is an object (or left out):
 * `null`, a string or a number as options made the first option read an
 * engine `TypeError` naming neither the file nor the fix. Every public
 * function taking options calls it before any I/O.
 *
 * @module
 */

import { show } from "./_describe_value.ts";

/** Label of a file object in messages. */
export const FILE_OBJECT_LABEL = "the file object";

/**
 * How a target shows in an options error: a path or URL quoted, a file
 * object as `the file object`.
 *
 * @param target A path, a URL or a file object.
 * @returns The label.
 */
function labelOf(target: unknown): string {
  if (typeof target === "string") return JSON.stringify(target);
  if (target instanceof URL) return JSON.stringify(target.href);
  return FILE_OBJECT_LABEL;
}

/**
 * The `TypeError` for options that are neither `undefined` nor an object,
 * else `null`.
 *
 * @param options The options as given.
 * @param verb What was being done, such as `"open"` or `"read"`.
 * @param target The target (path, URL or file object), or a label in
 * `{ label }` (such as `"the header"`).
 * @param example An options object to show, such as `{ dtype: "<f4" }`.
 * @returns The error, or `null` when the options are fine.
 */
export function badOptions(
  options: unknown,
  verb: string,
  target: unknown,
  example: string,
): TypeError | null {
  if (options === undefined) return null;
  if (
    typeof options === "object" && options !== null && !Array.isArray(options)
  ) {
    return null;
  }
  const label = typeof target === "object" && target !== null &&
      !(target instanceof URL) && "label" in target &&
      typeof target.label === "string"
    ? target.label
    : labelOf(target);
  return new TypeError(
    `Cannot ${verb} ${label}: options must be an object such as ${example}, not ${
      show(options)
    }`,
  );
}

/**
 * Throws {@linkcode badOptions}'s error, if any.
 *
 * @param options The options as given.
 * @param verb What was being done.
 * @param target The target, or `{ label }`.
 * @param example An options object to show.
 * @throws {TypeError} when the options are neither `undefined` nor an object.
 */
export function checkOptions(
  options: unknown,
  verb: string,
  target: unknown,
  example: string,
): void {
  const e = badOptions(options, verb, target, example);
  if (e !== null) throw e;
}
