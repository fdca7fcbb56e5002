/**
 * Relative paths made absolute when a target is opened: every later use of
 * the path (the lock's release, the file created at the first append, a
 * change record, a shard sealed, a temporary renamed over the file) then
 * names the file that was opened, whatever `Deno.chdir()` or
 * `process.chdir()` the program calls meanwhile. No `node:` import; on
 * Deno, `process` is not touched.
 *
 * @module
 */

/**
 * `path` resolved against the working directory now; as given when it is
 * absolute or when the working directory cannot be read (Deno without
 * read permission, a browser).
 *
 * @param path A path (not empty).
 * @returns The absolute path, leading `./` dropped.
 */
export function absolutePath(path: string): string {
  if (/^(?:[\\/]|[A-Za-z]:[\\/])/.test(path)) return path;
  const g = globalThis as {
    Deno?: { cwd?(): string };
    process?: { cwd?(): string };
  };
  let cwd: string | undefined;
  try {
    cwd = g.Deno?.cwd !== undefined ? g.Deno.cwd() : g.process?.cwd?.();
  } catch {
    return path;
  }
  if (typeof cwd !== "string" || cwd === "") return path;
  const sep = /^[A-Za-z]:\\/.test(cwd) ? "\\" : "/";
  const rest = path.replace(/^(?:\.[\\/]+)+/, "");
  return `${cwd.replace(/[\\/]+$/, "")}${sep}${rest}`;
}
