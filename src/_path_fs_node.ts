/**
 * The `node:fs` backend of the path layer (`_path_fs.ts`), for Node and
 * Bun: files opened from paths as {@linkcode NodeFile}s whose errors name
 * the file, and the path operations.
 *
 * @module
 */

import { NodeFile, type NodeFsLike } from "./adapters/node.ts";
import {
  dirOf,
  fileId,
  notAFile,
  type OpenedFile,
  type OpenMode,
  type PathFs,
  type PathKind,
  runtimeError,
  systemNamed,
} from "./_path_fs.ts";
import { tooLarge } from "./_file_label.ts";

interface NodeStats {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  mtimeMs: number;
  size: number;
  dev?: number;
  ino?: number;
  nlink?: number;
}

/** What the backend uses of `node:fs`. */
export interface NodeFsFull extends NodeFsLike {
  openSync(path: string, flags: number, mode?: number): number;
  statSync(path: string): NodeStats;
  fstatSync(fd: number): NodeStats;
  existsSync(path: string): boolean;
  unlinkSync(path: string): void;
  renameSync(from: string, to: string): void;
  linkSync(from: string, to: string): void;
  symlinkSync?(target: string, path: string): void;
  readlinkSync?(path: string): string;
  mkdirSync(path: string, options?: { recursive: boolean }): void;
  rmdirSync?(path: string): void;
  readFileSync(path: string, encoding: "utf8"): string;
  readdirSync(path: string): string[];
  constants: Record<string, number>;
}

/**
 * A {@linkcode NodeFile} opened from a path, whose runtime errors name the
 * path. The happy path costs one `try` per call, no allocation.
 */
class PathFile extends NodeFile implements OpenedFile {
  readonly #path: string;
  /** Written or truncated: a failed close may have lost those writes. */
  #wrote = false;

  readonly #fd: number;
  readonly #fs: NodeFsFull;

  constructor(fd: number, fs: NodeFsFull, path: string) {
    super(fd, fs);
    this.#path = path;
    this.#fd = fd;
    this.#fs = fs;
  }

  linkCount(): number | null {
    const n = this.#fstat()?.nlink;
    return typeof n === "number" ? n : null;
  }

  identity(): string | null {
    const s = this.#fstat();
    return s === null ? null : fileId(s.dev, s.ino);
  }

  #fstat(): NodeStats | null {
    try {
      return this.#fs.fstatSync(this.#fd);
    } catch {
      return null;
    }
  }

  override readSync(buffer: Uint8Array, position: number): number {
    try {
      return super.readSync(buffer, position);
    } catch (e) {
      throw runtimeError(e, "read", this.#path);
    }
  }

  override writeSync(buffer: Uint8Array, position: number): void {
    this.#wrote = true;
    try {
      super.writeSync(buffer, position);
    } catch (e) {
      throw runtimeError(e, "write", this.#path);
    }
  }

  override sizeSync(): number {
    try {
      return super.sizeSync();
    } catch (e) {
      throw runtimeError(e, "read", this.#path);
    }
  }

  override truncateSync(length: number): void {
    this.#wrote = true;
    try {
      super.truncateSync(length);
    } catch (e) {
      throw runtimeError(e, "write", this.#path);
    }
  }

  override syncSync(): void {
    try {
      super.syncSync();
    } catch (e) {
      throw runtimeError(e, "write", this.#path);
    }
  }

  override closeSync(): void {
    try {
      super.closeSync();
    } catch (e) {
      throw runtimeError(e, "close", this.#path, this.#wrote);
    }
  }
}

function kindOf(st: NodeStats): PathKind {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  return "device";
}

/**
 * The path operations on `node:fs` (Node and Bun).
 *
 * @param fs The runtime's `node:fs`.
 * @returns The path operations.
 */
export function nodePathFs(fs: NodeFsFull): PathFs {
  const c = fs.constants;
  // O_NONBLOCK: opening a FIFO that appeared after the check must not
  // wait for a peer (it has no effect on regular files).
  const nb = c.O_NONBLOCK ?? 0;
  const flags: Record<OpenMode, number> = {
    read: c.O_RDONLY! | nb,
    write: c.O_RDWR! | nb,
    create: c.O_RDWR! | c.O_CREAT! | nb,
    createNew: c.O_RDWR! | c.O_CREAT! | c.O_EXCL! | nb,
  };
  /** `stat` of `path`, `null` when it is missing. */
  const statOrNull = (path: string): NodeStats | null => {
    try {
      return fs.statSync(path);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return null;
      // A symlink loop, a name too long ...: the path's error, with the fix.
      throw runtimeError(e, "open", path);
    }
  };
  /** `stat` of `path`, `null` when nothing is there. */
  const look = (path: string): NodeStats | null => {
    try {
      return fs.statSync(path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      // ENOTDIR: a folder on the way is a file, so nothing is there.
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw runtimeError(e, "open", path);
    }
  };
  const kind = (path: string): PathKind => {
    const st = look(path);
    return st === null ? "missing" : kindOf(st);
  };
  return {
    exists: (path) => fs.existsSync(path),
    kind,
    open(path, mode, verb = mode === "read" ? "read" : "open", label = path) {
      // `createNew` opens nothing that exists (O_EXCL: EEXIST, for a FIFO
      // or a dangling symlink too), so only the other modes check first.
      if (mode !== "createNew") {
        const before = kind(path);
        if (before !== "file" && before !== "missing") {
          throw notAFile(verb, path, before);
        }
      }
      let fd: number;
      try {
        fd = fs.openSync(path, flags[mode], 0o666);
      } catch (e) {
        throw runtimeError(e, verb, path);
      }
      try {
        const now = kindOf(fs.fstatSync(fd));
        if (now !== "file") throw notAFile(verb, path, now);
      } catch (e) {
        fs.closeSync(fd);
        throw runtimeError(e, verb, path);
      }
      return new PathFile(fd, fs, label);
    },
    remove(path) {
      try {
        fs.unlinkSync(path);
      } catch (e) {
        throw runtimeError(e, "remove", path);
      }
    },
    rename(from, to) {
      try {
        fs.renameSync(from, to);
      } catch (e) {
        throw runtimeError(e, "rename", from);
      }
    },
    syncDir(path) {
      let fd: number;
      try {
        fd = fs.openSync(path, c.O_RDONLY!);
      } catch (e) {
        throw runtimeError(e, "sync", path);
      }
      try {
        fs.fsyncSync(fd);
      } catch (e) {
        // Some file systems cannot sync a folder (EINVAL): nothing to do.
        const code = (e as { code?: string }).code;
        if (code !== "EINVAL" && code !== "EISDIR" && code !== "EBADF") {
          throw runtimeError(e, "sync", path);
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    readText(path, maxBytes = Infinity) {
      // Reading a FIFO would wait for a writer: refused first.
      const st = look(path);
      if (st === null) return null;
      const k = kindOf(st);
      if (k !== "file") throw notAFile("read", path, k, "remove it");
      if (st.size > maxBytes) throw tooLarge(path, st.size, maxBytes);
      try {
        return fs.readFileSync(path, "utf8");
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") return null;
        throw runtimeError(e, "read", path);
      }
    },
    modifiedMs: (path) => statOrNull(path)?.mtimeMs ?? null,
    size: (path) => statOrNull(path)?.size ?? null,
    link(from, to) {
      try {
        fs.linkSync(from, to);
      } catch (e) {
        // Raw, as Deno's: callers judge the code (EEXIST, a full disk).
        throw e instanceof Error ? systemNamed(e) : e;
      }
    },
    symlink(text, path) {
      try {
        fs.symlinkSync!(text, path);
      } catch (e) {
        throw e instanceof Error ? systemNamed(e) : e;
      }
    },
    readLink(path) {
      try {
        return fs.readlinkSync!(path);
      } catch {
        return null;
      }
    },
    list(path) {
      try {
        return fs.readdirSync(path);
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") return [];
        throw runtimeError(e, "read", path);
      }
    },
    removeFolder(path) {
      try {
        fs.rmdirSync!(path);
      } catch (e) {
        throw runtimeError(e, "remove", path);
      }
    },
    mkdir(path) {
      // Node's recursive mkdir says ENOENT for EROFS, EACCES too: each
      // missing folder is made on its own, from the first one missing.
      const missing: string[] = [];
      for (
        let p = path;
        kind(p) === "missing" && dirOf(p) !== p;
        p = dirOf(p)
      ) missing.unshift(p);
      if (missing.length === 0 && kind(path) !== "directory") {
        missing.push(path);
      }
      for (const p of missing) {
        try {
          fs.mkdirSync(p);
        } catch (e) {
          const raced = (e as { code?: string }).code === "EEXIST";
          if (!raced || kind(p) !== "directory") {
            throw runtimeError(e, "create", path);
          }
        }
      }
    },
  };
}
