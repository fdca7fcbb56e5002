/**
 * Adversary round 13: a `close()` that cannot write its final header. With
 * `rewriteHeaderOnAppend: false` the appends since the last header are in
 * the file, past a header that does not cover them, until `close()` (or
 * `updateHeader()`) writes it; when that write, or the sync before it
 * (`fsync: true`), fails (a full disk, an I/O error), the writer is closed
 * and the file released, and the file needs `recover` to show those rows.
 *
 * Found: the error said only `Cannot write "x.npy": EIO: i/o error`,
 * nothing of the rows or what to do; readers then refused the file. Now it
 * says that the writer is closed, how many rows the file holds, and to run
 * `recover` on the file, which brings them back; same code and class.
 * Through a real path (strace failing each write and sync of the file in
 * turn), and file objects on the sync and the async writer.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { asyncOnly, FaultyFile } from "./_faulty_file.ts";
import { threeRows } from "./_three_rows.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const CHILD = new URL("./_adversary13_disk_child.ts", import.meta.url);

/** The close error's words: the writer closed, the rows held, recover. */
function saysRecover(message: string, file: string, rows: number): void {
  assert.match(message, /^Cannot (write|close) /);
  assert.ok(message.includes(`${file}: `), message);
  assert.ok(
    message.endsWith(
      `; the writer is closed and the file released, its ${rows} rows in the file but its header not written to cover them: run recover on ${file} before reading or appending`,
    ),
    message,
  );
}

for (const op of ["lazy", "lazy-fsync"]) {
  test(
    `adversary 13: a ${op} writer's close() whose header write or sync fails says to recover, which brings back every row`,
    { timeout: 300_000, ...straceOptions },
    () => {
      let failedCloses = 0;
      for (const calls of [["write", "pwrite64"], ["fsync", "fdatasync"]]) {
        for (let k = 1;; k++) {
          const f = threeRows();
          const out = straceFailing(CHILD, [f.file, op], {
            paths: [f.file],
            calls,
            error: "EIO",
            when: k,
          });
          const lines = out.trim().split("\n");
          const label = `${op}, ${calls[0]} ${k} failing: ${out}`;
          assert.equal(lines.at(-1), "done", label);
          assert.deepEqual(readdirSync(f.dir), ["x.npy"], label);
          if (lines.includes("closed")) {
            assert.deepEqual(
              [...readNpySync(f.file).data as Float64Array],
              [0, 1, 2, 3, 4],
              label,
            );
            break;
          }
          if (lines[1]?.startsWith("close-err ")) {
            failedCloses++;
            assert.equal(lines[1], "close-err EIO", label);
            saysRecover(JSON.parse(lines[2]!), JSON.stringify(f.file), 5);
            assert.throws(() => readNpySync(f.file), /call recover/, label);
            assert.equal(recoverSync(f.file), true, label);
          }
          // What was acknowledged is there (after recover).
          const rows = [...readNpySync(f.file).data as Float64Array];
          assert.deepEqual(
            rows,
            lines[0] === "ack 5" ? [0, 1, 2, 3, 4] : [0, 1, 2],
            label,
          );
          assert.ok(k < 20, "the sweep does not end");
        }
      }
      assert.ok(failedCloses > 0, "no close failed");
    },
  );
}

/** A file object of rows 0, 1, 2 whose second write or truncate fails. */
function faulty(): FaultyFile {
  const m = new MemoryFile();
  const w = NpyAppendArraySync.open(m, { dtype: "<f8" });
  w.append(new Float64Array([0, 1, 2]));
  w.close();
  // Write 1: the append's data; 2: close()'s header.
  return new FaultyFile({ failAt: 2 }, m);
}

test("adversary 13: a sync writer of a file object whose close() cannot write the header says to recover", () => {
  const f = faulty();
  const w = NpyAppendArraySync.open(f.sync(), { rewriteHeaderOnAppend: false });
  w.append(new Float64Array([3, 4]));
  assert.throws(() => w.close(), (e) => {
    saysRecover((e as Error).message, "the file object", 5);
    return e instanceof Error && (e.cause as Error).name === "InjectedFault";
  });
  assert.equal(w.closed, true);
  assert.equal(recoverSync(f.memory), true);
  assert.deepEqual([...readNpySync(f.memory).data as Float64Array], [
    0,
    1,
    2,
    3,
    4,
  ]);
});

test("adversary 13: an async writer of an async-only file object whose close() cannot write the header says to recover", async () => {
  const f = faulty();
  const w = await NpyAppendArray.open(asyncOnly(f.sync()), {
    rewriteHeaderOnAppend: false,
  });
  await w.append(new Float64Array([3, 4]));
  await assert.rejects(w.close(), (e) => {
    saysRecover((e as Error).message, "the file object", 5);
    return true;
  });
  await w.close();
  assert.equal(recoverSync(f.memory), true);
  assert.deepEqual([...readNpySync(f.memory).data as Float64Array], [
    0,
    1,
    2,
    3,
    4,
  ]);
});
