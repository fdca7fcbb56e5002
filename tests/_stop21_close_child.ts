/**
 * Child process for `tests/stop21_lock_removal_test.ts`: opens a file,
 * stack or group that exists, appends one row, closes; run under strace
 * with the removal of a lock file failing.
 *
 * Usage: `<runtime> tests/_stop21_close_child.ts KIND PATH`, KIND `file`
 * (`<f8` rows), `stack` (`<f8`, 2-row shards) or `group` (files `x` and
 * `y`, both `<f8`).
 *
 * Prints `ack` after the append, `closed` after the close, or
 * `err {"name","code","message"}` (JSON), then `done`.
 *
 * @module
 */

import process from "node:process";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [kind, path] = deno ? deno.args : process.argv.slice(2);

let w: { close(): void } | null = null;
try {
  if (kind === "file") {
    const f = NpyAppendArraySync.open(path!);
    w = f;
    f.append(new Float64Array([f.shape[0]!]));
  } else if (kind === "stack") {
    const s = NpyStackWriterSync.open(path!, { shardRows: 2 });
    w = s;
    s.append(new Float64Array([s.shape[0]!]));
  } else if (kind === "group") {
    const g = NpyGroupWriterSync.open(path!);
    w = g;
    const n = g.length;
    g.append({ x: new Float64Array([n]), y: new Float64Array([n]) });
  } else throw new Error(`unknown KIND ${kind}`);
  say("ack");
  w.close();
  say("closed");
} catch (e) {
  const err = e as { name?: string; code?: unknown; message?: string };
  say(
    `err ${
      JSON.stringify({ name: err.name, code: err.code, message: err.message })
    }`,
  );
}
say("done");
