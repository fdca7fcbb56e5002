/**
 * How a JS value is named in an error message.
 *
 * @module
 */

/** Describes a value briefly for an error message. */
export function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  // (A Proxy over one is no view: its length getter would throw.)
  if (value instanceof Uint8Array && ArrayBuffer.isView(value)) {
    return `Uint8Array(${value.length})`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object"
    ? `an object (${value.constructor?.name ?? "Object"})`
    : typeof value;
}

/**
 * A value as JSON (bigints as `2n`) for an error message, or, where JSON
 * cannot write it (an array holding itself), as {@linkcode show} does.
 */
export function jsonOrShow(value: unknown): string {
  try {
    return JSON.stringify(
      value,
      (_k, v) => typeof v === "bigint" ? `${v}n` : v,
    ) ?? String(value);
  } catch {
    return show(value);
  }
}

/** The most characters of a file's text quoted in a message. */
const QUOTED_MAX = 200;

/**
 * Text from a file (a header's descr, shape or value) as a message quotes
 * it: whole up to 200 characters, else its start and its length, so a
 * hostile header of megabytes leaves the message's file name and fix
 * readable.
 *
 * @param text The text.
 * @returns The text, or its first 200 characters, "…" and its length.
 */
export function clipped(text: string): string {
  return text.length <= QUOTED_MAX
    ? text
    : `${text.slice(0, QUOTED_MAX)}… (${text.length} characters)`;
}

/**
 * A message quoting text from a file (a field name, a unit) that may be
 * megabytes long: over 1,000 characters, its middle is cut, its start
 * (what is wrong) and end (the fix) kept.
 *
 * @param message The message.
 * @returns The message, at most about 1,000 characters.
 */
export function clippedMessage(message: string): string {
  return message.length <= 1000
    ? message
    : `${message.slice(0, 600)}… (${message.length - 900} characters cut) …${
      message.slice(-300)
    }`;
}
