/**
 * Child process for the stop 18 test of a lock removal failing after a
 * finished maintenance call, run under `strace` failing the removal
 * (`straceFailing`).
 *
 * Usage: `<runtime> tests/_stop18_lock_child.ts PATH OP`, OP one of
 * `recover`, `ensure` (by copy), `ensure-inplace`, `recover-stack`,
 * `recover-group`; prints `ok RESULT` (as JSON), or `err CODE` and the
 * message as JSON on the next line; then whether the same call in this
 * process works again (`again ok` or `again err CODE`); the last line is
 * `done`.
 *
 * @module
 */

import process from "node:process";
import {
  ensureAppendableSync,
  recoverGroupSync,
  recoverStackSync,
  recoverSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path, op] = deno ? deno.args : process.argv.slice(2);
const code = (e: unknown) => String((e as { code?: string }).code);

const OPS: Record<string, () => unknown> = {
  "recover": () => recoverSync(path!),
  "ensure": () => ensureAppendableSync(path!),
  "ensure-inplace": () => ensureAppendableSync(path!, { inplace: true }),
  "recover-stack": () => recoverStackSync(path!),
  "recover-group": () => recoverGroupSync(path!),
};

const run = OPS[op!];
if (run === undefined) throw new TypeError(`unknown op ${op}`);
try {
  say(`ok ${JSON.stringify(run())}`);
} catch (e) {
  say(`err ${code(e)}`);
  say(JSON.stringify((e as Error).message));
}
try {
  run();
  say("again ok");
} catch (e) {
  say(`again err ${code(e)}`);
}
say("done");
