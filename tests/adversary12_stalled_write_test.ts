/**
 * Adversary round 12: a write call that writes nothing (returns 0 for
 * bytes left: a failing network or FUSE file system) made the write loops
 * of the Deno, Node and `FileHandle` adapters ask again forever; the
 * writer hung. Now an `EIO` error naming the file, no byte changed, and
 * the next open appends. Through a real path with strace's `retval=0`
 * (the call returns 0 without running), and through each adapter over a
 * stand-in that writes nothing, a little, then nothing.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  DenoFile,
  type DenoFsFileLike,
  NodeFile,
  NodeFileHandle,
  type NodeFileHandleLike,
  type NodeFsLike,
} from "../adapters.ts";
import { threeRows, unchangedAndAppendable } from "./_three_rows.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const CHILD = new URL("./_adversary12_child.ts", import.meta.url);

/** Bytes written per call by a stand-in: `steps[i]` at call `i`, then 0. */
function writes(steps: number[]): (want: number) => number {
  let call = 0;
  return (want) => Math.min(want, steps[call++] ?? 0);
}

/** Asserts the error of a write that stalled after `done` of `length` bytes at `position`. */
function assertStalled(e: unknown, position: number, left: number): true {
  const err = e as { code?: string; message?: string };
  assert.equal(err.code, "EIO", err.message);
  assert.match(
    err.message ?? "",
    new RegExp(`wrote none of the ${left} bytes at byte ${position}`),
  );
  return true;
}

describe("adversary 12: a write call that writes nothing", () => {
  test("DenoFile: EIO after the bytes it took, not a loop", () => {
    const step = writes([3]);
    const stand: DenoFsFileLike = {
      readSync: () => null,
      writeSync: (p) => step(p.length),
      seekSync: (offset) => offset,
      statSync: () => ({ size: 0 }),
      truncateSync: () => {},
      syncSync: () => {},
      close: () => {},
    };
    const file = new DenoFile(stand);
    assert.throws(
      () => file.writeSync(new Uint8Array(10), 100),
      (e) => assertStalled(e, 103, 7),
    );
  });

  test("NodeFile: EIO after the bytes it took, not a loop", () => {
    const step = writes([4, 2]);
    const stand = {
      writeSync: (
        _fd: number,
        _b: Uint8Array,
        _o: number,
        length: number,
      ) => step(length),
    } as unknown as NodeFsLike;
    const file = new NodeFile(3, stand);
    assert.throws(
      () => file.writeSync(new Uint8Array(10), 0),
      (e) => assertStalled(e, 6, 4),
    );
  });

  test("NodeFileHandle: EIO at once when nothing is taken", async () => {
    const step = writes([]);
    const stand = {
      read: () => Promise.resolve({ bytesRead: 0 }),
      write: (_b: Uint8Array, _o: number, length: number) =>
        Promise.resolve({ bytesWritten: step(length) }),
      stat: () => Promise.resolve({ size: 0 }),
    } as unknown as NodeFileHandleLike;
    const file = new NodeFileHandle(stand);
    await assert.rejects(
      file.write(new Uint8Array(8), 64),
      (e) => assertStalled(e, 64, 8),
    );
  });

  test(
    "a path writer whose data write returns 0: EIO naming the file, no byte changed, appends go on",
    { timeout: 120_000, ...straceOptions },
    () => {
      const f = threeRows();
      const { file } = f;
      const stdout = straceFailing(CHILD, [file, "append"], {
        paths: [file],
        calls: ["write", "pwrite64"],
        retval: 0,
        when: 1,
      });
      const lines = stdout.split("\n").filter((l) => l !== "");
      assert.equal(lines.at(-1), "done", stdout);
      const line = lines.find((l) => l.startsWith("err "));
      assert.ok(line !== undefined, stdout);
      const err = JSON.parse(line.slice(4)) as {
        code: string;
        message: string;
      };
      assert.equal(err.code, "EIO", err.message);
      assert.ok(err.message.includes(`"${file}"`), err.message);
      assert.match(err.message, /wrote none of the 8 bytes at byte 152/);
      unchangedAndAppendable(f);
    },
  );
});
