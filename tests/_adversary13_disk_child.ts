/**
 * Child process for the adversary round 13 tests of failing disks, run
 * under `strace` failing a call (`straceFailing`).
 *
 * Usage: `<runtime> tests/_adversary13_disk_child.ts PATH OP`, OP one of
 * - `lazy`, `lazy-fsync`: opens PATH (holding rows 0, 1, 2 of `<f8`) with
 *   `rewriteHeaderOnAppend: false` (and `fsync: true`), appends rows 3, 4
 *   and prints `ack 5`, then closes, printing `closed`, or `close-err CODE`
 *   and the message as JSON on the next line;
 * - `buffered-fsync`: opens PATH (rows 0, 1, 2) with `bufferBytes: 32` (4
 *   rows), `fsync: true`, `rewriteHeaderOnAppend: false`; appends rows 3
 *   to 8 one by one, then `updateHeader()`, printing `ack 9`, or
 *   `update-err CODE` and the message as JSON; then appends row 9 and
 *   closes, printing `ack ROWS` (the writer's rows) or `close-err CODE`;
 * - `ensure`, `ensure-inplace`: `ensureAppendableSync(PATH)` (with
 *   `inplace: true`), printing `ok`;
 * - `atomic`: opens PATH with `atomic: true`, appends rows 3, 4 and
 *   closes, printing `ok`;
 * - `stack`: a stack at PATH (`shardRows: 4`, `bufferBytes: 16`,
 *   `fsync: true`), rows 0 to 9 appended one by one, printing `aerr I`
 *   and the message as JSON for a failed append of row I (and going on),
 *   then `shape N` and `closed` (or `err CODE` for the close).
 *
 * A failure of these prints `err CODE` and the message as JSON.
 *
 * Any other failure prints `err CODE`; the last line is `done`.
 *
 * @module
 */

import process from "node:process";
import {
  ensureAppendableSync,
  NpyAppendArraySync,
  NpyStackWriterSync,
} from "../mod.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [path, op] = deno ? deno.args : process.argv.slice(2);
const code = (e: unknown) => String((e as { code?: string }).code);

try {
  if (op === "lazy" || op === "lazy-fsync") {
    const w = NpyAppendArraySync.open(path!, {
      rewriteHeaderOnAppend: false,
      fsync: op === "lazy-fsync",
    });
    w.append(new Float64Array([3, 4]));
    say("ack 5");
    try {
      w.close();
      say("closed");
    } catch (e) {
      say(`close-err ${code(e)}`);
      say(JSON.stringify((e as Error).message));
    }
  } else if (op === "buffered-fsync") {
    const w = NpyAppendArraySync.open(path!, {
      bufferBytes: 32,
      fsync: true,
      rewriteHeaderOnAppend: false,
    });
    for (let i = 3; i < 9; i++) w.append(new Float64Array([i]));
    try {
      w.updateHeader();
      say("ack 9");
    } catch (e) {
      say(`update-err ${code(e)}`);
      say(JSON.stringify((e as Error).message));
    }
    w.append(new Float64Array([9]));
    const rows = w.shape[0];
    try {
      w.close();
      say(`ack ${rows}`);
    } catch (e) {
      say(`close-err ${code(e)}`);
    }
  } else if (op === "ensure" || op === "ensure-inplace") {
    ensureAppendableSync(path!, { inplace: op === "ensure-inplace" });
    say("ok");
  } else if (op === "atomic") {
    const w = NpyAppendArraySync.open(path!, { atomic: true });
    w.append(new Float64Array([3, 4]));
    w.close();
    say("ok");
  } else if (op === "stack") {
    const w = NpyStackWriterSync.open(path!, {
      dtype: "<f8",
      shardRows: 4,
      bufferBytes: 16,
      fsync: true,
      rewriteHeaderOnAppend: false,
    });
    for (let i = 0; i < 10; i++) {
      try {
        w.append(new Float64Array([i]));
      } catch (e) {
        say(`aerr ${i}`);
        say(JSON.stringify((e as Error).message));
      }
    }
    say(`shape ${w.shape[0]}`);
    w.close();
    say("closed");
  } else throw new TypeError(`unknown op ${op}`);
} catch (e) {
  say(`err ${code(e)}`);
  say(JSON.stringify((e as Error).message));
}
say("done");
