/**
 * The `atomic` writer option (SPEC section 10): appends until `close()`
 * are one change, `abort()` undoes them, readers refuse the file while the
 * change is open, and misuse is refused before any byte changes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  isAppendableSync,
  MemoryFile,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

function made(dir: string, name: string, values: number[]): string {
  const p = join(dir, name);
  const w = NpyAppendArraySync.open(p);
  w.append(new Int32Array(values));
  w.close();
  return p;
}

test("close() commits every append and removes the record", () => {
  const dir = tempDir();
  try {
    const p = made(dir, "a.npy", [1, 2]);
    const w = NpyAppendArraySync.open(p, { atomic: true, fsync: true });
    assert.ok(existsSync(`${p}.journal`));
    w.append(new Int32Array([3]));
    w.append(new Int32Array([4, 5]));
    w.close();
    assert.deepEqual(readdirSync(dir), ["a.npy"]);
    assert.deepEqual([...readNpySync(p).data as Int32Array], [1, 2, 3, 4, 5]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("readers refuse the file while an atomic change is open, naming recover", async () => {
  const dir = tempDir();
  try {
    const p = made(dir, "a.npy", [1, 2]);
    const w = NpyAppendArraySync.open(p, { atomic: true });
    w.append(new Int32Array([3]));
    const unfinished = (e: unknown) =>
      e instanceof NpyFormatError &&
      e.message ===
        `Cannot read ${
          JSON.stringify(p)
        }: it has an unfinished atomic append recorded in "${p}.journal" (still running, or killed); run recover("${p}") once no writer holds it, which rolls back the change`;
    assert.throws(() => readNpySync(p), unfinished);
    await assert.rejects(async () => {
      const r = await NpyReader.open(p);
      await r.close();
    }, unfinished);
    assert.throws(() => isAppendableSync(p), NpyFormatError);
    assert.equal(needsRecoverySync(p), true);
    w.close();
    assert.equal(needsRecoverySync(p), false);
    assert.deepEqual([...readNpySync(p).data as Int32Array], [1, 2, 3]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("abort() puts an existing file back byte for byte; a new file is removed", async () => {
  const dir = tempDir();
  try {
    const p = made(dir, "a.npy", [1, 2]);
    const before = readFileSync(p);
    const w = await NpyAppendArray.open(p, { atomic: true });
    await w.append(new Int32Array([3, 4, 5]));
    await w.abort();
    assert.deepEqual(readFileSync(p), before);
    const n = join(dir, "new.npy");
    const w2 = NpyAppendArraySync.open(n, { atomic: true });
    w2.append(new Float32Array([1]));
    w2.abort();
    w2.abort(); // again: nothing
    assert.deepEqual(readdirSync(dir), ["a.npy"]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("abort() without atomic, atomic on a file object: TypeError, nothing changed (atomic with deleteIfExists replaces: tests/atomic_replace_test.ts)", async () => {
  const dir = tempDir();
  try {
    const p = made(dir, "a.npy", [1, 2]);
    const before = readFileSync(p);
    const w = NpyAppendArraySync.open(p);
    assert.throws(() => w.abort(), {
      name: "TypeError",
      message: `Cannot abort the writer of ${
        JSON.stringify(p)
      }: it was opened without atomic: true; close() it instead`,
    });
    w.close();
    assert.throws(
      () => NpyAppendArraySync.open(new MemoryFile(), { atomic: true }),
      {
        name: "TypeError",
        message:
          "Cannot open the file object with atomic: true: the change record needs a path; pass a path, or open without atomic",
      },
    );
    await assert.rejects(
      NpyAppendArray.open({
        read: () => Promise.resolve(0),
        write: () => Promise.resolve(),
        size: () => Promise.resolve(0),
      }, { atomic: true }),
      TypeError,
    );
    assert.deepEqual(readFileSync(p), before);
    assert.deepEqual(readdirSync(dir), ["a.npy"]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a torn record (killed while it was written, or zeros after a power cut) is ignored by readers and removed by the next writer", () => {
  const dir = tempDir();
  try {
    const p = made(dir, "a.npy", [1, 2]);
    for (
      const torn of [
        "",
        "NPYJ",
        "NPYJRNL1\u0002",
        new Uint8Array(87),
        new Uint8Array(4096),
      ]
    ) {
      writeFileSync(`${p}.journal`, torn);
      assert.deepEqual([...readNpySync(p).data as Int32Array], [1, 2]);
      assert.equal(needsRecoverySync(p), false);
      NpyAppendArraySync.open(p).close();
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a user's file named like a record is kept; a change that needs the name is refused", () => {
  const dir = tempDir();
  try {
    const p = join(dir, "old.npy");
    writeFileSync(p, oldNpyBytes(ramp(100)));
    writeFileSync(`${p}.journal`, "my notes");
    const before = readFileSync(p);
    assert.equal(needsRecoverySync(p), false);
    assert.equal(readNpySync(p).shape[0], 100);
    assert.throws(
      () => ensureAppendableSync(p, { inplace: true }),
      (e: Error) =>
        e.message.startsWith(
          `Cannot rewrite ${
            JSON.stringify(p)
          } in place: Cannot write the change record "${p}.journal": a file of that name exists and is not a record of this library; move it away`,
        ),
    );
    assert.deepEqual(readFileSync(p), before);
    assert.equal(readFileSync(`${p}.journal`, "utf8"), "my notes");
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("an aborted stream into an atomic writer puts the file back", async () => {
  const dir = tempDir();
  try {
    const p = made(dir, "a.npy", [1, 2]);
    const before = readFileSync(p);
    const npy = await NpyAppendArray.open(p, { atomic: true });
    const w = npy.writable.getWriter();
    await w.write(new Int32Array([3, 4]));
    await w.abort(new Error("producer failed"));
    assert.deepEqual(readFileSync(p), before);
    assert.deepEqual(readdirSync(dir), ["a.npy"]);
    // A stream with a chunk that cannot be appended rolls back too.
    const npy2 = await NpyAppendArray.open(p, { atomic: true });
    await assert.rejects(
      ReadableStream.from([new Int32Array([5]), [[1, 2]]]).pipeTo(
        npy2.writable,
      ),
      RangeError,
    );
    assert.deepEqual(readFileSync(p), before);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
