/**
 * Setup shared by the tests that put stacks under attack (Dask rewriting
 * them, writers killed, folders copied): the options of a slow NumPy test,
 * Dask reading or rewriting a stack, our reading of an int32 stack, the
 * check of a `damaged-stack` refusal, and a child script started and
 * waited for.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ChildProcess,
  spawn,
  type StdioOptions,
} from "node:child_process";
import { NpyFormatError, readNpyStackSync } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

/** Options of a test that needs NumPy (and Dask) and takes up to 2 min. */
export const SLOW: { skip?: string; timeout: number } = {
  ...numpyTestOptions(),
  timeout: 120_000,
};

const DASK_READ =
  "import sys, json, dask.array as da; print(json.dumps(da.from_npy_stack(sys.argv[1]).compute().tolist()))";

const DASK_REWRITE = `
import sys, dask.array as da
d, n, c = sys.argv[1], int(sys.argv[2]), eval(sys.argv[3])
x = da.from_npy_stack(d).compute()[:n]
da.to_npy_stack(d, da.from_array(10 * x, chunks=c))
`;

/**
 * What Dask's `from_npy_stack` reads from `dir`, as nested lists.
 *
 * @param dir The stack folder.
 * @returns The values.
 */
export function daskReads(dir: string): number[] {
  return JSON.parse(runPython(DASK_READ, [dir]));
}

/**
 * Dask rewrites the stack in `dir` with `to_npy_stack`: its first `rows`
 * rows, times 10, in chunks `chunks` (Python: `2`, `((2, 1),)`).
 *
 * @param dir The stack folder.
 * @param rows How many rows to keep.
 * @param chunks Dask's chunks, as Python text.
 */
export function daskRewrite(dir: string, rows: number, chunks: string): void {
  runPython(DASK_REWRITE, [dir, String(rows), chunks]);
}

/**
 * Our reading of an int32 stack, as plain numbers.
 *
 * @param dir The stack folder.
 * @returns Its values in order.
 */
export function stackInts(dir: string): number[] {
  return [...readNpyStackSync(dir).data as Int32Array];
}

/**
 * Checks a refusal of a damaged stack: an `NpyFormatError` of code
 * `damaged-stack` whose message names `where` and matches every pattern.
 *
 * @param e What was thrown.
 * @param where A path the message names.
 * @param patterns What else it says (the fix, the files).
 * @returns `true`, for `assert.throws`.
 */
export function isDamagedStack(
  e: unknown,
  where: string,
  ...patterns: RegExp[]
): true {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.code, "damaged-stack");
  assert.ok(e.message.includes(where), e.message);
  for (const p of patterns) assert.match(e.message, p);
  return true;
}

/** A child script running, once it has written its first output. */
export interface ReadyChild {
  child: ChildProcess;
  /** That first output. */
  first: string;
  /** Its exit code and the signal that ended it. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/**
 * Starts a test's child script on this runtime with `args` and waits for
 * its first output on stdout (it is ready: holds its files).
 *
 * @param script The script's URL.
 * @param args Its arguments.
 * @param stdin "pipe" to write to it, else "ignore".
 * @returns The child and its exit.
 */
export async function startReady(
  script: URL,
  args: string[],
  stdin: "pipe" | "ignore" = "ignore",
): Promise<ReadyChild> {
  const [exe, pre] = scriptCommand(script);
  const stdio: StdioOptions = [stdin, "pipe", "inherit"];
  const child = spawn(exe, [...pre, ...args], { stdio });
  const exited = new Promise<{ code: number | null; signal: string | null }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const first = await new Promise<string>((resolve) =>
    child.stdout!.once("data", (b) => resolve(String(b)))
  );
  return { child, first, exited };
}
