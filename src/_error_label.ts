/**
 * Naming the file in errors about its contents: the header codec does not
 * know which file it reads, so the functions that open one add its name.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";

/**
 * Runs `run`; an {@linkcode NpyFormatError} it throws is thrown again with
 * `"Cannot <verb> <label>: "` in front of its message (the cause kept).
 *
 * @param verb What was being done, such as `"read"` or `"open"`.
 * @param label The file's name, or `"the file object"`.
 * @param run The work.
 * @returns What `run` returns.
 */
export function namingFile<T>(verb: string, label: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw withFileName(e, verb, label);
  }
}

/**
 * The error to throw instead of `e`: an {@linkcode NpyFormatError} renamed
 * as {@linkcode namingFile} does, anything else unchanged.
 *
 * @param e The error.
 * @param verb What was being done.
 * @param label The file's name.
 * @returns The error to throw.
 */
export function withFileName(e: unknown, verb: string, label: string): unknown {
  if (!(e instanceof NpyFormatError)) return e;
  const head = `Cannot ${verb} ${label}: `;
  const message = e.message;
  if (message.startsWith(head)) return e;
  const generic = `Cannot ${verb}: `;
  const rest = message.startsWith(generic)
    ? message.slice(generic.length)
    : message.charAt(0).toLowerCase() + message.slice(1);
  return new NpyFormatError(head + rest, { cause: e });
}

/**
 * Runs `run`, which checks an option of `open`; a `TypeError` or
 * `RangeError` it throws is thrown again naming the file
 * (`"Cannot open <label>: ..."`).
 *
 * @param label The file's name, or `"the file object"`.
 * @param run The check.
 * @returns What `run` returns.
 */
export function optionError<T>(label: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      const Ctor = e instanceof TypeError ? TypeError : RangeError;
      throw new Ctor(`Cannot open ${label}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
