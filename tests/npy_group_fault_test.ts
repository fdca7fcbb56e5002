/**
 * A group append that fails half-way (a real full disk: a 2 MiB tmpfs)
 * changes no state: every member is put back to the acknowledged rows, the
 * group keeps working once there is room, and `recoverGroup` agrees.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  readNpySync,
  recoverGroupSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { mountTmpfs, unmountTmpfs } from "./_tmpfs.ts";

/** Mounts a 2 MiB tmpfs on `dir`; why not, when it cannot. */
function tryTmpfs(dir: string): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  try {
    mountTmpfs(dir);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

test("a full disk in the middle of a group append changes no state", (t) => {
  const mnt = tempDir();
  const why = tryTmpfs(mnt);
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  try {
    const dir = join(mnt, "g");
    mkdirSync(dir);
    const group = NpyGroupWriterSync.open(dir, {
      members: { c: "|u1", a: "<f8", b: "<f8" },
    });
    // Taken away at the end, to make room again.
    writeFileSync(join(mnt, "filler"), new Uint8Array(256 * 1024));
    // Rows of 8 KiB in a and b, after c's single byte: the disk fills
    // after some member's data was written.
    const width = 1024;
    let failures = 0;
    let acked = 0;
    for (let i = 0; i < 200 && failures < 3; i++) {
      const n = 1 + (i % 7);
      const data = new Float64Array(n * width).fill(i);
      const before = group.length;
      try {
        group.append({
          a: { data, shape: [n, width] },
          b: { data, shape: [n, width] },
          c: new Uint8Array(n).fill(i),
        });
        acked += n;
      } catch (e) {
        failures++;
        assert.match(String((e as Error).message), /ENOSPC|space/i);
        assert.equal(group.length, before);
        // Every member is back to the acknowledged rows, bytes included.
        for (const m of ["a", "b", "c"]) {
          const path = join(dir, `${m}.npy`);
          const arr = readNpySync(path);
          assert.equal(arr.shape[0], before, m);
          const rowBytes = m === "c" ? 1 : 8 * width;
          assert.equal(statSync(path).size, 128 + before * rowBytes, m);
        }
      }
    }
    assert.ok(failures > 0, "the disk never filled");
    assert.equal(group.length, acked);
    // Room again: the group goes on.
    rmSync(join(mnt, "filler"));
    group.append({
      a: { data: new Float64Array(width).fill(7), shape: [1, width] },
      b: { data: new Float64Array(width).fill(7), shape: [1, width] },
      c: new Uint8Array([7]),
    });
    acked += 1;
    group.close();
    assert.equal(recoverGroupSync(dir), acked);
    using reader = NpyGroupReader.openSync(dir);
    assert.equal(reader.length, acked);
    const c = reader.readSync().c!.data as Uint8Array;
    assert.equal(c.length, acked);
    assert.equal(c[acked - 1], 7);
    assert.ok(readFileSync(join(dir, "group.json")).length < 1024);
  } finally {
    unmountTmpfs(mnt);
    rmSync(mnt, { recursive: true, force: true });
  }
});
