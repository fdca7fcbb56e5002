/**
 * Child process for the adversary round 12 kill sweeps: runs one
 * operation and SIGKILLs itself right after its Nth file call (see
 * `_kill_at.ts`), printing `ack ROWS` once rows are acknowledged and
 * `exit 0` if it got through.
 * Usage: `<runtime> tests/_adversary12_kill_child.ts N OP PATH`, OP one of
 * - `stack`: a stack of int32 values `i` (`shardRows: 4`), appends of
 *   3 rows until 15, ack after each, then `close()`;
 * - `group`: a group of members `a`, `b` (int32 values `i`), the same appends;
 * - `gstack`: the same group with a stack per member (`shardRows: 4`);
 * - `async-many`, `async-many-fsync`: an `NpyAppendArray` of int32 values
 *   `i`, 12 appends of 2 rows not awaited (ack after each settles), then
 *   `close()` (ack 24); the second with `fsync: true`;
 * - `astack-many`, `agroup-many`: the same through `NpyStackWriter`
 *   (`shardRows: 5`) and `NpyGroupWriter` (members `a`, `b`), with
 *   `fsync: true`;
 * - `recover-stack`: `recoverStackSync(PATH)`;
 * - `recover-group`: `recoverGroupSync(PATH)`;
 * - `read`: every sync reader entry point on PATH (`readNpySync`,
 *   `NpyReader.openSync`, `needsRecoverySync`, `inspectNpySync`), one line
 *   each: `name: shape` or `name: ErrorClass code message`.
 * @module
 */

import { childThrough, ints, say, startKillChild } from "./_kill_at.ts";
import {
  inspectNpySync,
  needsRecoverySync,
  NpyAppendArray,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyReader,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpySync,
  recoverGroupSync,
  recoverStackSync,
} from "../mod.ts";

const { op, path } = startKillChild();

if (op === "stack") {
  const w = NpyStackWriterSync.open(path, { shardRows: 4 });
  for (let at = 0; at < 15; at += 3) {
    w.append(ints(at, 3));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "group" || op === "gstack") {
  const w = NpyGroupWriterSync.open(path, {
    members: { a: "<i4", b: "<i4" },
    ...(op === "gstack" ? { shardRows: 4 } : {}),
  });
  for (let at = 0; at < 15; at += 3) {
    w.append({ a: ints(at, 3), b: ints(at, 3) });
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op.includes("-many")) {
  const fsync = op !== "async-many";
  const w = op.startsWith("astack")
    ? await NpyStackWriter.open(path, { shardRows: 5, fsync })
    : op.startsWith("agroup")
    ? await NpyGroupWriter.open(path, {
      members: { a: "<i4", b: "<i4" },
      fsync,
    })
    : await NpyAppendArray.open(path, { dtype: "<i4", fsync });
  for (let at = 0; at < 24; at += 2) {
    const rows = ints(at, 2);
    const done = w instanceof NpyGroupWriter
      ? w.append({ a: rows, b: rows })
      : (w as NpyAppendArray).append(rows);
    void done.then(() => say(`ack ${at + 2}`));
  }
  await w.close();
  say("ack 24");
} else if (op === "recover-stack") recoverStackSync(path);
else if (op === "recover-group") recoverGroupSync(path);
else if (op === "read") {
  const calls: Record<string, () => unknown> = {
    readNpySync: () => readNpySync(path).shape,
    "NpyReader.openSync": () => NpyReader.openSync(path).shape,
    needsRecoverySync: () => needsRecoverySync(path),
    inspectNpySync: () => inspectNpySync(path).shape,
  };
  for (const [name, call] of Object.entries(calls)) {
    try {
      say(`${name}: ${JSON.stringify(call())}`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      say(`${name}: ${(e as Error).name} ${code} ${(e as Error).message}`);
    }
  }
}
childThrough();
