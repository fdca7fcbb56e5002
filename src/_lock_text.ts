/**
 * Text helpers of the lock (`_lock.ts`) that a short-lived process would
 * otherwise pay for at its first open (issue 17.2, cold start): on Deno
 * the first `TextEncoder` use costs 0.15 to 0.4 ms and the first
 * `Date.prototype.toISOString` 0.25 to 0.35 ms, against about 0.05 ms for
 * the first call of these plain functions, which the JSR build's compile
 * hints compile with the module. Same output as those built-ins. Also
 * the lock record's reading: {@linkcode parseHolder}.
 *
 * @module
 */

import { civil } from "./_time_units.ts";
import { dirOf, quoted } from "./_path_fs.ts";
import type { ProcessInfo } from "./_process_info.ts";
import { pathFix, READ_ONLY_FIX } from "./_system_error.ts";

/**
 * The UTF-8 bytes of `text`, as `new TextEncoder().encode(text)` gives
 * them: ASCII text (a lock record's usual case) byte by byte, anything
 * else through `TextEncoder`.
 *
 * @param text Any string.
 * @returns Its UTF-8 encoding.
 */
export function utf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return new TextEncoder().encode(text);
    out[i] = c;
  }
  return out;
}

/** `n` as at least `width` digits. */
function digits(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * The time `ms` (milliseconds since 1970, UTC) as
 * `new Date(ms).toISOString()` writes it (`2026-11-30T09:12:05.123Z`), for
 * the years 0 to 9999.
 *
 * @param ms Milliseconds since the epoch.
 * @returns The ISO 8601 text.
 */
export function isoTime(ms: number): string {
  const days = Math.floor(ms / 86400000);
  let rest = ms - days * 86400000;
  const [y, month, day] = civil(BigInt(days));
  const year = Number(y);
  const hours = Math.floor(rest / 3600000);
  rest -= hours * 3600000;
  const minutes = Math.floor(rest / 60000);
  rest -= minutes * 60000;
  const seconds = Math.floor(rest / 1000);
  return `${digits(year, 4)}-${digits(month, 2)}-${digits(day, 2)}T${
    digits(hours, 2)
  }:${digits(minutes, 2)}:${digits(seconds, 2)}.${
    digits(rest - seconds * 1000, 3)
  }Z`;
}

/**
 * 16 hex digits naming one hold. `Math.random`, not `crypto`: the token
 * only tells holds apart (it is no secret, and the temporaries carry the
 * pid too), and Node loads its whole Web Crypto module (5 to 12 ms) at the
 * first `crypto.getRandomValues`.
 */
export function newToken(): string {
  let out = "";
  for (let i = 0; i < 2; i++) {
    out += Math.floor(Math.random() * 0x100000000).toString(16).padStart(
      8,
      "0",
    );
  }
  return out;
}

/**
 * What a lock record says of its holder: the taking process as
 * {@linkcode ProcessInfo} records it (`host` and `runtime` `""` where the
 * record does not say), its hold's random token and the path it was
 * taken for.
 */
export interface Holder extends ProcessInfo {
  /** The hold's random token. */
  token: string;
  /** The path the lock was taken for. */
  path: string;
  /** The holder's pid namespace (see `pidNamespace`), `""` if not recorded. */
  pidns: string;
  /**
   * For a lock by device and inode: the creation time (ms since the
   * epoch) of the file it was taken for; `null` if not recorded.
   */
  born: number | null;
}

/** A number field of a record, or `null`. */
function num(v: unknown): number | null {
  return typeof v === "number" ? v : null;
}

/**
 * The holder a lock record names.
 *
 * @param text The lock file's text, or `null` when it is missing.
 * @returns The holder, or `null` for garbage (no usable pid or host).
 */
export function parseHolder(text: string | null): Holder | null {
  if (text === null || text === "") return null;
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    const pid = v.pid;
    // A pid that names no single process (0 and negative ones signal
    // process groups, a fraction makes the runtime throw) is garbage.
    if (
      typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 ||
      pid > 0xffffffff || typeof v.host !== "string"
    ) return null;
    return {
      pid,
      start: num(v.start),
      thread: num(v.thread),
      threadStart: num(v.threadStart),
      host: v.host,
      runtime: typeof v.runtime === "string" ? v.runtime : "",
      token: typeof v.token === "string" ? v.token : "",
      path: typeof v.path === "string" ? v.path : "",
      pidns: typeof v.pidns === "string" ? v.pidns : "",
      born: num(v.born),
    };
  } catch {
    return null;
  }
}

/** `pid N (runtime) on host`, for messages. */
export function describe(h: Holder | null): string {
  if (h === null) return "";
  return `pid ${h.pid}${h.runtime === "" ? "" : ` (${h.runtime})`} on ${
    h.host === "" ? "an unknown host" : h.host
  }`;
}

/**
 * Codes of a folder where no file can be created: a pseudo file system
 * (`/proc` says `ENOENT` of a file that exists, `/sys` `EACCES`), a folder
 * this process may not write to, a read-only disk.
 */
const NO_CREATE = new Set(["ENOENT", "EACCES", "EPERM", "EROFS"]);

/**
 * The runtime's error creating the lock file `file` (named after the
 * locked file), with what failed and the fix: the system's message names
 * only the lock's temporary, and `/proc`'s `ENOENT` reads as if the file
 * were missing. `code`, `errno` and `cause` are kept.
 *
 * @param e The error, from `runtimeError`.
 * @param file The lock (or takeover guard) file.
 * @returns `e`, its message completed when its code is one of those.
 */
export function lockNotCreated(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof Error) || !NO_CREATE.has(code as string)) return e;
  // The fix `runtimeError` gave the locked file gives way to the lock's.
  const generic = pathFix(code, verbOf(e.message))[1];
  if (generic !== "" && e.message.endsWith(generic)) {
    e.message = e.message.slice(0, -generic.length);
  }
  e.message += `; the file is locked by creating ${
    quoted(file)
  }, which the folder ${quoted(dirOf(file))} does not allow: ${
    code === "EROFS"
      ? READ_ONLY_FIX
      : "write the .npy file in a folder where this process may create files"
  }`;
  return e;
}

/** The verb of a message `Cannot <verb> ...`, or `""`. */
function verbOf(message: string): string {
  return /^Cannot (\S+)/.exec(message)?.[1] ?? "";
}
