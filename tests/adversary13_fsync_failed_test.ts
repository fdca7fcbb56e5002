/**
 * Adversary round 13: a sync that fails (`fsync: true`, "fsyncgate"). When
 * Linux cannot write a file's dirty pages back it reports the error to one
 * `fsync` and marks the pages clean: a later `fsync` succeeds without
 * having written them. So a row whose sync failed is never known to be on
 * the disk, and no later sync may stand for it.
 *
 * Found: a `bufferBytes` writer with `fsync: true` writes its buffer
 * without a sync and syncs before the header. When that sync failed
 * (`updateHeader()` threw `EIO`) the writer kept the rows; the next
 * `close()` synced again (success) and wrote a header covering them, so
 * rows whose only sync had failed were acknowledged as on the disk. Now
 * the failed sync gives up the rows written since the last sync that
 * succeeded (cut off, the shape back), and the error says how many and
 * to append them again; later appends go on from there.
 * Through a real path (strace failing each sync of the file in turn), and
 * file objects whose `syncSync` fails, on the sync and the async writer,
 * and for an append larger than the buffer (the buffer written, then the
 * append's own data, then the failed sync). A stack's shards (`bufferBytes`,
 * `fsync`) give rows up as files do; a seal whose header write failed is
 * undone by the stack, so its error no longer tells to run `recover` on the
 * shard (a shard's `close()` says so since this round).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpyStackSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { asyncOnly } from "./_faulty_file.ts";
import { hasNumpy, npSaveBytes, tempDir } from "./_numpy.ts";
import { threeRows } from "./_three_rows.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const CHILD = new URL("./_adversary13_disk_child.ts", import.meta.url);

/** The error of a failed sync that gave up `rows`, keeping `held`. */
function gaveUp(message: string, rows: number, held: number): void {
  assert.ok(
    message.includes(
      `; the last ${rows} rows appended since the last sync that succeeded are given up (cut off), the file keeps the ${held} rows before them: after a failed sync (fsync: true) no later sync can tell whether they reached the disk; append them again`,
    ),
    message,
  );
}

const rowsOf = (file: string | MemoryFile) => [
  ...readNpySync(file).data as Float64Array,
];

test(
  "adversary 13: a bufferBytes writer with fsync, each sync of the file failing in turn: no header covers a row whose sync failed",
  { timeout: 300_000, ...straceOptions },
  () => {
    let gaveUpOnce = false;
    for (let k = 1;; k++) {
      const f = threeRows();
      const out = straceFailing(CHILD, [f.file, "buffered-fsync"], {
        paths: [f.file],
        calls: ["fsync", "fdatasync"],
        error: "EIO",
        when: k,
      });
      const lines = out.trim().split("\n");
      const label = `sync ${k} failing: ${out}`;
      assert.equal(lines.at(-1), "done", label);
      assert.deepEqual(readdirSync(f.dir), ["x.npy"], label);
      if (lines[0] === "update-err EIO") {
        // updateHeader's sync of rows 3 to 8 (written without one) failed.
        const message = JSON.parse(lines[1]!) as string;
        if (message.includes("given up")) {
          gaveUpOnce = true;
          gaveUp(message, 6, 3);
          assert.equal(lines[2], "ack 4", label);
          assert.deepEqual(rowsOf(f.file), [0, 1, 2, 9], label);
          if (hasNumpy()) {
            assert.deepEqual(
              new Uint8Array(readFileSync(f.file)),
              npSaveBytes("np.array([0, 1, 2, 9], '<f8')"),
              label,
            );
          }
          continue;
        }
      }
      if (lines.at(-2)?.startsWith("close-err")) recoverSync(f.file);
      const acked = lines.filter((l) => l.startsWith("ack ")).at(-1);
      const rows = rowsOf(f.file);
      assert.ok(
        rows.length >= (acked ? Number(acked.slice(4)) : 3),
        `${label}: ${rows}`,
      );
      assert.deepEqual(rows, [...rows.keys()], label);
      if (lines.includes("ack 10")) break;
      assert.ok(k < 20, "the sweep does not end");
    }
    assert.ok(gaveUpOnce, "no sync gave rows up");
  },
);

test(
  "adversary 13: a bufferBytes stack with fsync, each write and sync of a shard failing in turn: failed appends undone, no advice to recover a shard, the rows the writer holds read back",
  { timeout: 600_000, ...straceOptions },
  () => {
    for (const calls of [["write", "pwrite64"], ["fsync", "fdatasync"]]) {
      for (let k = 1;; k++) {
        const dir = join(tempDir(), "s");
        const shards = [0, 1, 2].flatMap((i) => [
          join(dir, `${i}.npy.part`),
          join(dir, `${i}.npy`),
        ]);
        const out = straceFailing(CHILD, [dir, "stack"], {
          paths: shards,
          calls,
          error: "EIO",
          when: k,
        });
        const lines = out.trim().split("\n");
        const label = `${calls[0]} ${k} failing: ${out}`;
        assert.equal(lines.at(-1), "done", label);
        for (let i = 0; i < lines.length; i++) {
          if (!lines[i]!.startsWith("aerr ")) continue;
          const message = JSON.parse(lines[i + 1]!) as string;
          assert.ok(!message.includes("run recover"), label);
        }
        if (!lines.includes("closed")) continue;
        const shape = Number(
          lines.find((l) => l.startsWith("shape "))!.slice(6),
        );
        const rows = [...readNpyStackSync(dir).data as Float64Array];
        assert.equal(rows.length, shape, label);
        assert.ok(rows.every((r, i) => i === 0 || r > rows[i - 1]!), label);
        if (!lines.some((l) => l.startsWith("aerr "))) break;
        assert.ok(k < 40, "the sweep does not end");
      }
    }
  },
);

/** A file object whose `n`th sync fails (then none), as an `EIO`. */
class SyncFailing extends MemoryFile {
  syncs = 0;
  constructor(readonly failAt: number, initial?: Uint8Array) {
    super(initial);
  }
  override syncSync(): void {
    if (++this.syncs === this.failAt) {
      throw Object.assign(new Error("EIO: i/o error, fsync"), {
        code: "EIO",
      });
    }
  }
}

/** Bytes of a file of rows 0, 1, 2 (`<f8`). */
function threeRowBytes(): Uint8Array {
  const m = new MemoryFile();
  const w = NpyAppendArraySync.open(m, { dtype: "<f8" });
  w.append(new Float64Array([0, 1, 2]));
  w.close();
  return m.bytes();
}

const OPTS = { bufferBytes: 32, fsync: true, rewriteHeaderOnAppend: false };

test("adversary 13: a sync writer of a file object, its updateHeader() sync failing: the unsynced rows given up, appends go on", () => {
  const file = new SyncFailing(1, threeRowBytes());
  const w = NpyAppendArraySync.open(file, OPTS);
  for (let i = 3; i < 9; i++) w.append(new Float64Array([i]));
  assert.throws(() => w.updateHeader(), (e) => {
    gaveUp((e as Error).message, 6, 3);
    return (e as { code?: string }).code === "EIO";
  });
  assert.deepEqual(w.shape, [3]);
  assert.deepEqual(rowsOf(file), [0, 1, 2]);
  w.append(new Float64Array([3]));
  w.close();
  assert.deepEqual(rowsOf(file), [0, 1, 2, 3]);
});

test("adversary 13: an async writer of an async-only file object, its close() sync failing: the unsynced rows given up, the file keeps the synced ones", async () => {
  const file = new SyncFailing(1, threeRowBytes());
  const w = await NpyAppendArray.open(asyncOnly(bound(file)), OPTS);
  for (let i = 3; i < 6; i++) await w.append(new Float64Array([i]));
  await assert.rejects(w.close(), (e) => {
    gaveUp((e as Error).message, 3, 3);
    return true;
  });
  assert.equal(w.closed, true);
  assert.deepEqual(rowsOf(file), [0, 1, 2]);
});

test("adversary 13: an append larger than the buffer, its data sync failing: the buffered rows written before it given up too", () => {
  const file = new SyncFailing(1, threeRowBytes());
  const w = NpyAppendArraySync.open(file, OPTS);
  w.append(new Float64Array([3, 4])); // buffered
  assert.throws(
    () => w.append(new Float64Array([5, 6, 7, 8, 9])), // 40 bytes: written
    (e) => {
      gaveUp((e as Error).message, 2, 3);
      return true;
    },
  );
  assert.deepEqual(w.shape, [3]);
  w.append(new Float64Array([3]));
  w.close();
  assert.deepEqual(rowsOf(file), [0, 1, 2, 3]);
  assert.equal(needsRecoverySync(file), false);
});

/** The methods of a file object bound to it, for {@linkcode asyncOnly}. */
function bound(f: MemoryFile) {
  return {
    readSync: (b: Uint8Array, p: number) => f.readSync(b, p),
    writeSync: (b: Uint8Array, p: number) => f.writeSync(b, p),
    sizeSync: () => f.sizeSync(),
    truncateSync: (n: number) => f.truncateSync(n),
    syncSync: () => f.syncSync(),
  };
}
