/**
 * Deno's errors in `node:fs`'s words (`ENOENT: no such file or directory,
 * open '/x'`, with `code`, `errno` and `syscall`), so that the path
 * layer's errors read the same on every runtime.
 *
 * @module
 */

import { errnoName } from "./_system_error.ts";

/**
 * A Deno error as `node:fs` would word it: `ENOENT: no such file or
 * directory, open '/x'`, with `code`, `errno` and `syscall`, the original
 * as `cause`.
 *
 * @param e The error.
 * @returns The error in `node:fs` form (non-errors pass unchanged).
 */
export function nodeStyle(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  // "No such file or directory (os error 2): open '/x'"
  const m = /^(.*?) \(os error (\d+)\)(?:: (\w+)(?: (.*))?)?$/s.exec(
    e.message,
  );
  const own = (e as { code?: unknown }).code;
  // Deno gives some errors no code ("Disk quota exceeded (os error 122)").
  const code = typeof own === "string"
    ? own
    : m === null
    ? undefined
    : errnoName(Number(m[2]));
  if (code === undefined || e.message.startsWith(`${code}: `)) return e;
  const text = m?.[1] ?? e.message;
  const what = LIBUV_WORDS[code] ??
    text.charAt(0).toLowerCase() + text.slice(1);
  const out = new Error(
    `${code}: ${what}${m?.[3] === undefined ? "" : `, ${m[3]}`}${
      m?.[4] === undefined ? "" : ` ${m[4]}`
    }`,
    { cause: e },
  );
  const fields = out as unknown as Record<string, unknown>;
  fields.code = code;
  if (m?.[2] !== undefined) fields.errno = -Number(m[2]);
  if (m?.[3] !== undefined) fields.syscall = m[3];
  return out;
}

/**
 * `node:fs`'s (libuv's) words for the codes whose text differs from the
 * system's that Deno gives (`File exists` where Node says `file already
 * exists`); other codes take the system's text.
 */
const LIBUV_WORDS: Record<string, string> = {
  EEXIST: "file already exists",
  EISDIR: "illegal operation on a directory",
  ELOOP: "too many symbolic links encountered",
  ENAMETOOLONG: "name too long",
  EXDEV: "cross-device link not permitted",
  EAGAIN: "resource temporarily unavailable",
  EBUSY: "resource busy or locked",
  EIO: "i/o error",
  EFBIG: "file too large",
};
