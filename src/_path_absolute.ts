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
 * absolute (or names a Windows drive) or when no working directory can be
 * read (a browser).
 *
 * @param path A path (not empty).
 * @returns The absolute path, leading `./` dropped.
 */
export function absolutePath(path: string): string {
  if (/^[\\/]/.test(path)) return path;
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
  // Windows: a drive's path ("C:\\x.npy", or "C:x.npy" in that drive's
  // folder) as given.
  const windows = /^[A-Za-z]:\\/.test(cwd);
  if (windows && /^[A-Za-z]:/.test(path)) return path;
  const rest = path.replace(/^(?:\.[\\/]+)+/, "");
  return `${cwd.replace(/[\\/]+$/, "")}${windows ? "\\" : "/"}${rest}`;
}
