/**
 * Test helper: runs a child script as another user (`nobody`, through
 * `setpriv`), for locks and files of one user met by another. The runtime
 * running the tests is hard-linked (or copied) into a folder `nobody` can
 * reach (npx keeps it under root's home), with its own cache folders.
 *
 * @module
 */

import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, copyFileSync, linkSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";
import { tempDir } from "./_numpy.ts";

/** The uid and gid of `nobody`. */
export const NOBODY = 65534;

/**
 * Test options for suites that run a child as `nobody`: skipped with a
 * notice when not root on Linux, except in CI (where a skip must fail).
 */
export function nobodyTestOptions(
  timeout: number,
): { timeout: number; skip?: string } {
  const can = process.platform === "linux" && process.getuid?.() === 0;
  const ci = (process.env.CI ?? "") !== "";
  return {
    timeout,
    ...(!can && !ci ? { skip: "needs root on Linux (to run as nobody)" } : {}),
  };
}

let home: { dir: string; bin: string } | null = null;

/** The runtime's binary where `nobody` can run it, and a home for it. */
function nobodyHome(cmd: string): { dir: string; bin: string } {
  if (home !== null) return home;
  const dir = tempDir();
  chmodSync(dir, 0o777);
  const bin = join(dir, basename(cmd));
  try {
    linkSync(cmd, bin);
  } catch {
    copyFileSync(cmd, bin);
  }
  chmodSync(bin, 0o755);
  mkdirSync(join(dir, "home"), { mode: 0o777 });
  chmodSync(join(dir, "home"), 0o777);
  home = { dir, bin };
  return home;
}

/**
 * Runs `cmd args` (a runtime and its script, as `scriptCommand` gives
 * them) as `nobody`, and waits for it.
 *
 * @param cmd The runtime's binary.
 * @param args Its arguments.
 * @param timeout Milliseconds before it is killed.
 * @returns What `spawnSync` returns (text output).
 */
export function runAsNobody(
  cmd: string,
  args: string[],
  timeout = 60_000,
): SpawnSyncReturns<string> {
  const { dir, bin } = nobodyHome(cmd);
  const h = join(dir, "home");
  return spawnSync(
    "setpriv",
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      bin,
      ...args,
    ],
    {
      encoding: "utf8",
      timeout,
      cwd: h,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: h,
        DENO_DIR: join(h, "deno"),
        BUN_INSTALL_CACHE_DIR: join(h, "bun"),
        TMPDIR: h,
        NO_COLOR: "1",
      },
    },
  );
}
