/**
 * Test helper: a lock taker (`_stop21_hold_temp_child.ts`) started and
 * paused before its `n`th link, for tests of what a killed or live
 * taker's hold-record temporary and slot leave behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { scriptCommand } from "./_runtime.ts";

const CHILD = scriptCommand(
  new URL("./_stop21_hold_temp_child.ts", import.meta.url),
);

/** Starts the child pausing before its `n`th link; resolves once paused. */
export async function paused(
  n: number,
  kind: string,
  path: string,
): Promise<{ pid: number; done: Promise<string> }> {
  const p = spawn(CHILD[0], [...CHILD[1], "pause", String(n), kind, path]);
  let out = "";
  const done = new Promise<string>((resolve) => {
    p.stdout.on("data", (b) => out += b);
    p.stderr.on("data", (b) => out += b);
    p.on("close", () => resolve(out));
  });
  while (!out.includes("paused")) {
    if (p.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(out, /paused/, out);
  return { pid: Number(/^pid (\d+)$/m.exec(out)?.[1]), done };
}
