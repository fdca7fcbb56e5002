/**
 * Adversary round 13, known defects: options were read more than once (a
 * check, then the action), so an options object whose getter (or Proxy)
 * gives another value at each read made them disagree. Now every public
 * function with options reads each one once, at its start
 * (`checkOptions`'s snapshot), and goes on with that snapshot.
 *
 * Each function is given a Proxy counting the reads of each key; the
 * consequences of a second read are shown by getters that change their
 * value after the first read.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  ensureAppendable,
  ensureAppendableSync,
  inspectNpy,
  inspectNpySync,
  isAppendable,
  isAppendableSync,
  needsRecovery,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyReader,
  NpyStackReader,
  NpyStackWriter,
  NpyStackWriterSync,
  parseHeader,
  readNpy,
  readNpyRecords,
  readNpyRecordsSync,
  readNpyStackSync,
  readNpySync,
  recover,
  recoverGroup,
  recoverGroupSync,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { threeRows } from "./_three_rows.ts";

/** `values` behind a Proxy that counts the reads of each key. */
function counted(
  values: Record<string, unknown>,
): { options: Record<string, unknown>; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const options = new Proxy(values, {
    get(t, k, r) {
      if (typeof k === "string") reads.set(k, (reads.get(k) ?? 0) + 1);
      return Reflect.get(t, k, r);
    },
  });
  return { options, reads };
}

/** Asserts that no key was read more than once. */
function once(name: string, reads: Map<string, number>): void {
  const twice = [...reads].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], `${name} read ${JSON.stringify(twice)}`);
}

/** An object whose `key` is `first` at its first read, `later` after. */
function changing<T>(
  base: Record<string, unknown>,
  key: string,
  first: T,
  later: T,
): Record<string, unknown> {
  let n = 0;
  return Object.defineProperty({ ...base }, key, {
    enumerable: true,
    get: () => (n++ === 0 ? first : later),
  });
}

describe("adversary 13: every option is read once", () => {
  test("writers of files, stacks and groups, sync and async", async () => {
    const dir = tempDir();
    const calls: [string, (o: never) => unknown, Record<string, unknown>][] = [
      [
        "NpyAppendArraySync.open",
        (o) => NpyAppendArraySync.open(join(dir, "a.npy"), o),
        {
          dtype: "<f4",
          deleteIfExists: true,
          rewriteHeaderOnAppend: false,
          fortranOrder: false,
          casting: "unsafe",
          fsync: false,
          atomic: false,
          maxHeaderSize: 10000,
          bufferBytes: 64,
        },
      ],
      [
        "NpyAppendArraySync.open atomic",
        (o) => NpyAppendArraySync.open(join(dir, "b.npy"), o),
        {
          deleteIfExists: true,
          atomic: true,
          casting: "same_kind",
        },
      ],
      [
        "NpyAppendArray.open",
        (o) => NpyAppendArray.open(join(dir, "c.npy"), o),
        {
          dtype: "<f4",
          deleteIfExists: true,
          fsync: true,
          atomic: false,
          casting: "unsafe",
          maxHeaderSize: 10000,
        },
      ],
      [
        "NpyStackWriterSync.open",
        (o) => NpyStackWriterSync.open(join(dir, "s1"), o),
        {
          dtype: "<f4",
          deleteIfExists: true,
          shardRows: 2,
          casting: "unsafe",
          fsync: false,
          maxHeaderSize: 10000,
        },
      ],
      ["NpyStackWriter.open", (o) => NpyStackWriter.open(join(dir, "s2"), o), {
        dtype: "<f4",
        deleteIfExists: true,
        shardBytes: 64,
        casting: "unsafe",
      }],
      [
        "NpyGroupWriterSync.open",
        (o) => NpyGroupWriterSync.open(join(dir, "g1"), o),
        {
          members: { x: "<f4", y: "<i8" },
          deleteIfExists: true,
          casting: "unsafe",
          fsync: false,
          maxHeaderSize: 10000,
          shardRows: 4,
        },
      ],
      ["NpyGroupWriter.open", (o) => NpyGroupWriter.open(join(dir, "g2"), o), {
        members: { x: "<f4" },
        deleteIfExists: true,
        casting: "unsafe",
      }],
    ];
    for (const [name, call, values] of calls) {
      const { options, reads } = counted(values);
      const w = await call(options as never) as { close(): unknown };
      await w.close();
      once(name, reads);
    }
  });

  test("a group member declared by options", () => {
    const dir = tempDir();
    const member = counted({
      dtype: "<f4",
      fortranOrder: false,
      casting: "unsafe",
    });
    NpyGroupWriterSync.open(join(dir, "g"), {
      members: { x: member.options as never },
    }).close();
    once("member", member.reads);
  });

  test("readers, inspectors and maintenance, sync and async", async () => {
    const f = threeRows();
    const h = () => counted({ maxHeaderSize: 10000 });
    const calls: [
      string,
      (o: never) => unknown,
      () => ReturnType<typeof counted>,
    ][] = [
      [
        "readNpy",
        (o) => readNpy(f.file, o),
        () => counted({ maxHeaderSize: 10000, allowIncomplete: false }),
      ],
      [
        "readNpySync",
        (o) => readNpySync(f.file, o),
        () => counted({ maxHeaderSize: 10000, allowIncomplete: true }),
      ],
      ["readNpyRecords", (o) => readNpyRecords(f.file, o), h],
      ["readNpyRecordsSync", (o) => readNpyRecordsSync(f.file, o), h],
      ["inspectNpy", (o) => inspectNpy(f.file, o), h],
      ["inspectNpySync", (o) => inspectNpySync(f.file, o), h],
      ["isAppendable", (o) => isAppendable(f.file, o), h],
      ["isAppendableSync", (o) => isAppendableSync(f.file, o), h],
      ["needsRecovery", (o) => needsRecovery(f.file, o), h],
      ["needsRecoverySync", (o) => needsRecoverySync(f.file, o), h],
      [
        "recover",
        (o) => recover(f.file, o),
        () => counted({ maxHeaderSize: 10000, zerofillIncomplete: true }),
      ],
      [
        "recoverSync",
        (o) => recoverSync(f.file, o),
        () => counted({ maxHeaderSize: 10000, zerofillIncomplete: false }),
      ],
      [
        "ensureAppendable",
        (o) => ensureAppendable(f.file, o),
        () => counted({ maxHeaderSize: 10000, inplace: true }),
      ],
      [
        "ensureAppendableSync",
        (o) => ensureAppendableSync(f.file, o),
        () => counted({ maxHeaderSize: 10000, inplace: false }),
      ],
      [
        "NpyReader.open",
        async (o) => (await NpyReader.open(f.file, o)).close(),
        () =>
          counted({
            maxHeaderSize: 10000,
            allowIncomplete: true,
            batchItems: 2,
          }),
      ],
      [
        "NpyReader.openSync",
        (o) => NpyReader.openSync(f.file, o).closeSync(),
        () =>
          counted({
            maxHeaderSize: 10000,
            allowIncomplete: false,
            batchItems: 2,
          }),
      ],
    ];
    for (const [name, call, make] of calls) {
      const { options, reads } = make();
      await call(options as never);
      once(name, reads);
    }
  });

  test("batches of file and stack readers, and group readers", async () => {
    const f = threeRows();
    const r = NpyReader.openSync(f.file);
    const b = () => counted({ batchItems: 2, start: 1, end: 3 });
    let c = b();
    for (const _ of r.batchesSync(c.options)) { /* all */ }
    once("batchesSync", c.reads);
    c = b();
    for await (const _ of r.batches(c.options)) { /* all */ }
    once("batches", c.reads);
    c = b();
    for await (const _ of r.readable(c.options)) { /* all */ }
    once("readable", c.reads);
    r.closeSync();

    const dir = join(tempDir(), "s");
    const s = NpyStackWriterSync.open(dir, { shardRows: 2 });
    s.append(new Float64Array([1, 2, 3]));
    s.close();
    const sr = await NpyStackReader.open(dir);
    c = b();
    for await (const _ of sr.batches(c.options)) { /* all */ }
    once("stack batches", c.reads);
    c = b();
    for await (const _ of sr.readable(c.options)) { /* all */ }
    once("stack readable", c.reads);

    const g = join(tempDir(), "g");
    NpyGroupWriterSync.open(g, { members: { x: "<f4" } }).close();
    for (
      const [name, call] of [
        [
          "NpyGroupReader.openSync",
          (o: never) => NpyGroupReader.openSync(g, o),
        ],
        ["NpyGroupReader.open", (o: never) => NpyGroupReader.open(g, o)],
        ["recoverGroupSync", (o: never) => recoverGroupSync(g, o)],
        ["recoverGroup", (o: never) => recoverGroup(g, o)],
      ] as const
    ) {
      c = counted({ maxHeaderSize: 10000 });
      await call(c.options as never);
      once(name, c.reads);
    }
  });

  test("parseHeader and encodeHeader", () => {
    let c = counted({ headerLength: 128, growthSpace: true, version: 1 });
    const bytes = encodeHeader({
      dtype: "<f8",
      fortranOrder: false,
      shape: [3],
    }, c.options as never);
    once("encodeHeader", c.reads);
    c = counted({ maxHeaderSize: 10000 });
    parseHeader(bytes, c.options as never);
    once("parseHeader", c.reads);
  });
});

describe("adversary 13: a check and its action see one value", () => {
  test('dtype "<f4" at its first read, "<i2" after: the file is <f4 (it was <i2)', () => {
    const p = join(tempDir(), "x.npy");
    const w = NpyAppendArraySync.open(
      p,
      changing({}, "dtype", "<f4", "<i2") as never,
    );
    w.append([[1.5, 2]]);
    w.close();
    const got = readNpySync(p);
    assert.equal(got.dtype, "<f4");
    assert.deepEqual([...got.data as Float32Array], [1.5, 2]);
  });

  test("fortranOrder true at its first read, false after: the file is Fortran-ordered", () => {
    const p = join(tempDir(), "x.npy");
    const w = NpyAppendArraySync.open(
      p,
      changing({}, "fortranOrder", true, false) as never,
    );
    w.append({ data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] });
    w.close();
    assert.equal(readNpySync(p).fortranOrder, true);
  });

  test("a polluted Object.prototype is no option: deleteIfExists inherited kept the file (it was emptied)", () => {
    const f = threeRows();
    const stack = join(tempDir(), "s");
    const s0 = NpyStackWriterSync.open(stack, { shardRows: 2 });
    s0.append(new Float64Array([0, 1, 2]));
    s0.close();
    const proto = Object.prototype as Record<string, unknown>;
    // Synchronous from here to the `finally`: no other test sees it.
    proto.deleteIfExists = true;
    proto.dtype = "<i2";
    try {
      const w = NpyAppendArraySync.open(f.file);
      w.append(new Float64Array([3]));
      w.close();
      const s = NpyStackWriterSync.open(stack, { shardRows: 2 });
      s.append(new Float64Array([3]));
      s.close();
    } finally {
      delete proto.deleteIfExists;
      delete proto.dtype;
    }
    const got = readNpySync(f.file);
    assert.equal(got.dtype, "<f8");
    assert.deepEqual([...got.data as Float64Array], [0, 1, 2, 3]);
    assert.deepEqual(
      [...readNpyStackSync(stack).data as Float64Array],
      [0, 1, 2, 3],
    );
  });

  test("a group member's fortranOrder false, then true: group.json and the file agree with the first", () => {
    const g = join(tempDir(), "g");
    const w = NpyGroupWriterSync.open(g, {
      members: { x: changing({}, "fortranOrder", false, true) as never },
    });
    w.append({ x: [[1, 2]] });
    w.close();
    const json = JSON.parse(readFileSync(join(g, "group.json"), "utf8"));
    assert.equal(json.members[0].fortranOrder, false);
    assert.equal(readNpySync(join(g, "x.npy")).fortranOrder, false);
  });
});
