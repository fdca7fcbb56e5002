/**
 * A file object closed or not open for the call (a read-only or closed
 * fd, `FileHandle`, Deno `FsFile`) makes the writers and readers throw
 * an error naming the file object and the fix, its `code` (`EBADF`) and
 * the runtime's error as `cause` kept, and no byte changes; the writer
 * still closes. A caller's own error thrown by its `FileLike` passes
 * unchanged (found by a newcomer: the runtime's bare `EBADF`, `Bad
 * resource ID`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
} from "../mod.ts";
import { DenoFile, NodeFile, NodeFileHandle } from "../adapters.ts";

function threeRows(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "fobj-"));
  const path = join(dir, "a.npy");
  const w = NpyAppendArraySync.open(path);
  w.append([1, 2, 3]);
  w.close();
  return path;
}

const told = (verb: string) => (e: unknown) => {
  assert.ok(e instanceof Error, String(e));
  assert.match(
    e.message,
    new RegExp(`^Cannot ${verb} the file object: .*closed or not open`),
  );
  assert.match(e.message, /open it for reading and writing/);
  assert.ok(e.cause instanceof Error, "the runtime's error is the cause");
  const code = (e as { code?: unknown }).code;
  const D = (globalThis as { Deno?: { errors: { BadResource: unknown } } })
    .Deno;
  assert.ok(
    code === "EBADF" ||
      (D !== undefined && e instanceof (D.errors.BadResource as typeof Error)),
    `code ${String(code)}`,
  );
  return true;
};

test("a read-only fd: append names the file object, no byte changed, close works", () => {
  const path = threeRows();
  const before = fs.readFileSync(path);
  const fd = fs.openSync(path, "r");
  try {
    const w = NpyAppendArraySync.open(new NodeFile(fd, fs));
    assert.throws(() => w.append([4]), told("write"));
    w.close();
  } finally {
    fs.closeSync(fd);
  }
  assert.deepEqual(fs.readFileSync(path), before);
});

test("a closed fd: open and the reader name the file object", () => {
  const path = threeRows();
  const before = fs.readFileSync(path);
  const fd = fs.openSync(path, "r+");
  const file = new NodeFile(fd, fs);
  fs.closeSync(fd);
  assert.throws(() => NpyAppendArraySync.open(file), told("read"));
  assert.throws(() => NpyReader.openSync(file), told("read"));
  assert.deepEqual(fs.readFileSync(path), before);
});

test("an fd closed under an open reader: its reads name the file object", () => {
  const path = threeRows();
  const fd = fs.openSync(path, "r");
  const reader = NpyReader.openSync(new NodeFile(fd, fs));
  fs.closeSync(fd);
  assert.throws(() => reader.readSync(0, 1), told("read"));
});

test("a read-only or closed FileHandle: async writer and reader name it", async () => {
  const path = threeRows();
  const before = fs.readFileSync(path);
  const ro = await open(path, "r");
  try {
    const w = await NpyAppendArray.open(new NodeFileHandle(ro));
    await assert.rejects(
      (async () => {
        await w.append([4]);
        await w.close();
      })(),
      told("write"),
    );
    await w.close().catch(() => {});
  } finally {
    await ro.close();
  }
  const h = await open(path, "r+");
  const file = new NodeFileHandle(h);
  await h.close();
  await assert.rejects(NpyAppendArray.open(file), told("read"));
  await assert.rejects(NpyReader.open(file), told("read"));
  assert.deepEqual(fs.readFileSync(path), before);
});

test("a Deno FsFile read-only or closed (on Deno): named, bytes kept", () => {
  const D = (globalThis as {
    Deno?: {
      openSync(p: string, o: object): ConstructorParameters<typeof DenoFile>[0];
    };
  }).Deno;
  if (D === undefined) return; // Deno.FsFile exists on Deno only.
  const path = threeRows();
  const before = fs.readFileSync(path);
  const ro = D.openSync(path, { read: true });
  const w = NpyAppendArraySync.open(new DenoFile(ro));
  assert.throws(() => w.append([4]), told("write"));
  w.close();
  ro.close();
  const f = D.openSync(path, { read: true, write: true });
  const file = new DenoFile(f);
  f.close();
  assert.throws(() => NpyAppendArraySync.open(file), told("read"));
  assert.throws(() => NpyReader.openSync(file), told("read"));
  assert.deepEqual(fs.readFileSync(path), before);
});

test("a FileLike's own error passes unchanged; bytes kept", () => {
  const file = new MemoryFile();
  const first = NpyAppendArraySync.open(file);
  first.append([1, 2, 3]);
  first.close();
  const before = file.bytes().slice();
  const mine = new Error("my storage is offline");
  const w = NpyAppendArraySync.open(file);
  file.writeSync = () => {
    throw mine;
  };
  assert.throws(() => w.append([4]), (e) => e === mine);
  w.close();
  assert.deepEqual(file.bytes(), before);
});
