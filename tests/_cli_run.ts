/**
 * The tests' one runner of the command line: `cli.ts` under the runtime
 * running the tests (`deno run -R -W --no-lock`, or `-A` when asked;
 * `bun`/`node` run it as they are), in the project's root (`npm/` for the
 * compiled tests), stdin empty unless given.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { scriptCommand } from "./_runtime.ts";

/** The project's root (the folder above `tests/`). */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

const CLI_URL = new URL("../cli.ts", import.meta.url);
const READ_WRITE = scriptCommand(CLI_URL, ["-R", "-W", "--no-lock"]);
const ALL = scriptCommand(CLI_URL);

/** What a run of the command line gave. */
export interface CliRun {
  /** The exit code; `null` when a signal (or the timeout) ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How to run the command line. */
export interface CliOptions {
  /** The working folder (default {@linkcode ROOT}). */
  cwd?: string;
  /** Standard input (default empty). */
  input?: string | Uint8Array;
  /** Milliseconds before it is killed (default none). */
  timeout?: number;
  /** Deno: `-A` instead of `-R -W --no-lock`. */
  allPermissions?: boolean;
}

/** Options for a run with all of Deno's permissions (`-A`). */
export const ALL_PERMISSIONS: CliOptions = { allPermissions: true };

/**
 * Runs the command line with `args` and waits for it.
 *
 * @param args The command and its arguments.
 * @param options Folder, stdin, timeout, Deno's permissions.
 * @returns Its exit code, stdout and stderr.
 * @throws the spawn error when it could not be started.
 */
export function cli(args: readonly string[], options: CliOptions = {}): CliRun {
  const [exe, pre] = options.allPermissions ? ALL : READ_WRITE;
  const res = spawnSync(exe, [...pre, ...args], {
    input: options.input ?? "",
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
  const code = (res.error as { code?: string } | undefined)?.code;
  if (res.error && code !== "ETIMEDOUT") throw res.error;
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
