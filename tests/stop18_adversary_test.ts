/**
 * Stop 18 adversary (h4): the commit of an atomic writer is the removal of
 * its change record `<file>.journal` when the name still names the open
 * record. A program that replaces the record while the writer is open
 * (a sync tool or `rsync` writing a copy and renaming it over, a user's
 * `cp`) leaves at the name a whole record of the same change under
 * another inode: the commit must not leave it, or the next open rolls the
 * acknowledged rows back and readers refuse the file.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

function made(path: string, values: number[]): void {
  const w = NpyAppendArraySync.open(path);
  w.append(new Int32Array(values));
  w.close();
}

function rows(path: string): number[] {
  return [...readNpySync(path).data as Int32Array];
}

for (const fsync of [false, true]) {
  test(`atomic writer (fsync ${fsync}), its record replaced by a copy while open: close() keeps the rows, no record left`, () => {
    const root = tempDir();
    try {
      const p = join(root, "x.npy");
      made(p, [1, 2]);
      const w = NpyAppendArraySync.open(p, { atomic: true, fsync });
      w.append(new Int32Array([3, 4]));
      // As rsync or a sync tool does: a copy, renamed over the name.
      copyFileSync(`${p}.journal`, `${p}.journal.tmp`);
      renameSync(`${p}.journal.tmp`, `${p}.journal`);
      w.close();
      assert.equal(existsSync(`${p}.journal`), false);
      assert.deepEqual(rows(p), [1, 2, 3, 4]);
      const again = NpyAppendArraySync.open(p);
      again.close();
      assert.deepEqual(rows(p), [1, 2, 3, 4]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("atomic writer, its record hard-linked and the name symlinked to it while open: close() keeps the rows, no record at the name", () => {
  const root = tempDir();
  try {
    const p = join(root, "x.npy");
    made(p, [1, 2]);
    const w = NpyAppendArraySync.open(p, { atomic: true });
    w.append(new Int32Array([3]));
    linkSync(`${p}.journal`, join(root, "saved"));
    rmSync(`${p}.journal`);
    symlinkSync(join(root, "saved"), `${p}.journal`);
    w.close();
    assert.equal(existsSync(`${p}.journal`), false);
    assert.deepEqual(rows(p), [1, 2, 3]);
    NpyAppendArraySync.open(p).close();
    assert.deepEqual(rows(p), [1, 2, 3]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("atomic writer, its record replaced by a copy while open: abort() rolls back, no record left, readers read the old rows", () => {
  const root = tempDir();
  try {
    const p = join(root, "x.npy");
    made(p, [1, 2]);
    const w = NpyAppendArraySync.open(p, { atomic: true });
    w.append(new Int32Array([3, 4]));
    copyFileSync(`${p}.journal`, `${p}.journal.tmp`);
    renameSync(`${p}.journal.tmp`, `${p}.journal`);
    w.abort();
    assert.equal(existsSync(`${p}.journal`), false);
    assert.deepEqual(rows(p), [1, 2]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("atomic writer, another program's file at the record's name while open: close() commits and keeps that file", () => {
  const root = tempDir();
  try {
    const p = join(root, "x.npy");
    made(p, [1, 2]);
    const w = NpyAppendArraySync.open(p, { atomic: true });
    w.append(new Int32Array([3]));
    rmSync(`${p}.journal`);
    writeFileSync(`${p}.journal`, "not a record");
    w.close();
    assert.equal(readFileSync(`${p}.journal`, "utf8"), "not a record");
    assert.deepEqual(rows(p), [1, 2, 3]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
