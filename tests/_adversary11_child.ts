/**
 * Child process for the adversary round 11 kill sweeps: runs one
 * operation and SIGKILLs itself right after its Nth file call (see
 * `_kill_at.ts`), printing `ack ROWS` once rows are acknowledged and
 * `exit 0` if it got through.
 * Usage: `<runtime> tests/_adversary11_child.ts N OP PATH`, OP one of
 * - `buffered`: a `bufferBytes: 40` writer (int32 rows of 2 values,
 *   row i holding [i, -i]), appends of 3 rows until 12, `updateHeader()`
 *   after 6 (ack 6) and `close()` (ack 12);
 * - `buffered-async`: the same through `NpyAppendArray`, appends not
 *   awaited;
 * - `noheader`: `rewriteHeaderOnAppend: false`, appends of 3 rows until
 *   12, ack after each;
 * - `fortran`: a Fortran-order file of int32 columns `[i, -i]` (shape
 *   `(2, n)`), appends of 3 columns until 12, ack after each;
 * - `manydims`: a file of shape `(n, 1, 1, ..., 1, 2)` (20 axes), appends
 *   of 3 rows until 12, ack after each;
 * - `sdelete`: `deleteIfExists` on the stack PATH (`shardRows: 2`), then
 *   3 rows (ack 3);
 * - `gdelete`, `gsdelete`: the same on the group PATH (`a`, `b` int32
 *   pairs; of stacks of 2 rows a shard for `gsdelete`);
 * - `bstack`: a stack with `bufferBytes: 40` (`shardRows: 4`), appends of
 *   3 rows until 12, ack of the rows in sealed shards, then 12 at close;
 * - `bgroup`: a group with `bufferBytes: 40`, ack 12 after close;
 * - `recover`: `recoverSync` of PATH.
 * @module
 */

import { childThrough, say, startKillChild } from "./_kill_at.ts";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  recoverSync,
} from "../mod.ts";

/** Rows `start .. start + n - 1`, row i holding `[i, -i]`. */
export function pairs(start: number, n: number, dims = 2) {
  const data = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    data[2 * i] = start + i;
    data[2 * i + 1] = -(start + i);
  }
  return { data, shape: [n, ...Array(dims - 2).fill(1), 2] };
}

/** Columns `start .. start + n - 1` of a `(2, n)` Fortran-order array. */
function columns(start: number, n: number) {
  const data = new Int32Array(2 * n);
  for (let j = 0; j < n; j++) {
    data[2 * j] = start + j;
    data[2 * j + 1] = -(start + j);
  }
  return { data, shape: [2, n], fortranOrder: true };
}

const { op, path } = startKillChild();

if (op === "buffered") {
  const w = NpyAppendArraySync.open(path, {
    bufferBytes: 40,
    rewriteHeaderOnAppend: false,
  });
  for (let at = 0; at < 12; at += 3) {
    w.append(pairs(at, 3));
    if (at === 3) {
      w.updateHeader();
      say("ack 6");
    }
  }
  w.close();
  say("ack 12");
} else if (op === "buffered-async") {
  const w = await NpyAppendArray.open(path, {
    bufferBytes: 40,
    rewriteHeaderOnAppend: false,
  });
  for (let at = 0; at < 12; at += 3) {
    void w.append(pairs(at, 3));
    if (at === 3) {
      await w.updateHeader();
      say("ack 6");
    }
  }
  await w.close();
  say("ack 12");
} else if (op === "noheader") {
  const w = NpyAppendArraySync.open(path, { rewriteHeaderOnAppend: false });
  for (let at = 0; at < 12; at += 3) {
    w.append(pairs(at, 3));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "fortran") {
  const w = NpyAppendArraySync.open(path, { fortranOrder: true });
  for (let at = w.shape[1] ?? 0; at < 12; at += 3) {
    w.append(columns(at, 3));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "manydims") {
  const w = NpyAppendArraySync.open(path);
  for (let at = w.shape[0] ?? 0; at < 12; at += 3) {
    w.append(pairs(at, 3, 20));
    say(`ack ${at + 3}`);
  }
  w.close();
} else if (op === "bstack") {
  const w = NpyStackWriterSync.open(path, {
    shardRows: 4,
    bufferBytes: 40,
    rewriteHeaderOnAppend: false,
  });
  for (let at = 0; at < 12; at += 3) {
    w.append(pairs(at, 3));
    say(`ack ${Math.floor((at + 3) / 4) * 4}`);
  }
  w.close();
  say("ack 12");
} else if (op === "bgroup") {
  const w = NpyGroupWriterSync.open(path, {
    members: { a: "<i4", b: "<i4" },
    bufferBytes: 40,
  } as never);
  for (let at = 0; at < 12; at += 3) {
    const p = pairs(at, 3);
    w.append({ a: p, b: p });
  }
  w.close();
  say("ack 12");
} else if (op === "sdelete") {
  // PATH holds a stack (made by the test); started afresh.
  const w = NpyStackWriterSync.open(path, {
    shardRows: 2,
    deleteIfExists: true,
  });
  w.append(pairs(0, 3));
  say("ack 3");
  w.close();
} else if (op === "gdelete" || op === "gsdelete") {
  // PATH holds a group (of stacks for gsdelete, made by the test);
  // started afresh.
  const w = NpyGroupWriterSync.open(path, {
    members: { a: "<i4", b: "<i4" },
    deleteIfExists: true,
    ...(op === "gsdelete" ? { shardRows: 2 } : {}),
  });
  const p = pairs(0, 3);
  w.append({ a: p, b: p });
  say("ack 3");
  w.close();
} else if (op === "recover") {
  recoverSync(path);
}
childThrough();
