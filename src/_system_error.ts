/**
 * Runtime errors in the library's terms: a system error (`EBADF`,
 * `ENOSPC`, Deno's `BadResource`) thrown again as `Cannot <verb> <file>:
 * <message>`, naming the path or the file object and, where the code
 * tells it, the fix; the same `code`, `errno` and `syscall`, the original
 * as `cause`. The path layer and the file-object driver (`_io.ts`) both
 * label their errors here.
 *
 * @module
 */

import { FILE_OBJECT_LABEL, showFile } from "./_file_label.ts";

/**
 * An error from the runtime, thrown again as `Cannot <verb> <file>:
 * <message>` with the same `code`, `errno` and `syscall` and the original
 * as `cause` (for a path the file system refuses, `ELOOP` and
 * `ENAMETOOLONG`, a `TypeError` or `RangeError` with the fix; for a file
 * object closed or not open for the call, `EBADF` or Deno's
 * `BadResource`, the fix). Errors that already name the file pass
 * unchanged. For a file object (`label` is `"the file object"`) only
 * system errors are reworded: a `code` such as `EBADF`, or one of Deno's
 * error classes (whose class the new error keeps); anything else it threw
 * (the caller's own error) passes unchanged.
 *
 * @param raw The error.
 * @param verb What was being done (`"read"`, `"write"`, `"open"`).
 * @param label The file's path, or `"the file object"`.
 * @param wrote Whether the file was written to (for `"close"`: an `EIO`
 *   then says those writes may be lost, and the fix).
 * @returns The error to throw.
 */
export function runtimeError(
  raw: unknown,
  verb: string,
  label: string,
  wrote = false,
): unknown {
  if (!(raw instanceof Error) || raw.name === "NpyLockedError") return raw;
  const e = systemNamed(raw);
  const code = (e as { code?: unknown }).code;
  const object = label === FILE_OBJECT_LABEL;
  const DenoClass = denoErrorClass(e);
  // Deno's missing permission has no code: named too, keeping its name.
  const denied = e.name === "NotCapable";
  const named = typeof code === "string" &&
    (!object || /^E[A-Z0-9]+$/.test(code));
  if (!named && !denied && !(object && DenoClass !== undefined)) return e;
  if (e.message.startsWith("Cannot ")) return e;
  const head = `Cannot ${verb} ${showFile(label)}: `;
  const [Class, fix] = object
    ? [DenoClass ?? Error, objectFix(named ? code as string : e.name, verb)]
    : wrote && verb === "close" && code === "EIO"
    ? [Error, CLOSE_EIO_FIX]
    : pathFix(code, verb);
  const out = new Class(head + e.message + fix, { cause: e });
  if (denied) out.name = e.name;
  const fields = out as unknown as Record<string, unknown>;
  if (typeof code === "string") fields.code = code;
  const src = e as unknown as Record<string, unknown>;
  if (src.errno !== undefined) fields.errno = src.errno;
  if (src.syscall !== undefined) fields.syscall = src.syscall;
  return out;
}

/** `e`'s class when it is one of Deno's (`Deno.errors.BadResource`). */
function denoErrorClass(e: Error): ErrorConstructor | undefined {
  const errors = (globalThis as { Deno?: { errors?: object } }).Deno?.errors;
  if (errors === undefined) return undefined;
  return Object.values(errors).find((C) =>
    typeof C === "function" && e.constructor === C
  ) as ErrorConstructor | undefined;
}

/**
 * The fix for a file object's system error of `code` (or Deno class
 * name) met while doing `verb`: "" when the code tells none.
 */
function objectFix(code: string, verb: string): string {
  const keep =
    'open it for reading and writing (fs.promises.open(path, "r+"), fs.openSync(path, "r+"), Deno.open(path, { read: true, write: true })), or for reading only to read, and keep it open until the writer or reader is closed';
  if (code === "EBADF" || code === "BadResource") {
    return `; the file object is closed or not open for ${
      verb === "read" ? "reading" : "writing"
    }: ${keep}`;
  }
  if (
    code === "EPERM" || code === "EACCES" || code === "PermissionDenied" ||
    code === "NotCapable"
  ) {
    return `; the system refuses to ${verb} the file object: ${keep}, with the permission to ${verb} it`;
  }
  if (code === "EROFS") {
    return "; its file system is read-only: write to a file on a writable one";
  }
  return Object.hasOwn(DISK_FIXES, code) ? DISK_FIXES[code]! : "";
}

/**
 * The POSIX name of the system error number `errno` (either sign) on this
 * platform, from `node:os`'s `constants.errno` (on Node, Bun and Deno), or
 * `undefined` (no such number, no `node:os`, or Windows, whose runtimes
 * number errors otherwise). The runtimes leave some errors of failing and
 * full disks unnamed: Deno gives `EDQUOT`, `ESTALE`, `EFBIG`, `EINTR` ...
 * no `code` (`Disk quota exceeded (os error 122)`), Node 20 names `EDQUOT`
 * and `ESTALE` `Unknown system error -122` (`UNKNOWN` on a write). For failure paths only
 * (loading `node:os` costs milliseconds).
 *
 * @param errno The number.
 * @returns Its name, such as `"EDQUOT"`.
 */
export function errnoName(errno: number): string | undefined {
  const p = (globalThis as {
    process?: {
      platform?: string;
      getBuiltinModule?: (name: string) => unknown;
    };
  }).process;
  if (p === undefined || p.platform === "win32") return undefined;
  const os = p.getBuiltinModule?.("node:os") as
    | { constants?: { errno?: Record<string, number> } }
    | undefined;
  const table = os?.constants?.errno ?? {};
  const n = Math.abs(errno);
  return Object.keys(table).find((k) => table[k] === n);
}

/** Words for the codes that Node 20 leaves unnamed (Bun: "unknown error"). */
const UNNAMED_WORDS: Record<string, string> = {
  EDQUOT: "disk quota exceeded",
  ESTALE: "stale file handle",
};

/**
 * A runtime error named from its number when the runtime did not: Node
 * 20's code `Unknown system error -122` (`UNKNOWN` on a write), Bun's
 * `EDQUOT: unknown error`; as `EDQUOT: disk quota exceeded, write`, `code`
 * set, the original as `cause`. Other errors unchanged.
 *
 * @param e The runtime's error.
 * @returns The error with its name.
 */
export function systemNamed(e: Error): Error {
  const f = e as { code?: unknown; errno?: unknown; syscall?: unknown };
  if (typeof f.code !== "string" || typeof f.errno !== "number") return e;
  const unknown = f.code === "UNKNOWN" ||
    f.code.startsWith("Unknown system error");
  const code = unknown ? errnoName(f.errno) : f.code;
  if (
    code === undefined ||
    !(unknown || (e.message.startsWith(`${code}: unknown error`) &&
      UNNAMED_WORDS[code] !== undefined))
  ) return e;
  const syscall = typeof f.syscall === "string" ? `, ${f.syscall}` : "";
  const out = new Error(
    `${code}: ${UNNAMED_WORDS[code] ?? `system error ${f.errno}`}${syscall}`,
    { cause: e },
  );
  Object.assign(out, { code, errno: f.errno });
  if (syscall !== "") Object.assign(out, { syscall: f.syscall });
  return out;
}

/**
 * The fixes for a disk without room, for a path and a file object alike:
 * full (`ENOSPC`), over its quota (`EDQUOT`), or a file at the largest size
 * allowed (`EFBIG`: the process's `RLIMIT_FSIZE`, which Node and Bun meet
 * as this error, or the file system's).
 */
const DISK_FIXES: Record<string, string> = {
  ENOSPC: "; free space (or inodes) on its disk, then try again",
  EDQUOT:
    "; free space within the disk quota, or raise the quota, then try again",
  EFBIG:
    "; the file would pass the largest file size allowed, the process's (the shell's ulimit -f) or its file system's (FAT32: 4 GiB): raise the limit, or write to another file system or to a new file (a stack splits an array into files)",
};

/**
 * The fix for `EIO` from closing a path's file: a network file system
 * reports there the writes it could not make (Node says so; Bun and Deno
 * drop errors of `close(2)`).
 */
const CLOSE_EIO_FIX =
  "; the last writes to it may not have reached the disk (a network file system reports failed writes when the file is closed): read it again (np.load, or the CLI's info) and append what is missing; open writers with fsync: true to have each append confirmed by the disk before it returns";

/** The fix for a path on a read-only file system (`EROFS`). */
export const READ_ONLY_FIX =
  "its file system is read-only; remount it read-write, or copy the .npy file (a stack or group: its folder) to a writable one and work on the copy";

/**
 * The class and fix (`"; ..."`, or `""`) for the runtime's error `code`
 * met doing `verb` on a path: {@linkcode PATH_FIXES}, and the fixes of a
 * path the system refuses (`EACCES`, `EPERM`), of a read-only file system
 * (`EROFS`) and of a missing file (`ENOENT`: a writer's missing folder is
 * refused before, naming it), each an `Error` with the code kept.
 *
 * @param code The runtime's code, such as `"EACCES"`.
 * @param verb What was being done (`"read"`, `"open"`).
 * @returns The error class and the fix.
 */
export function pathFix(
  code: unknown,
  verb: string,
): [ErrorConstructor, string] {
  if (typeof code !== "string") return [Error, ""];
  if (Object.hasOwn(PATH_FIXES, code)) return PATH_FIXES[code]!;
  if (code === "EACCES" || code === "EPERM") {
    return [
      Error,
      `; the system says this process may not ${verb} it: change its permissions (chmod) or owner (chown), or run as a user who may`,
    ];
  }
  if (code === "EROFS") return [Error, `; ${READ_ONLY_FIX}`];
  if (code === "ENOENT") {
    return [Error, "; there is no file at this path: check the path"];
  }
  return [Error, ""];
}

/**
 * Runtime errors that a path itself causes: thrown as a `TypeError` or
 * `RangeError` (the code kept), the runtime's words followed by the fix;
 * and a full disk's (`ENOSPC`, `EDQUOT`, `EFBIG`) or a process or system out
 * of file descriptors (`EMFILE`, `ENFILE`): an `Error`, with the fix.
 */
const PATH_FIXES: Record<string, [ErrorConstructor, string]> = {
  ENOSPC: [Error, DISK_FIXES.ENOSPC!],
  EDQUOT: [Error, DISK_FIXES.EDQUOT!],
  EFBIG: [Error, DISK_FIXES.EFBIG!],
  EMFILE: [
    Error,
    "; this process has no file descriptor left (its limit of open files, the shell's ulimit -n): close files and writers it no longer needs, or raise the limit, then try again",
  ],
  ENFILE: [
    Error,
    "; the system has no file descriptor left (its limit of open files, Linux: fs.file-max): close files, or raise the limit, then try again",
  ],
  ELOOP: [
    TypeError,
    "; a symbolic link on the path leads back to itself: fix or remove that link",
  ],
  ENAMETOOLONG: [
    RangeError,
    "; a name on the path (or the path) is longer than the file system allows: use a shorter name",
  ],
};
