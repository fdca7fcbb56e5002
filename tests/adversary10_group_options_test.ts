/**
 * Adversary round 10: a group opened without members where it needs them
 * (it is new, or `deleteIfExists` starts it afresh). Found: with
 * `deleteIfExists: true` and no members the open removed every file of
 * the group and then said "it is new, so pass its members" (a failed call
 * destroyed the data); on a missing folder it left the folder made. Both
 * are refused now before any I/O.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyGroupReader, NpyGroupWriter, NpyGroupWriterSync } from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";

/** A group of 2 rows (`x` int32, `y` uint8), plain or of stacks. */
function group(shardRows?: number): string {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { x: "<i4", y: "|u1" },
    ...(shardRows === undefined ? {} : { shardRows }),
  });
  w.append({ x: new Int32Array([1, 2]), y: new Uint8Array([3, 4]) });
  w.close();
  return dir;
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, f);
    try {
      out.set(f, readFileSync(p).toString("hex"));
    } catch {
      out.set(f, "(folder)");
    }
  }
  return out;
}

const OPENS: Record<
  string,
  (dir: string, options: Record<string, unknown>) => Promise<unknown>
> = {
  sync: (dir, o) =>
    Promise.resolve().then(() => NpyGroupWriterSync.open(dir, o as never)),
  async: (dir, o) => NpyGroupWriter.open(dir, o as never),
};

describe("a group opened without members where it needs them", () => {
  for (const [kind, open] of Object.entries(OPENS)) {
    for (const shardRows of [undefined, 1]) {
      const what = `${kind}${shardRows === undefined ? "" : ", of stacks"}`;
      for (const members of [undefined, {}]) {
        test(`deleteIfExists: true, members ${JSON.stringify(members)} (${what}): refused, every file kept`, async () => {
          const dir = group(shardRows);
          const before = snapshot(dir);
          await assert.rejects(
            () =>
              open(dir, {
                deleteIfExists: true,
                ...(members === undefined ? {} : { members }),
                ...(shardRows === undefined ? {} : { shardRows }),
              }),
            (e: Error) =>
              e instanceof RangeError && e.message.includes(`"${dir}"`) &&
              /members/.test(e.message) && !/it is new/.test(e.message),
          );
          assert.deepEqual(snapshot(dir), before);
          await using reader = await NpyGroupReader.open(dir);
          assert.equal(reader.length, 2);
          if (
            shardRows === undefined && numpyTestOptions().skip === undefined
          ) {
            assert.deepEqual(npLoadJson(join(dir, "x.npy")).values, [1, 2]);
          }
        });
      }
      test(`a missing folder without members (${what}): refused, no folder made`, async () => {
        const dir = join(tempDir(), "new", "g");
        await assert.rejects(
          () => open(dir, shardRows === undefined ? {} : { shardRows }),
          RangeError,
        );
        assert.equal(existsSync(dir), false);
      });
    }
  }
});
