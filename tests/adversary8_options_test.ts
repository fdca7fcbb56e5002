/**
 * Adversary round 8: option values given to stacks and groups. The single
 * file writer checked every option when it opened; the stack writer and
 * the group writer did not, so:
 *
 * - `deleteIfExists: "no"` (a string, truthy) removed every shard of an
 *   existing stack, and every member of an existing group, where
 *   `NpyAppendArraySync.open` refuses it with a `TypeError`;
 * - a bad `fortranOrder` of a group member was written into a new
 *   group's `group.json` before the member refused it, so the folder could
 *   no longer be opened ("its group.json has a bad fortranOrder");
 * - `fsync: "yes"`, `maxHeaderSize: 0`, `casting: "bogus"` or `bufferBytes`
 *   without `rewriteHeaderOnAppend: false` passed a stack's open and failed
 *   at the first append, naming the live shard `0.npy.part`; a new group
 *   was left with a `group.json` by the failed open.
 *
 * Now one check of the option values (`checkWriterOptions`) runs before
 * any I/O for files, stacks, groups and group members.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackWriter,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** Every file under `dir` (recursively) with its bytes, or `null`. */
function snapshot(dir: string): Record<string, string> | null {
  if (!existsSync(dir)) return null;
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
      else out[prefix + name] = readFileSync(p).toString("hex");
    }
  };
  walk(dir, "");
  return out;
}

function makeStack(dir: string): void {
  const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<i4" });
  w.append(new Int32Array([1, 2, 3]));
  w.close();
}

function makeGroup(dir: string, shardRows?: number): void {
  const w = NpyGroupWriterSync.open(dir, {
    members: { a: "<i4", b: "<f8" },
    ...(shardRows === undefined ? {} : { shardRows }),
  });
  w.append({ a: new Int32Array([1, 2, 3]), b: new Float64Array([4, 5, 6]) });
  w.close();
}

/** The error of `run`, checked to be `kind` and to name `where`. */
function refusal(
  kind: typeof TypeError | typeof RangeError,
  where: string,
  message: RegExp,
) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof kind, String(e));
    assert.ok(e.message.includes(`"${where}"`), e.message);
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /\.part/);
    return true;
  };
}

describe("adversary 8: a truthy deleteIfExists that is not true removes nothing", () => {
  for (const value of ["no", "false", 1]) {
    test(`a stack, deleteIfExists: ${JSON.stringify(value)}`, async () => {
      const dir = join(tempDir(), "s");
      makeStack(dir);
      const before = snapshot(dir);
      const options = { deleteIfExists: value as unknown as boolean };
      const check = refusal(TypeError, dir, /deleteIfExists must be a boolean/);
      assert.throws(() => NpyStackWriterSync.open(dir, options), check);
      await assert.rejects(NpyStackWriter.open(dir, options), check);
      assert.deepEqual(snapshot(dir), before);
      assert.deepEqual([...readNpyStackSync(dir).data as Int32Array], [
        1,
        2,
        3,
      ]);
    });

    for (const shardRows of [undefined, 2]) {
      test(
        `a group${
          shardRows === undefined ? "" : " of stacks"
        }, deleteIfExists: ${JSON.stringify(value)}`,
        async () => {
          const dir = join(tempDir(), "g");
          makeGroup(dir, shardRows);
          const before = snapshot(dir);
          const options = { deleteIfExists: value as unknown as boolean };
          const check = refusal(
            TypeError,
            dir,
            /deleteIfExists must be a boolean/,
          );
          assert.throws(() => NpyGroupWriterSync.open(dir, options), check);
          await assert.rejects(NpyGroupWriter.open(dir, options), check);
          assert.deepEqual(snapshot(dir), before);
          const w = NpyGroupWriterSync.open(dir);
          assert.equal(w.length, 3);
          w.close();
        },
      );
    }
  }
});

describe("adversary 8: bad option values are refused at open, changing no byte", () => {
  const cases: [string, Record<string, unknown>, typeof TypeError, RegExp][] = [
    ["fsync", { fsync: "yes" }, TypeError, /fsync must be a boolean/],
    [
      "maxHeaderSize",
      { maxHeaderSize: 0 },
      RangeError,
      /maxHeaderSize must be a positive integer/,
    ],
    ["casting", { casting: "bogus" }, TypeError, /Invalid casting "bogus"/],
    [
      "bufferBytes",
      { bufferBytes: 64 },
      RangeError,
      /bufferBytes needs rewriteHeaderOnAppend: false/,
    ],
    [
      "rewriteHeaderOnAppend",
      { rewriteHeaderOnAppend: 1 },
      TypeError,
      /rewriteHeaderOnAppend must be a boolean/,
    ],
    ["dtype", { dtype: "O" }, TypeError, /holds Python objects/],
  ];
  for (const [name, options, kind, message] of cases) {
    test(`a stack, ${name}: new and existing`, () => {
      const root = tempDir();
      const fresh = join(root, "new");
      assert.throws(
        () => NpyStackWriterSync.open(fresh, options),
        refusal(kind, fresh, message),
      );
      assert.equal(snapshot(fresh), null);
      if (name === "dtype") return;
      const dir = join(root, "s");
      makeStack(dir);
      const before = snapshot(dir);
      assert.throws(
        () => NpyStackWriterSync.open(dir, options),
        refusal(kind, dir, message),
      );
      assert.deepEqual(snapshot(dir), before);
    });
  }

  for (const [name, options, kind, message] of cases.slice(0, 3)) {
    for (const shardRows of [undefined, 3]) {
      test(
        `a group${
          shardRows === undefined ? "" : " of stacks"
        }, ${name}: new and existing`,
        () => {
          const root = tempDir();
          const fresh = join(root, "new");
          assert.throws(
            () =>
              NpyGroupWriterSync.open(fresh, {
                members: { a: "<i4" },
                ...(shardRows === undefined ? {} : { shardRows }),
                ...options,
              }),
            refusal(kind, fresh, message),
          );
          assert.equal(snapshot(fresh), null);
          const dir = join(root, "g");
          makeGroup(dir, shardRows);
          const before = snapshot(dir);
          assert.throws(
            () => NpyGroupWriterSync.open(dir, options),
            refusal(kind, dir, message),
          );
          assert.deepEqual(snapshot(dir), before);
        },
      );
    }
  }

  for (
    const [name, member, kind, message] of [
      [
        "fortranOrder",
        { dtype: "<i4", fortranOrder: "x" },
        TypeError,
        /member "a": fortranOrder must be a boolean, not "x"/,
      ],
      [
        "casting",
        { dtype: "<i4", casting: "unsafe!" },
        TypeError,
        /member "a": Invalid casting/,
      ],
      ["dtype", { dtype: "O" }, TypeError, /member "a": .*Python objects/],
    ] as const
  ) {
    test(`a group member's ${name}: no group.json of a new group, the folder stays usable`, () => {
      const dir = join(tempDir(), "g");
      assert.throws(
        () =>
          NpyGroupWriterSync.open(dir, {
            members: { a: member as never, b: "<f8" },
          }),
        refusal(kind, dir, message),
      );
      assert.equal(snapshot(dir), null);
      // The same folder takes the right declaration afterwards.
      makeGroup(dir);
      const w = NpyGroupWriterSync.open(dir);
      assert.equal(w.length, 3);
      w.close();
    });
  }
});

/**
 * `atomic: true` on a stack sent the live shard's appends to a temporary
 * renamed at the seal: after a SIGKILL the reopened stack had lost the
 * acknowledged rows of the live shard, and the temporary and its change
 * record stayed in the folder for good. Refused now, as for every form of
 * the stack writer; `atomic: false` is the default and stays allowed.
 */
describe("adversary 8: atomic on a stack", () => {
  test("atomic: true is refused before any I/O (a kill lost the live shard's acknowledged rows)", async () => {
    const root = tempDir();
    const fresh = join(root, "new");
    const check = refusal(TypeError, fresh, /atomic is for single files/);
    assert.throws(
      () => NpyStackWriterSync.open(fresh, { atomic: true, shardRows: 4 }),
      check,
    );
    await assert.rejects(NpyStackWriter.open(fresh, { atomic: true }), check);
    assert.equal(snapshot(fresh), null);
    const dir = join(root, "s");
    makeStack(dir);
    const before = snapshot(dir);
    assert.throws(
      () =>
        NpyStackWriterSync.open(dir, { atomic: true, deleteIfExists: true }),
      refusal(TypeError, dir, /atomic is for single files/),
    );
    assert.deepEqual(snapshot(dir), before);
    const w = NpyStackWriterSync.open(dir, { atomic: false });
    w.append(new Int32Array([4]));
    w.close();
    assert.deepEqual(
      [...readNpyStackSync(dir).data as Int32Array],
      [1, 2, 3, 4],
    );
  });
});

/**
 * A member of a group of stacks is the folder `DIR/<name>` (no suffix), so
 * a member named `group.json` or `a.lock` (beside a member `a`, whose
 * stack's lock file that is) could not be made: the open failed after
 * writing `group.json`, which left a folder no later open could use. Such
 * names are refused before any I/O; plain groups (`<name>.npy`) keep them.
 */
describe("adversary 8: member names of a group of stacks", () => {
  const cases: [string, Record<string, string>][] = [
    ["group.json", { "group.json": "<i4", b: "<i4" }],
    ["a.lock beside a", { a: "<i4", "a.lock": "<i4" }],
    ["a.lock.takeover beside a", { a: "<i4", "a.lock.takeover": "<i4" }],
  ];
  for (const [name, members] of cases) {
    test(`${name}: a RangeError and no folder; a plain group takes it`, async () => {
      const root = tempDir();
      const dir = join(root, "g");
      assert.throws(
        () => NpyGroupWriterSync.open(dir, { members, shardRows: 4 }),
        (e: unknown) => {
          assert.ok(e instanceof RangeError, String(e));
          assert.ok(e.message.includes(`"${dir}"`), e.message);
          assert.match(e.message, /own files in a group of stacks/);
          return true;
        },
      );
      await assert.rejects(
        NpyGroupWriter.open(dir, { members, shardRows: 4 }),
        RangeError,
      );
      assert.equal(snapshot(dir), null);
      const plain = join(root, "plain");
      const rows = Object.fromEntries(
        Object.keys(members).map((k) => [k, new Int32Array([1, 2, 3])]),
      );
      const w = NpyGroupWriterSync.open(plain, { members });
      w.append(rows);
      w.close();
      const again = NpyGroupWriterSync.open(plain);
      again.append(rows);
      assert.equal(again.length, 6);
      again.close();
    });
  }
});
