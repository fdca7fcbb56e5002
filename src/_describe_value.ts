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
