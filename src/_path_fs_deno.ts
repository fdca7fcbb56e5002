/**
 * The path layer's Deno backend: the operations of {@linkcode PathFs} on
 * Deno's own calls (`Deno.openSync`, `Deno.statSync`, `Deno.linkSync` ...),
 * because loading Deno's Node-compatibility `node:fs` costs 10 to 80 ms
 * at its first use, which a short-lived process would pay on every run.
 * Same flags, same lock files, same errors (`code`, and messages in the
 * form `ENOENT: no such file or directory, open '<path>'`) as the
 * `node:fs` backend in `_path_fs.ts`.
 *
 * The files it opens are `_path_file_deno.ts`'s: on `Deno.FsFile`, moving
 * to `node:fs` positioned calls after many scattered calls.
 *
 * @module
 */

import {
  againFreeingDescriptors,
  type DenoInfo,
  DenoPathFile,
  type DenoPathFsFile,
} from "./_path_file_deno.ts";
import { nodeStyle } from "./_deno_error_style.ts";
import {
  notAFile,
  type OpenedFile,
  type OpenMode,
  type PathFs,
  type PathKind,
  runtimeError,
} from "./_path_fs.ts";
import { tooLarge } from "./_file_label.ts";

/** The members of the `Deno` namespace the backend uses. */
export interface DenoPathApi {
  openSync(path: string, options: {
    read?: boolean;
    write?: boolean;
    create?: boolean;
    createNew?: boolean;
    mode?: number;
    customFlags?: number;
  }): DenoPathFsFile;
  statSync(path: string): DenoInfo;
  removeSync(path: string): void;
  renameSync(from: string, to: string): void;
  linkSync(from: string, to: string): void;
  symlinkSync?(target: string, path: string): void;
  readLinkSync?(path: string): string;
  mkdirSync(path: string, options: { recursive: boolean }): void;
  readTextFileSync(path: string): string;
  readDirSync(path: string): Iterable<{ name: string }>;
  build: { os: string };
}

/** The `Deno` namespace when the path layer can use it, else `undefined`. */
export function denoPathApi(): DenoPathApi | undefined {
  const d = (globalThis as { Deno?: Partial<DenoPathApi> }).Deno;
  return typeof d?.openSync === "function" &&
      typeof d.linkSync === "function"
    ? d as DenoPathApi
    : undefined;
}

function kindOf(st: DenoInfo): PathKind {
  if (st.isFile) return "file";
  if (st.isDirectory) return "directory";
  if (st.isFifo) return "fifo";
  if (st.isSocket) return "socket";
  return "device";
}

/**
 * `O_NONBLOCK` for `Deno.openSync`'s `customFlags`: opening a FIFO that
 * appeared after the check must not wait for a peer (no effect on regular
 * files); `0` where there is none (Windows).
 */
function nonBlock(d: DenoPathApi): number {
  return d.build.os === "linux" ? 0o4000 : d.build.os === "windows" ? 0 : 0x4;
}

const OPTIONS = {
  read: { read: true },
  write: { read: true, write: true },
  create: { read: true, write: true, create: true },
  createNew: { read: true, write: true, createNew: true },
} as const;

// The operations below are top-level functions, bound to the `Deno`
// namespace by `denoPathFs`, not closures inside it: the JSR build's
// compile hints (scripts/compile_hints.ts) can only make top-level
// functions compile with the module, and a short-lived process runs most
// of these (issue 17.2, cold start).

/** `stat` of `path`, `null` when it is missing. */
function denoStatOrNull(d: DenoPathApi, path: string): DenoInfo | null {
  try {
    return d.statSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    // A symlink loop, a name too long ...: the path's error, with the fix.
    throw runtimeError(nodeStyle(e), "open", path);
  }
}

/** `stat` of `path`, `null` when nothing is there. */
function denoLook(d: DenoPathApi, path: string): DenoInfo | null {
  try {
    return d.statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    // ENOTDIR: a folder on the way is a file, so nothing is there.
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw runtimeError(nodeStyle(e), "open", path);
  }
}

function denoKind(d: DenoPathApi, path: string): PathKind {
  const st = denoLook(d, path);
  return st === null ? "missing" : kindOf(st);
}

function denoExists(d: DenoPathApi, path: string): boolean {
  try {
    d.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function denoOpen(
  d: DenoPathApi,
  path: string,
  mode: OpenMode,
  verb: string = mode === "read" ? "read" : "open",
  label: string = path,
): OpenedFile {
  // `createNew` opens nothing that exists (O_EXCL: EEXIST, for a FIFO or a
  // dangling symlink too), so only the other modes check first.
  if (mode !== "createNew") {
    const before = denoKind(d, path);
    if (before !== "file" && before !== "missing") {
      throw notAFile(verb, path, before);
    }
  }
  const nb = nonBlock(d);
  const options = {
    ...OPTIONS[mode],
    mode: 0o666,
    ...(nb === 0 ? {} : { customFlags: nb }),
  };
  let file: DenoPathFsFile;
  try {
    file = againFreeingDescriptors(() => d.openSync(path, options));
  } catch (e) {
    throw runtimeError(nodeStyle(e), verb, path);
  }
  try {
    const now = kindOf(file.statSync());
    if (now !== "file") throw notAFile(verb, path, now);
  } catch (e) {
    file.close();
    throw runtimeError(nodeStyle(e), verb, path);
  }
  return new DenoPathFile(
    file,
    path,
    label,
    mode !== "read",
    () =>
      d.openSync(path, {
        ...OPTIONS[mode === "read" ? "read" : "write"],
        ...(nb === 0 ? {} : { customFlags: nb }),
      }),
  );
}

function denoRemove(d: DenoPathApi, path: string): void {
  try {
    d.removeSync(path);
  } catch (e) {
    throw runtimeError(nodeStyle(e), "remove", path);
  }
}

function denoRename(d: DenoPathApi, from: string, to: string): void {
  try {
    d.renameSync(from, to);
  } catch (e) {
    throw runtimeError(nodeStyle(e), "rename", from);
  }
}

function denoSyncDir(d: DenoPathApi, path: string): void {
  let dir: DenoPathFsFile;
  try {
    dir = againFreeingDescriptors(() => d.openSync(path, { read: true }));
  } catch (e) {
    throw runtimeError(nodeStyle(e), "sync", path);
  }
  try {
    dir.syncSync();
  } catch (e) {
    // Some file systems cannot sync a folder (EINVAL): nothing to do.
    const code = (e as { code?: string }).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EBADF") {
      throw runtimeError(nodeStyle(e), "sync", path);
    }
  } finally {
    dir.close();
  }
}

function denoReadText(
  d: DenoPathApi,
  path: string,
  maxBytes = Infinity,
): string | null {
  // Reading a FIFO would wait for a writer: refused first.
  const st = denoLook(d, path);
  if (st === null) return null;
  const k = kindOf(st);
  if (k !== "file") throw notAFile("read", path, k, "remove it");
  if (st.size > maxBytes) throw tooLarge(path, st.size, maxBytes);
  try {
    return againFreeingDescriptors(() => d.readTextFileSync(path));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw runtimeError(nodeStyle(e), "read", path);
  }
}

function denoModifiedMs(d: DenoPathApi, path: string): number | null {
  const st = denoStatOrNull(d, path);
  if (st === null) return null;
  return st.mtime === null ? Date.now() : st.mtime.getTime();
}

function denoSize(d: DenoPathApi, path: string): number | null {
  return denoStatOrNull(d, path)?.size ?? null;
}

/** `linkSync` (`sym`: `symlinkSync`), failing in `node:fs`'s form. */
function denoLink(d: DenoPathApi, sym: boolean, a: string, b: string): void {
  try {
    if (sym) d.symlinkSync!(a, b);
    else d.linkSync(a, b);
  } catch (e) {
    throw nodeStyle(e);
  }
}

function denoReadLink(d: DenoPathApi, path: string): string | null {
  try {
    return d.readLinkSync!(path);
  } catch {
    return null;
  }
}

function denoList(d: DenoPathApi, path: string): string[] {
  try {
    return againFreeingDescriptors(() =>
      Array.from(d.readDirSync(path), (e) => e.name)
    );
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return [];
    throw runtimeError(nodeStyle(e), "read", path);
  }
}

function denoMkdir(d: DenoPathApi, path: string): void {
  try {
    d.mkdirSync(path, { recursive: true });
  } catch (e) {
    throw runtimeError(nodeStyle(e), "create", path);
  }
}

/**
 * The path operations on Deno's own calls.
 *
 * @param d The `Deno` namespace.
 * @returns The path operations.
 */
export function denoPathFs(d: DenoPathApi): PathFs {
  return {
    exists: denoExists.bind(null, d),
    kind: denoKind.bind(null, d),
    open: denoOpen.bind(null, d),
    remove: denoRemove.bind(null, d),
    rename: denoRename.bind(null, d),
    syncDir: denoSyncDir.bind(null, d),
    readText: denoReadText.bind(null, d),
    modifiedMs: denoModifiedMs.bind(null, d),
    size: denoSize.bind(null, d),
    link: denoLink.bind(null, d, false),
    list: denoList.bind(null, d),
    symlink: denoLink.bind(null, d, true),
    readLink: denoReadLink.bind(null, d),
    mkdir: denoMkdir.bind(null, d),
    removeFolder: denoRemove.bind(null, d),
  };
}
