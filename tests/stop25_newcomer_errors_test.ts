/**
 * Stop 25 (h4), a newcomer's road: the errors met first each name the file
 * and say the fix.
 *
 * - A missing file read (`readNpy`, `NpyReader.open`, `inspectNpy`,
 *   `recover`, `ensureAppendable`) said only the runtime's words
 *   (`ENOENT: no such file or directory, open '...'`), a permission refused
 *   only `EACCES: permission denied`, and a read-only disk met outside the
 *   lock (a stack's new folder) only `EROFS: read-only file system, mkdir`.
 * - A stack or group asked for two or more missing folders on a read-only
 *   disk said `ENOENT` on Node (its recursive `mkdir` reports `EROFS` and
 *   `EACCES` so): a user looks for a wrong path.
 * - A writer opened on an existing file with another `dtype` or
 *   `fortranOrder` said they differ, not what to do.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendable,
  ensureAppendableSync,
  inspectNpy,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyReader,
  NpyStackWriterSync,
  readNpy,
  readNpySync,
  recover,
} from "../mod.ts";
import { runtimeError } from "../src/_system_error.ts";
import { tempDir } from "./_numpy.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";
import { writeFileSync } from "node:fs";
import { tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

function named(path: string, code: string, fix: RegExp) {
  return (e: unknown): boolean => {
    const err = e as { code?: string; message?: string };
    assert.equal(err.code, code, String(e));
    assert.ok(err.message?.includes(JSON.stringify(path)), String(e));
    assert.match(err.message ?? "", fix);
    return true;
  };
}

test("a missing file read or repaired: ENOENT naming it, and the fix", async () => {
  const path = join(tempDir(), "nothere.npy");
  const want = named(path, "ENOENT", /no file at this path: check the path/);
  await assert.rejects(readNpy(path), want);
  assert.throws(() => readNpySync(path), want);
  await assert.rejects(NpyReader.open(path), want);
  await assert.rejects(inspectNpy(path), want);
  await assert.rejects(recover(path), want);
  await assert.rejects(ensureAppendable(path), want);
  assert.throws(() => ensureAppendableSync(path, { inplace: true }), want);
});

test("permission and read-only errors of a path say the fix (the words of every runtime)", () => {
  const cases: [string, RegExp][] = [
    ["EACCES", /may not open it: change its permissions \(chmod\) or owner/],
    ["EPERM", /may not open it: change its permissions \(chmod\) or owner/],
    ["EROFS", /read-only; remount it read-write, or copy/],
  ];
  for (const [code, fix] of cases) {
    const raw = Object.assign(new Error(`${code}: refused, open '/d/x.npy'`), {
      code,
      errno: -1,
      syscall: "open",
    });
    const e = runtimeError(raw, "open", "/d/x.npy") as Error;
    assert.equal((e as { code?: string }).code, code);
    assert.match(e.message, /^Cannot open "\/d\/x\.npy": /);
    assert.match(e.message, fix);
    assert.equal(e.cause, raw);
  }
});

test(
  "a read-only disk: a stack or group under missing folders says EROFS and the fix, on every runtime",
  tmpfsTestOptions(60_000),
  withTmpfs("size=1m", (mnt) => {
    const r = spawnSync("mount", ["-o", "remount,ro", mnt]);
    assert.equal(r.status, 0, String(r.stderr));
    const stack = join(mnt, "a", "b", "stack");
    const group = join(mnt, "c", "group");
    const ro = (path: string) =>
      named(path, "EROFS", /read-only; remount it read-write/);
    assert.throws(
      () => NpyStackWriterSync.open(stack, { dtype: "<f4" }),
      ro(stack),
    );
    assert.throws(
      () => NpyGroupWriterSync.open(group, { members: { a: "<f4" } }),
      ro(group),
    );
    // The lock's refusal says the fix once.
    const file = join(mnt, "x.npy");
    assert.throws(() => NpyAppendArraySync.open(file), (e: unknown) => {
      named(file, "EROFS", /read-only; remount it read-write/)(e);
      const text = (e as Error).message;
      assert.equal(text.split("remount").length, 2, text);
      assert.match(text, /the file is locked by creating/);
      return true;
    });
    assert.deepEqual(readdirSync(mnt), []);
  }),
);

test("an existing file opened with another dtype or order: the fix is named", async () => {
  const path = join(tempDir(), "x.npy");
  const w = NpyAppendArraySync.open(path, { dtype: "<i4" });
  w.append({ data: new Int32Array(4), shape: [2, 2] });
  w.close();
  const fix =
    /leave (dtype|fortranOrder) out to append in the file's \(appends are cast to it\), or pass deleteIfExists: true to start afresh/;
  await assert.rejects(
    NpyAppendArray.open(path, { dtype: "<f8" }),
    named(path, undefined as unknown as string, fix),
  );
  assert.throws(
    () => NpyAppendArraySync.open(path, { fortranOrder: true }),
    named(path, undefined as unknown as string, fix),
  );
  assert.deepEqual(readNpySync(path).shape, [2, 2]);
});

test("an input object with a misspelt key is refused naming the key meant, nothing written (files, stacks, groups)", () => {
  const dir = tempDir();
  const path = join(dir, "k.npy");
  const w = NpyAppendArraySync.open(path, { dtype: "<i4" });
  w.append({ data: [1, 2, 3, 4], shape: [2, 2] });
  const cases: [Record<string, unknown>, string, string][] = [
    [{ data: [1, 2], shape: [1, 2], dtyp: "<i4" }, "dtyp", "dtype"],
    [{ data: [1, 2], shap: [1, 2] }, "shap", "shape"],
    [
      { data: [1, 2], shape: [1, 2], fortranorder: false },
      "fortranorder",
      "fortranOrder",
    ],
    [{ data: [1, 2], shape: [1, 2], strides: [2, 1] }, "strides", "stride"],
    [
      { data: [1, 2], shape: [1, 2], stride: [2, 1], ofset: 0 },
      "ofset",
      "offset",
    ],
  ];
  for (const [input, key, near] of cases) {
    assert.throws(() => w.append(input as never), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.ok(e.message.includes(JSON.stringify(path)), e.message);
      assert.ok(
        e.message.includes(`unknown key "${key}"; did you mean "${near}"?`),
        e.message,
      );
      return true;
    });
  }
  // A class instance (an ndarray, a tensor) may hold other keys.
  class Wrapped {
    data = new Int32Array([5, 6]);
    shape = [1, 2];
    name = "row";
  }
  w.append(new Wrapped() as never);
  w.close();
  const read = readNpySync(path);
  assert.deepEqual(read.shape, [3, 2]);
  assert.deepEqual([...read.data as Int32Array], [1, 2, 3, 4, 5, 6]);

  const stack = NpyStackWriterSync.open(join(dir, "s"), { shardRows: 2 });
  assert.throws(
    () => stack.append({ data: [1], shape: [1], dtyp: "<f4" } as never),
    /unknown key "dtyp"; did you mean "dtype"\?/,
  );
  assert.deepEqual(stack.shape, []);
  stack.close();
  const group = NpyGroupWriterSync.open(join(dir, "g"), {
    members: { x: "<f4", y: "<f4" },
  });
  assert.throws(
    () =>
      group.append({
        x: { data: [1], shape: [1] },
        y: { data: [1], shape: [1], fortranOder: true },
      } as never),
    /unknown key "fortranOder"; did you mean "fortranOrder"\?/,
  );
  assert.equal(group.length, 0);
  group.close();
});

test("bufferBytes given as text shows it quoted, as maxHeaderSize does", () => {
  for (
    const [options, text] of [
      [{ bufferBytes: "1MB", rewriteHeaderOnAppend: false }, `not "1MB"`],
      [{ bufferBytes: "4096", rewriteHeaderOnAppend: false }, `not "4096"`],
      [{ bufferBytes: -1, rewriteHeaderOnAppend: false }, "not -1"],
    ] as const
  ) {
    assert.throws(
      () =>
        NpyAppendArraySync.open(
          join(tempDir(), "b.npy"),
          options as unknown as { bufferBytes: number },
        ),
      (e: unknown) => {
        assert.ok(e instanceof RangeError, String(e));
        assert.ok(
          e.message.endsWith(
            `bufferBytes must be a non-negative integer, ${text}`,
          ),
          e.message,
        );
        return true;
      },
    );
  }
});

test("a group opened on a .npy file, a stack's folder or a missing folder: a TypeError saying what to open instead, nothing changed", async () => {
  const dir = tempDir();
  const file = join(dir, "x.npy");
  const w = NpyAppendArraySync.open(file);
  w.append([1]);
  w.close();
  const stack = join(dir, "s");
  const s = NpyStackWriterSync.open(stack, { shardRows: 1 });
  s.append([1, 2]);
  s.close();
  const before = readdirSync(stack).sort();
  const wrong = (path: string, fix: RegExp) => (e: unknown): boolean => {
    assert.ok(e instanceof TypeError, String(e));
    assert.ok(e.message.includes(JSON.stringify(path)), e.message);
    assert.match(e.message, fix);
    return true;
  };
  const isFile = wrong(file, /not a folder; .*read by readNpy or NpyReader/);
  const isStack = wrong(stack, /a stack's folder .*NpyStackReader/);
  for (const options of [{}, { members: { x: "<f4" } }]) {
    assert.throws(() => NpyGroupWriterSync.open(file, options), isFile);
    assert.throws(() => NpyGroupWriterSync.open(stack, options), isStack);
  }
  assert.throws(() => NpyGroupReader.openSync(file), isFile);
  assert.throws(() => NpyGroupReader.openSync(stack), isStack);
  await assert.rejects(NpyGroupReader.open(stack), isStack);
  const missing = join(dir, "nothere");
  assert.throws(
    () => NpyGroupReader.openSync(missing),
    wrong(missing, /the folder does not exist; check the path/),
  );
  assert.deepEqual(readdirSync(stack).sort(), before);
  assert.deepEqual(readdirSync(dir).sort(), ["s", "x.npy"]);
});

test("a stack's or group's folder given to a file function names the functions for it", async () => {
  const dir = tempDir();
  const stack = join(dir, "s");
  const s = NpyStackWriterSync.open(stack, { shardRows: 1 });
  s.append([1, 2]);
  s.close();
  const group = join(dir, "g");
  const g = NpyGroupWriterSync.open(group, { members: { x: "<f4" } });
  g.append({ x: [1] });
  g.close();
  const says = (path: string, fix: RegExp) => (e: unknown): boolean => {
    assert.ok(e instanceof TypeError, String(e));
    assert.ok(e.message.includes(JSON.stringify(path)), e.message);
    assert.match(e.message, fix);
    return true;
  };
  await assert.rejects(
    readNpy(stack),
    says(stack, /readNpyStack or NpyStackReader/),
  );
  assert.throws(() => readNpySync(group), says(group, /NpyGroupReader/));
  await assert.rejects(
    NpyAppendArray.open(stack),
    says(stack, /NpyStackWriter/),
  );
  await assert.rejects(
    recover(stack),
    says(stack, /repair it with recoverStack/),
  );
  await assert.rejects(
    recover(group),
    says(group, /repair it with recoverGroup/),
  );
  await assert.rejects(
    inspectNpy(dir),
    says(dir, /; pass the path of a \.npy file$/),
  );
});

test("a misspelt dtype name names the one meant (files, stacks, groups)", async () => {
  const dir = tempDir();
  const meant = (near: string) => (e: unknown): boolean => {
    assert.ok(e instanceof TypeError, String(e));
    assert.ok(e.message.includes(`did you mean "${near}"?`), e.message);
    return true;
  };
  await assert.rejects(
    NpyAppendArray.open(join(dir, "a.npy"), { dtype: "flaot32" }),
    meant("float32"),
  );
  assert.throws(
    () => NpyStackWriterSync.open(join(dir, "s"), { dtype: "complx128" }),
    meant("complex128"),
  );
  assert.throws(
    () =>
      NpyGroupWriterSync.open(join(dir, "g"), { members: { x: "np.uint8" } }),
    meant("uint8"),
  );
  // A code of one or two letters is no misspelt name.
  assert.throws(
    () => NpyAppendArraySync.open(join(dir, "b.npy"), { dtype: "x1" }),
    (e: unknown) => !(e as Error).message.includes("did you mean"),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test("CLI: --dtype against an existing OUT's dtype names the fix; OUT unchanged", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "m.csv"), "1,2\n3,4\n");
  const opts = { ...ALL_PERMISSIONS, cwd: dir };
  assert.equal(cli(["from-csv", "m.csv", "m.npy"], opts).code, 0);
  assert.equal(cli(["from-csv", "m.csv", "n.npy"], opts).code, 0);
  for (
    const args of [
      ["from-csv", "--dtype", "i4", "m.csv", "m.npy"],
      ["concat", "--dtype", "i4", "m.npy", "n.npy"],
    ]
  ) {
    const r = cli(args, opts);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /Cannot append to "m\.npy": --dtype "<i4" does not match its dtype "<f8"; leave --dtype out to append in its dtype, or pass --overwrite to replace it/,
    );
  }
  assert.deepEqual(readNpySync(join(dir, "m.npy")).shape, [2, 2]);
});
