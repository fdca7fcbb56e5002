/**
 * Real small file systems for full-disk tests: a tmpfs mounted on a
 * folder (root only, Linux).
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { tempDir } from "./_numpy.ts";

/**
 * Mounts a tmpfs on `dir`.
 *
 * @param dir An existing, empty folder.
 * @param options Mount options, such as `"size=2m"` or `"size=2m,ro"`.
 * @throws {Error} naming `dir` and the system's words when it cannot.
 */
export function mountTmpfs(dir: string, options = "size=2m"): void {
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  if (r.status !== 0) {
    throw new Error(`Cannot mount a tmpfs on ${dir}: ${String(r.stderr)}`);
  }
}

/** Unmounts what {@linkcode mountTmpfs} mounted on `dir`. */
export function unmountTmpfs(dir: string): void {
  spawnSync("umount", [dir]);
}

/**
 * A test body that runs `run` on a fresh tmpfs mounted with `options`,
 * unmounted afterwards whatever happens.
 */
export function withTmpfs(
  options: string,
  run: (dir: string) => void | Promise<void>,
): () => Promise<void> {
  return async () => {
    const dir = tempDir();
    assert.doesNotThrow(() => mountTmpfs(dir, options));
    try {
      await run(dir);
    } finally {
      unmountTmpfs(dir);
    }
  };
}

/**
 * Fills the file system of `dir` with one file grown 4 KiB at a time until
 * it is full, then frees `leave` bytes of it (whole pages).
 *
 * @returns The filler file.
 */
export function fillDisk(dir: string, leave = 0): string {
  const block = new Uint8Array(4096);
  const filler = join(dir, "filler");
  try {
    for (;;) writeFileSync(filler, block, { flag: "a" });
  } catch {
    // full
  }
  if (leave > 0) {
    truncateSync(filler, Math.max(0, statSync(filler).size - leave));
  }
  return filler;
}

/**
 * Takes every free inode of the file system of `dir` (empty files
 * `inode-0`, `inode-1`, ...; they need no page).
 *
 * @returns A function removing them.
 */
export function fillInodes(dir: string): () => void {
  const made: string[] = [];
  try {
    for (;;) {
      const path = join(dir, `inode-${made.length}`);
      writeFileSync(path, "", { flag: "wx" });
      made.push(path);
    }
  } catch {
    // out of inodes
  }
  return () => made.forEach((p) => rmSync(p, { force: true }));
}

/**
 * Test options for suites that mount a tmpfs: skipped with a notice when
 * not root, except in CI (where a skip must fail).
 */
export function tmpfsTestOptions(
  timeout: number,
): { timeout: number; skip?: string } {
  const root = process.getuid?.() === 0;
  const ci = (process.env.CI ?? "") !== "";
  return {
    timeout,
    ...(!root && !ci ? { skip: "needs root (to mount a tmpfs)" } : {}),
  };
}
