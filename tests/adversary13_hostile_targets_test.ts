/**
 * Adversary round 13, hostile use by Deno, Node and browser programmers:
 * a target of the wrong kind that is the runtime's own file object, a
 * descriptor or bytes (`await Deno.open(...)`, a `FileHandle` of
 * `node:fs/promises`, `fs.openSync`'s number, a `Blob`, an OPFS handle, a
 * `Buffer`). Each was refused with a `TypeError` saying only "pass a path,
 * a file: URL, a FileLike or a FileLikeSync": true, but the fix, the
 * adapter that wraps that very object, was left to the README. Now the
 * message names it, and the fix it names works. Shape entries of the wrong
 * kind are named as values (`the string "3"`, `null`), not "a object".
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { closeSync, openSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { DenoFile, NodeFile, NodeFileHandle } from "../adapters.ts";
import { tempDir } from "./_numpy.ts";

const ADAPTERS = `from the adapters entry point ("npy-append-array/adapters")`;
const SYNC =
  "Cannot open target: pass a path, a file: URL or a FileLikeSync (readSync, writeSync, sizeSync)";
const ASYNC =
  "Cannot open target: pass a path, a file: URL, a FileLike or a FileLikeSync";
const READ =
  "Cannot read target: pass a path, a file: URL, a FileLike or a FileLikeSync";

/** Every entry point refuses `target` with the wording plus `hint`. */
async function refusedWith(target: unknown, hint: string): Promise<void> {
  assert.throws(() => NpyAppendArraySync.open(target as never), {
    name: "TypeError",
    message: SYNC + hint,
  });
  await assert.rejects(NpyAppendArray.open(target as never), {
    name: "TypeError",
    message: ASYNC + hint,
  });
  await assert.rejects(readNpy(target as never), {
    name: "TypeError",
    message: READ + hint,
  });
}

/** A new file `x.npy` of np.save's bytes for `[1, 2]` as `<i4`, and its path. */
function saved(): { path: string; bytes: Uint8Array } {
  const path = join(tempDir(), "x.npy");
  const w = NpyAppendArraySync.open(path);
  w.append(new Int32Array([1, 2]));
  w.close();
  return { path, bytes: new Uint8Array(readFileSync(path)) };
}

describe("adversary 13: a runtime's own file object as a target", () => {
  test("a file descriptor: new NodeFile(fd) named, and it works", async () => {
    const { path } = saved();
    const fd = openSync(path, "r+");
    try {
      await refusedWith(
        fd,
        `; for the file descriptor ${fd}, pass new NodeFile(${fd}) ${ADAPTERS}`,
      );
      const w = NpyAppendArraySync.open(new NodeFile(fd));
      w.append(new Int32Array([3]));
      w.close();
    } finally {
      closeSync(fd);
    }
    assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2, 3]);
    // Not a descriptor: no hint.
    await refusedWith(-1, "");
    await refusedWith(2.5, "");
  });

  test("a FileHandle of node:fs/promises: new NodeFileHandle(handle) named, and it works", async () => {
    const { path } = saved();
    const handle = await open(path, "r+");
    try {
      await refusedWith(
        handle,
        `; for a FileHandle of node:fs/promises, pass new NodeFileHandle(handle) ${ADAPTERS}`,
      );
      const w = await NpyAppendArray.open(new NodeFileHandle(handle));
      await w.append(new Int32Array([3]));
      await w.close();
    } finally {
      await handle.close();
    }
    assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2, 3]);
  });

  test("a Deno.FsFile: new DenoFile(file) named, and it works (Deno; its shape elsewhere)", async () => {
    const hint = `; for a Deno.FsFile, pass new DenoFile(file) ${ADAPTERS}`;
    if (typeof Deno === "undefined") {
      // Bun and Node have none: an object of its methods stands in.
      const like = Object.fromEntries(
        ["read", "write", "readSync", "writeSync", "seekSync", "statSync"]
          .map((k) => [k, () => 0]),
      );
      await refusedWith(like, hint);
      return;
    }
    const { path } = saved();
    const file = await Deno.open(path, { read: true, write: true });
    try {
      await refusedWith(file, hint);
      const w = NpyAppendArraySync.open(new DenoFile(file));
      w.append(new Int32Array([3]));
      w.close();
    } finally {
      file.close();
    }
    assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2, 3]);
  });

  test("OPFS handles (as Chromium gives them): new OpfsFile(...) named", async () => {
    const syncHandle = {
      read: () => 0,
      write: () => 0,
      getSize: () => 0,
      truncate: () => {},
      flush: () => {},
      close: () => {},
    };
    await refusedWith(
      syncHandle,
      `; for a FileSystemSyncAccessHandle, pass new OpfsFile(handle) ${ADAPTERS}`,
    );
    const fileHandle = {
      kind: "file",
      name: "x.npy",
      getFile: () => Promise.resolve(new Blob([])),
      createWritable: () => Promise.reject(new Error("not here")),
      createSyncAccessHandle: () => Promise.reject(new Error("not here")),
    };
    await refusedWith(
      fileHandle,
      `; for an OPFS file handle, pass new OpfsFile(await handle.createSyncAccessHandle()) ${ADAPTERS}, in a dedicated Worker`,
    );
  });

  test("bytes, a Blob, a File, a Buffer: new MemoryFile(...) named, and it works", async () => {
    const { bytes } = saved();
    const blobHint =
      "; for a Blob or File, pass new MemoryFile(new Uint8Array(await blob.arrayBuffer()))";
    const blob = new Blob([bytes.slice()]);
    await refusedWith(blob, blobHint);
    await refusedWith(new File([bytes.slice()], "x.npy"), blobHint);
    const viewHint =
      "; for the bytes of a file, pass new MemoryFile(bytes); for a path held in a Buffer, pass it as a string";
    await refusedWith(bytes, viewHint);
    await refusedWith(Buffer.from("x.npy"), viewHint);
    await refusedWith(
      bytes.slice().buffer,
      "; for the bytes of a file, pass new MemoryFile(new Uint8Array(buffer))",
    );
    const fromBlob = new MemoryFile(new Uint8Array(await blob.arrayBuffer()));
    assert.deepEqual([...(await readNpy(fromBlob)).data as Int32Array], [1, 2]);
    assert.deepEqual(
      [...readNpySync(new MemoryFile(bytes)).data as Int32Array],
      [
        1,
        2,
      ],
    );
  });

  test("a shape entry of the wrong kind is named as a value", () => {
    const cases: [unknown[], string][] = [
      [["2"], 'the string "2"'],
      [[2, undefined], "undefined"],
      [[{}], "an object (Object)"],
      [[true], "true"],
      [[[2]], "an array of 1"],
    ];
    for (const [shape, what] of cases) {
      const i = shape.findIndex((n) => typeof n !== "number");
      const npy = NpyAppendArraySync.open(new MemoryFile());
      assert.throws(
        () => npy.append({ data: [1, 2], shape: shape as number[] }),
        {
          name: "TypeError",
          message:
            `Cannot append the file object: shape entry ${i} is ${what}; shape entries must be numbers`,
        },
      );
    }
  });
});
