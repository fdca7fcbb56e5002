/**
 * Files that appear whole, and the temporaries of killed writers: the one
 * mechanism behind lock files, change records and `group.json` (path
 * layer).
 *
 * @module
 */

import {
  dirOf,
  type OpenedFile,
  type PathFs,
  pathFs,
  runtimeError,
} from "./_path_fs.ts";
import { processAlive, thisProcess } from "./_process_info.ts";

/** Codes of a file system without hard links: the `O_EXCL` fallback. */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/** Folders seen refusing hard links, so that the fallback is direct. */
const linkless = new Set<string>();

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/**
 * Creates `file` whole, for records that must never be seen torn (lock
 * files, change records): `fill` writes a temporary `tmp` beside it
 * (created with `O_EXCL`), which is then hard-linked to `file` (failing if
 * `file` exists) and its own name removed. A kill at any moment leaves no
 * `file` or the whole one, and at worst `tmp`, which the caller's next run
 * removes. Where the file system has no hard links, `file` is created
 * with `O_EXCL` and filled in place: a kill in between leaves it torn,
 * which its readers must tolerate.
 *
 * @param fs The path operations.
 * @param file The file to create.
 * @param tmp Its temporary, on the same file system (named by the caller),
 *   or what creates and opens one (`O_EXCL`) and returns it, with what to
 *   do once it is removed.
 * @param fill Writes the content; if it throws, nothing is left.
 * @returns `file`, open read-write (the caller closes it), or `null` when
 *   it exists.
 * @throws the runtime's error (with `code`) when creating or filling fails.
 */
export function createWhole(
  fs: PathFs,
  file: string,
  temp:
    | string
    | (() => { path: string; file: OpenedFile; after?: () => void }),
  fill: (f: OpenedFile) => void,
): OpenedFile | null {
  const folder = dirOf(file);
  if (!linkless.has(folder)) {
    const { path: tmp, file: f, after } = typeof temp === "string"
      ? { path: temp, file: fs.open(temp, "createNew"), after: undefined }
      : temp();
    let linking = false;
    try {
      fill(f);
      linking = true;
      fs.link(tmp, file);
      return f;
    } catch (e) {
      f.closeSync();
      if (codeOf(e) === "EEXIST") return null;
      // A link takes an inode of its own on tmpfs: out of them, the
      // temporary's is freed below and `file` made directly instead.
      const linkFull = linking && /^(ENOSPC|EDQUOT)$/.test(codeOf(e));
      // The link's error names no file on Deno: named after `file`.
      if (!NO_LINKS.has(codeOf(e)) && !linkFull) {
        throw runtimeError(e, "create", file);
      }
      if (!linkFull) linkless.add(folder);
    } finally {
      try {
        fs.remove(tmp);
      } catch {
        // Left behind: the caller's next run removes it.
      }
      after?.();
    }
  }
  let f: OpenedFile;
  try {
    f = fs.open(file, "createNew");
  } catch (e) {
    if (codeOf(e) === "EEXIST") return null;
    throw e;
  }
  try {
    fill(f);
  } catch (e) {
    f.closeSync();
    try {
      fs.remove(file);
    } catch {
      // already failing
    }
    throw e;
  }
  return f;
}

/**
 * Removes the temporaries beside `path` left by processes killed before
 * they removed them: names `<lead><base of path><tail>`, where `tail` is a
 * pattern whose group 1 is the writer's pid. Those of this process and of
 * live ones stay.
 *
 * @param fs The path operations.
 * @param path The file the temporaries stand in for.
 * @param lead Text before its base name (`"."` for hidden temporaries).
 * @param tail The rest of the name, a pattern capturing the pid.
 * @param startOf What a temporary records of its writer: its start time
 *   (`null`: unknown), or `"skip"` to leave it (another host).
 */
export function removeDeadTemps(
  fs: PathFs,
  path: string,
  lead: string,
  tail: string,
  startOf: (file: string) => number | null | "skip" = () => null,
): string[] | null {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const prefix = path.slice(0, cut + 1);
  const base = (lead + path.slice(cut + 1)).replace(
    /[.*+?^${}()|[\]\\]/g,
    "\\$&",
  );
  const pattern = new RegExp(`^${base}${tail}$`);
  const me = thisProcess();
  let names: string[];
  try {
    names = fs.list(dirOf(path));
  } catch {
    // A folder that cannot be listed: nothing is cleaned up now.
    return null;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null || Number(m[1]) === me.pid) continue;
    const full = prefix + name;
    try {
      const start = startOf(full);
      if (start === "skip") continue;
      if (processAlive(Number(m[1]), start) !== false) continue;
      fs.remove(full);
    } catch {
      // Gone meanwhile (its writer removed it), or unreadable: left.
    }
  }
  return names;
}

/**
 * A temporary path beside `path`, in the same folder (so a rename is
 * atomic), hidden, unlikely to clash and carrying this process's pid:
 * `.<name>.<pid>.<random>.tmp`. Those left beside `path` by processes
 * killed before they renamed or removed theirs are removed now.
 *
 * @param path The final path.
 * @returns The temporary path.
 */
export function tempPathBeside(path: string): string {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const pid = thisProcess().pid;
  const tmp = `${dir}.${base}.${pid}.${
    Math.random().toString(36).slice(2, 10)
  }.tmp`;
  removeDeadTempsBeside(path);
  return tmp;
}

/**
 * Removes the `.<name>.<pid>.<random>.tmp` files beside `path` (see
 * {@linkcode tempPathBeside}) of processes that are gone.
 *
 * @param path The final path.
 */
export function removeDeadTempsBeside(path: string): void {
  removeDeadTemps(pathFs(), path, ".", "\\.(\\d+)\\.[0-9a-z]+\\.tmp");
}
