/**
 * Group writers: NumPy loads every member aligned; a bad append (of any
 * kind) changes no byte of any member; open, lock and recovery rules.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyLockedError,
  readNpySync,
  recoverGroup,
  recoverGroupSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** Every file of a folder and its bytes. */
function snapshot(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir).sort()) {
    out.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  return out;
}

function rows(start: number, n: number) {
  const x = new Float32Array(n * 3);
  const y = new BigInt64Array(n);
  const t = new BigInt64Array(n);
  const s: string[] = [];
  const rec: { a: number; b: number[] }[] = [];
  const f = new Float64Array(2 * n);
  for (let r = 0; r < n; r++) {
    const i = start + r;
    x.set([i, i + 0.5, i + 0.25], r * 3);
    y[r] = BigInt(i * 7);
    t[r] = 1_700_000_000_000_000_000n + BigInt(i * 1000);
    s.push(`r${i}`);
    rec.push({ a: i / 2, b: [i, -i] });
    // Fortran order: column r of a (2, n) array, column-major.
    f[2 * r] = i;
    f[2 * r + 1] = 10 * i;
  }
  return {
    x: { data: x, shape: [n, 3] },
    y,
    t: { data: t, shape: [n], dtype: "<M8[ns]" },
    s,
    rec: { data: rec, shape: [n] },
    f: { data: f, shape: [2, n], fortranOrder: true },
  };
}

const MEMBERS = {
  x: "<f4",
  y: "<i8",
  t: "<M8[ns]",
  s: "<U6",
  rec: "[('a', '<f4'), ('b', '<i2', (2,))]",
  f: { dtype: "<f8", fortranOrder: true },
};

test(
  "NumPy loads every member aligned, with mmap_mode r",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "set");
    const sizes = [1, 5, 0, 17, 3];
    let n = 0;
    {
      using group = NpyGroupWriterSync.open(dir, { members: MEMBERS });
      for (const k of sizes) {
        group.append(rows(n, k));
        n += k;
      }
      assert.equal(group.length, n);
    }
    // The async writer continues it.
    return (async () => {
      const group = await NpyGroupWriter.open(dir);
      const pending = [group.append(rows(n, 4)), group.append(rows(n + 4, 2))];
      await Promise.all(pending);
      n += 6;
      await group.close();
      const out = runPython(
        `
import json, sys
import numpy as np
d = sys.argv[1]
info = json.load(open(d + "/group.json"))
assert info["format"] == "npy-append-array group" and info["version"] == 1, info
m = {e["name"]: np.load(d + "/" + e["file"], mmap_mode="r") for e in info["members"]}
for e in info["members"]:
    a = m[e["name"]]
    assert isinstance(a, np.memmap), e
    assert e["axis"] == (-1 if e["fortranOrder"] else 0)
    assert a.flags.f_contiguous if e["fortranOrder"] and a.ndim > 1 else True
n = int(sys.argv[2])
i = np.arange(n)
assert m["x"].shape == (n, 3) and m["x"].dtype == np.float32
assert (m["x"] == np.stack([i, i + 0.5, i + 0.25], 1)).all()
assert (m["y"] == i * 7).all()
assert (m["t"] == np.datetime64(1_700_000_000_000_000_000, "ns") + i * 1000).all()
assert list(m["s"]) == ["r%d" % k for k in i]
assert (m["rec"]["a"] == i / 2).all() and (m["rec"]["b"] == np.stack([i, -i], 1)).all()
assert m["f"].shape == (2, n) and (m["f"] == np.stack([i, 10 * i])).all()
print(json.dumps({e["name"]: [e["dtype"], m[e["name"]].dtype.str] for e in info["members"]}))
`,
        [dir, String(n)],
      );
      const dtypes = JSON.parse(out) as Record<string, [string, string]>;
      assert.deepEqual(dtypes.x, ["<f4", "<f4"]);
      assert.deepEqual(dtypes.t, ["<M8[ns]", "<M8[ns]"]);
      assert.deepEqual(dtypes.s, ["<U6", "<U6"]);
      assert.equal(dtypes.rec![0], "[('a', '<f4'), ('b', '<i2', (2,))]");
    })();
  },
);

test("members without a dtype take it from the first append, and group.json records it", () => {
  const dir = join(tempDir(), "g");
  const group = NpyGroupWriterSync.open(dir, {
    members: { a: {}, b: { casting: "unsafe" } },
  });
  const before = JSON.parse(readFileSync(join(dir, "group.json"), "utf8"));
  assert.deepEqual(before.members.map((m: { dtype: null }) => m.dtype), [
    null,
    null,
  ]);
  group.append({ a: new Int16Array([1, 2]), b: [[1.5], [2.5]] });
  group.close();
  const info = JSON.parse(readFileSync(join(dir, "group.json"), "utf8"));
  assert.deepEqual(info, {
    format: "npy-append-array group",
    version: 1,
    members: [
      { name: "a", file: "a.npy", dtype: "<i2", fortranOrder: false, axis: 0 },
      { name: "b", file: "b.npy", dtype: "<f8", fortranOrder: false, axis: 0 },
    ],
  });
  // group.json written before the first append (a crash in between) is
  // completed by the next open.
  const text = readFileSync(join(dir, "group.json"), "utf8");
  writeFileSync(join(dir, "group.json"), text.replaceAll('"<f8"', "null"));
  NpyGroupWriterSync.open(dir).close();
  assert.equal(readFileSync(join(dir, "group.json"), "utf8"), text);
  const b = readNpySync(join(dir, "b.npy"));
  assert.deepEqual(b.shape, [2, 1]);
  assert.deepEqual([...b.data as Float64Array], [1.5, 2.5]);
  assert.deepEqual([...readNpySync(join(dir, "a.npy")).data as Int16Array], [
    1,
    2,
  ]);
});

/** A group holding 4 rows, and the bad appends to try on it. */
const BAD: Array<
  [string, Record<string, unknown> | unknown, typeof RangeError, RegExp]
> = [
  [
    "different row counts",
    { x: [[1, 2, 3]], y: [1, 2], t: [1n] },
    RangeError,
    /member "y" has 2 rows but "x" has 1; every member needs the same number of rows/,
  ],
  [
    "a missing member",
    { x: [[1, 2, 3]], y: [1] },
    RangeError,
    /member "t" is missing; pass one array per member, as \{ x, y, t \}/,
  ],
  [
    "an extra member",
    { x: [[1, 2, 3]], y: [1], t: [1n], z: [1] },
    RangeError,
    /it has no member "z"; its members are x, y, t/,
  ],
  [
    "a wrong row shape",
    { x: [[1, 2]], y: [1], t: [1n] },
    RangeError,
    /^Cannot append array of shape \(1, 2\) to member "x" of group ".*": its shape must be \(n, 3\), matching the member \(4, 3\) on every axis but axis 0$/,
  ],
  ["a wrong rank", { x: [1, 2, 3], y: [1], t: [1n] }, RangeError, /member "x"/],
  [
    "a forbidden cast",
    { x: [[1, 2, 3]], y: new Float64Array([1.5]), t: [1n] },
    TypeError,
    /cannot cast array data from "<f8" to "<i8" according to the rule "same_kind"/,
  ],
  [
    "a value out of range",
    { x: [[1, 2, 3]], y: [2 ** 70], t: [1n] },
    RangeError,
    /y\.npy/,
  ],
  [
    "a string into a number member",
    { x: [[1, 2, 3]], y: ["a"], t: [1n] },
    TypeError,
    /y\.npy/,
  ],
  [
    "not an object",
    [[1, 2, 3]],
    TypeError,
    /pass one array per member, as \{ x, y, t \}/,
  ],
  ["a 0-d input", { x: [[1, 2, 3]], y: 5, t: [1n] }, TypeError, /y\.npy/],
];

function groupOf4(dir: string): NpyGroupWriterSync {
  const group = NpyGroupWriterSync.open(dir, {
    members: { x: "<f4", y: "<i8", t: "<M8[s]" },
  });
  group.append({
    x: [[1, 2, 3], [4, 5, 6]],
    y: [1, 2],
    t: new BigInt64Array([1n, 2n]),
  });
  group.append({ x: [[7, 8, 9], [1, 1, 1]], y: [3, 4], t: [3n, 4n] });
  return group;
}

for (const [what, input, cls, message] of BAD) {
  test(`a bad append (${what}) changes no byte of any member`, async () => {
    const dir = join(tempDir(), "g");
    const group = groupOf4(dir);
    const before = snapshot(dir);
    assert.throws(
      () => group.append(input as Record<string, never>),
      (e: unknown) => {
        assert.ok(e instanceof cls, `${e}`);
        assert.match((e as Error).message, message);
        return true;
      },
    );
    assert.deepEqual(snapshot(dir), before);
    assert.equal(group.length, 4);
    // The group still works, and the async writer refuses the same way.
    group.append({ x: [[0, 0, 0]], y: [5], t: [5n] });
    group.close();
    const again = await NpyGroupWriter.open(dir);
    const mid = snapshot(dir);
    await assert.rejects(again.append(input as Record<string, never>), cls);
    assert.deepEqual(snapshot(dir), mid);
    await again.close();
    using reader = NpyGroupReader.openSync(dir);
    assert.equal(reader.length, 5);
    assert.deepEqual([...reader.readSync(4).y!.data as BigInt64Array], [5n]);
  });
}

test("a bad first append creates no member file", () => {
  const dir = join(tempDir(), "g");
  const group = NpyGroupWriterSync.open(dir, {
    members: { x: "<f4", y: "|u1", z: {} },
  });
  const before = snapshot(dir);
  // The members' lock files (held from open) are no member files.
  assert.deepEqual(
    [...before.keys()].filter((f) => !f.endsWith(".lock")),
    ["group.json"],
  );
  assert.throws(
    () => group.append({ x: [1, 2], y: [1, 300], z: ["a", "b"] }),
    RangeError,
  );
  assert.throws(() => group.append({ x: [1, 2], y: [1], z: [1] }), RangeError);
  assert.deepEqual(snapshot(dir), before);
  group.append({ x: [1, 2], y: [1, 255], z: ["a", "b"] });
  group.close();
  assert.deepEqual(readNpySync(join(dir, "z.npy")).data, ["a", "b"]);
});

test("open: new groups need members; names, shardRows and options are checked", () => {
  const root = tempDir();
  assert.throws(
    () => NpyGroupWriterSync.open(join(root, "a")),
    /it is new, so pass its members/,
  );
  assert.throws(
    () =>
      NpyGroupWriterSync.open(join(root, "b"), { members: { "../x": "<f4" } }),
    RangeError,
  );
  assert.throws(
    () =>
      NpyGroupWriterSync.open(join(root, "c"), {
        members: { x: "<f4" },
        shardRows: 0,
      }),
    /shardRows must be a positive integer, not 0/,
  );
  assert.throws(
    () => NpyGroupWriterSync.open(join(root, "d"), { members: { x: "nope" } }),
    TypeError,
  );
  assert.throws(
    () =>
      NpyGroupWriterSync.open(join(root, "e"), { members: { x: 5 as never } }),
    TypeError,
  );
  writeFileSync(join(root, "file"), "x");
  assert.throws(
    () =>
      NpyGroupWriterSync.open(join(root, "file"), { members: { x: "<f4" } }),
    /it is a regular file, not a folder/,
  );
  assert.throws(
    () => NpyGroupReader.openSync(join(root, "file")),
    TypeError, // a path of the wrong kind is misuse, as for stacks (stop 25)
  );
  // A member file that no group.json lists is neither adopted nor deleted.
  mkdirSync(join(root, "f"));
  writeFileSync(join(root, "f", "x.npy"), "mine");
  assert.throws(
    () => NpyGroupWriterSync.open(join(root, "f"), { members: { x: "<f4" } }),
    /already exists and no group.json lists it; if it is a group whose group.json was lost, recoverGroup\(.*\) rebuilds it/,
  );
  assert.equal(readFileSync(join(root, "f", "x.npy"), "utf8"), "mine");
  NpyGroupWriterSync.open(join(root, "f"), {
    members: { x: "<f4" },
    deleteIfExists: true,
  }).close();
  // A refused open leaves no lock behind.
  NpyGroupWriterSync.open(join(root, "c"), { members: { x: "<f4" } }).close();
});

test("open continues a group: same members, matching dtypes; deleteIfExists starts over", () => {
  const dir = join(tempDir(), "g");
  groupOf4(dir).close();
  assert.throws(
    () => NpyGroupWriterSync.open(dir, { members: { x: "<f4", y: "<i8" } }),
    // The fix for a stray file a rebuilt group.json took in is named; the
    // one that deletes rows says so.
    /it has members x, y, t, not x, y; .*move it out of the folder and off the list\), or use deleteIfExists to start over without any member's rows/,
  );
  assert.throws(
    () =>
      NpyGroupWriterSync.open(dir, {
        members: { x: "<f8", y: "<i8", t: "<M8[s]" },
      }),
    /member "x" has dtype "<f4", not "<f8"/,
  );
  const same = NpyGroupWriterSync.open(dir, {
    members: { x: "<f4", y: {}, t: {} },
  });
  assert.equal(same.length, 4);
  assert.deepEqual(same.shapes, { x: [4, 3], y: [4], t: [4] });
  same.close();
  const fresh = NpyGroupWriterSync.open(dir, {
    members: { a: "<i4" },
    deleteIfExists: true,
  });
  assert.equal(fresh.length, 0);
  fresh.append({ a: [1] });
  fresh.close();
  assert.deepEqual(readdirSync(dir).sort(), ["a.npy", "group.json"]);
});

test("one writer per group: a second writer, recoverGroup and a killed holder", async () => {
  const dir = join(tempDir(), "g");
  const group = groupOf4(dir);
  assert.throws(() => NpyGroupWriterSync.open(dir), NpyLockedError);
  await assert.rejects(NpyGroupWriter.open(dir), NpyLockedError);
  assert.throws(() => recoverGroupSync(dir), NpyLockedError);
  group.close();
  // A lock left by a process that is gone does not block.
  const gone = spawnSync(process.execPath, ["--version"]);
  assert.equal(gone.status, 0);
  writeFileSync(
    `${dir}.lock`,
    JSON.stringify({
      pid: gone.pid,
      start: null,
      host: hostname(),
      token: "x",
    }),
  );
  const next = NpyGroupWriterSync.open(dir);
  next.close();
  assert.equal(existsSync(`${dir}.lock`), false);
});

test("recoverGroup and the next open cut every member to the rows all hold", async () => {
  const dir = join(tempDir(), "g");
  groupOf4(dir).close();
  // x got one more row; t got half a row of data and no header.
  const x = NpyAppendArraySync.open(join(dir, "x.npy"));
  x.append([[9, 9, 9]]);
  x.close();
  const tPath = join(dir, "t.npy");
  writeFileSync(tPath, new Uint8Array(4), { flag: "a" });
  assert.equal(await recoverGroup(dir), 4);
  for (const m of ["x", "y", "t"]) {
    assert.equal(readNpySync(join(dir, `${m}.npy`)).shape[0], 4, m);
  }
  assert.equal(readFileSync(tPath).length, 128 + 4 * 8);
  // The next open does the same.
  const y = NpyAppendArraySync.open(join(dir, "y.npy"));
  y.append([5, 6]);
  y.close();
  const again = NpyGroupWriterSync.open(dir);
  assert.equal(again.length, 4);
  again.close();
  assert.equal(readNpySync(join(dir, "y.npy")).shape[0], 4);
  // A member file emptied after group.json recorded its dtype is lost,
  // not 0 rows: refused, no byte changed (tests/npy_group_missing_test.ts).
  const dir2 = join(tempDir(), "g");
  groupOf4(dir2).close();
  writeFileSync(join(dir2, "t.npy"), new Uint8Array(0));
  const before = snapshot(dir2);
  assert.throws(() => recoverGroupSync(dir2), /member "t" .* is missing/);
  assert.deepEqual(snapshot(dir2), before);
  assert.throws(() => recoverGroupSync(tempDir()), NpyFormatError);
});

test("async append reads its arrays at the call, as NpyAppendArray does: a buffer refilled before the promise settles writes the old rows", async () => {
  const dir = join(tempDir(), "g");
  const g = await NpyGroupWriter.open(dir, {
    members: { a: "<f8", b: "<i4" },
  });
  const a = new Float64Array([1, 2]);
  const b = [[10], [20]];
  // A reused typed buffer, a nested array changed in place, and a close
  // called before the appends were awaited.
  const first = g.append({ a, b });
  a.fill(99);
  b[0]![0] = -1;
  const second = g.append({ a, b: [[30], [40]] });
  a.fill(7);
  const closing = g.close();
  a.fill(5);
  await Promise.all([first, second, closing]);
  assert.equal(g.closed, true);
  const reader = await NpyGroupReader.open(dir);
  const rows = await reader.read(0);
  await reader.close();
  assert.deepEqual([...rows.a!.data as Float64Array], [1, 2, 99, 99]);
  assert.deepEqual([...rows.b!.data as Int32Array], [10, 20, 30, 40]);
});

test("async append and close of a group reject, never throw at the call; a failed append leaves the writer open", async () => {
  const dir = join(tempDir(), "g");
  const g = await NpyGroupWriter.open(dir, { members: { a: "<f8" } });
  let bad: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    bad = g.append({ b: new Float64Array([1]) } as never);
  });
  await assert.rejects(bad!, RangeError);
  assert.equal(g.closed, false);
  await g.append({ a: new Float64Array([3]) });
  await g.close();
  let late: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    late = g.append({ a: new Float64Array([4]) });
  });
  await assert.rejects(late!, /closed/);
  assert.deepEqual([...readNpySync(join(dir, "a.npy")).data as Float64Array], [
    3,
  ]);
});
