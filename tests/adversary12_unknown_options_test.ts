/**
 * Adversary round 12: a misspelled option (`{ deleteIfExist: true }`) was
 * silently ignored: the writer appended to the old file instead of
 * starting afresh, `atomic` misspelled gave no atomicity. NumPy refuses an
 * unknown keyword argument with a `TypeError`; so does every function with
 * options now, naming the file, the key and the nearest known one, before
 * any byte changes.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  ensureAppendableSync,
  inspectNpySync,
  isAppendableSync,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyReader,
  NpyStackWriterSync,
  parseHeader,
  readNpy,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { unknownOption } from "./_unknown_option.ts";
import { threeRows } from "./_three_rows.ts";

describe("adversary 12: an unknown option is refused, not ignored", () => {
  test("deleteIfExist (misspelled): refused, the file unchanged, no lock left", () => {
    const f = threeRows();
    assert.throws(
      () =>
        NpyAppendArraySync.open(
          f.file,
          { deleteIfExist: true } as unknown as { deleteIfExists: boolean },
        ),
      unknownOption(`"${f.file}"`, "deleteIfExist", "deleteIfExists"),
    );
    assert.deepEqual(readFileSync(f.file), f.bytes);
    assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
  });

  test("each writer and reader, sync and async, with a near and a far key", async () => {
    const f = threeRows();
    const bad = (o: Record<string, unknown>) => o as never;
    assert.throws(
      () => NpyAppendArraySync.open(f.file, bad({ Atomic: true })),
      unknownOption(`"${f.file}"`, "Atomic", "atomic"),
    );
    await assert.rejects(
      NpyAppendArray.open(f.file, bad({ fortran_order: true })),
      unknownOption(`"${f.file}"`, "fortran_order", "fortranOrder"),
    );
    assert.throws(
      () => readNpySync(f.file, bad({ maxHeaderSise: 1 })),
      unknownOption(`"${f.file}"`, "maxHeaderSise", "maxHeaderSize"),
    );
    await assert.rejects(
      readNpy(f.file, bad({ mmap_mode: "r" })),
      unknownOption(`"${f.file}"`, "mmap_mode", null),
    );
    assert.throws(
      () => NpyReader.openSync(f.file, bad({ batchitems: 4 })),
      unknownOption(`"${f.file}"`, "batchitems", "batchItems"),
    );
    for (
      const call of [
        () => inspectNpySync(f.file, bad({ maxheadersize: 1 })),
        () => isAppendableSync(f.file, bad({ maxheadersize: 1 })),
        () => needsRecoverySync(f.file, bad({ maxheadersize: 1 })),
      ]
    ) {
      assert.throws(
        call,
        unknownOption(`"${f.file}"`, "maxheadersize", "maxHeaderSize"),
      );
    }
    assert.throws(
      () => ensureAppendableSync(f.file, bad({ inPlace: true })),
      unknownOption(`"${f.file}"`, "inPlace", "inplace"),
    );
    assert.throws(
      () => recoverSync(f.file, bad({ zerofill: true })),
      unknownOption(`"${f.file}"`, "zerofill", null),
    );
    await assert.rejects(
      recover(f.file, bad({ zerofillIncomplet: true })),
      unknownOption(`"${f.file}"`, "zerofillIncomplet", "zerofillIncomplete"),
    );
    assert.deepEqual(readFileSync(f.file), f.bytes);
    assert.deepEqual(readdirSync(f.dir), ["x.npy"]);
  });

  test("stacks and groups: refused before the folder is made", () => {
    const dir = tempDir();
    const stack = join(dir, "s");
    assert.throws(
      () => NpyStackWriterSync.open(stack, { shardRow: 10 } as never),
      unknownOption(`"${stack}"`, "shardRow", "shardRows"),
    );
    const group = join(dir, "g");
    assert.throws(
      () =>
        NpyGroupWriterSync.open(group, {
          members: { x: "<f4" },
          member: { y: "<f4" },
        } as never),
      unknownOption(`"${group}"`, "member", "members"),
    );
    // A member declared by options: its keys too (a dtype given as
    // NumPy's dict form is not options: it was dropped without a word).
    assert.throws(
      () =>
        NpyGroupWriterSync.open(group, {
          members: { x: { names: ["a"], formats: ["<f4"] } },
        } as never),
      unknownOption(`group "${group}": member "x"`, "names", null),
    );
    assert.throws(
      () =>
        NpyGroupWriterSync.open(group, {
          members: { x: { dtyp: "<f4" } },
        } as never),
      unknownOption(`group "${group}": member "x"`, "dtyp", "dtype"),
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  test("the header codec", () => {
    const bytes = encodeHeader({
      dtype: "<f8",
      fortranOrder: false,
      shape: [3],
    });
    assert.throws(
      () =>
        encodeHeader(
          { dtype: "<f8", fortranOrder: false, shape: [3] },
          { header_len: 128 } as never,
        ),
      unknownOption("header", "header_len", null),
    );
    assert.throws(
      () => parseHeader(bytes, { maxHeader: 10 } as never),
      unknownOption("header", "maxHeader", null),
    );
  });

  test("every known option, and options from a class or with inherited keys, still pass", () => {
    const f = threeRows();
    // Own keys only: keys inherited from a prototype are not the caller's.
    const inherited = Object.create({ somethingElse: 1 }) as object;
    const w = NpyAppendArraySync.open(f.file, inherited);
    w.close();
    const all = NpyAppendArraySync.open(f.file, {
      dtype: "<f8",
      deleteIfExists: false,
      rewriteHeaderOnAppend: false,
      fortranOrder: false,
      casting: "same_kind",
      fsync: false,
      atomic: false,
      maxHeaderSize: 10000,
      bufferBytes: 64,
    });
    all.append(new Float64Array([3]));
    all.close();
    assert.deepEqual([
      ...readNpySync(f.file, {
        maxHeaderSize: 10000,
        allowIncomplete: false,
      }).data as Float64Array,
    ], [0, 1, 2, 3]);
  });
});
