/**
 * Groups of stacks (`shardRows`/`shardBytes`): every member a Dask
 * npy-stack that `da.from_npy_stack` reads aligned; a bad append changes no
 * byte; recovery cuts members across sealed shards; `timeRange` equals
 * `np.searchsorted` on a stack member; `group.json` records the rotation.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverGroupSync,
} from "../mod.ts";
import { mulberry32 } from "./_fuzz.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** Every file under a folder (one level of member folders) and its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
      else {
        out.set(
          prefix + name,
          Buffer.from(readFileSync(p)).toString("base64"),
        );
      }
    }
  };
  walk(dir, "");
  return out;
}

function batch(start: number, n: number) {
  const x = new Float64Array(n * 3);
  const y = new BigInt64Array(n);
  const t = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    const i = start + r;
    x.set([i, 2 * i, 3 * i], r * 3);
    y[r] = BigInt(i);
    t[r] = BigInt(1_700_000_000_000 + i * 250);
  }
  return { x: { data: x, shape: [n, 3] }, y, t };
}

const members = { x: "<f8", y: "<i8", t: "<M8[ms]" };

/** The rows of each member stack (sealed and live). */
function lengths(dir: string): number[] {
  return ["x", "y", "t"].map((m) => {
    const some = ["info", "0.npy", "0.npy.part"].some((f) =>
      existsSync(join(dir, m, f))
    );
    if (!some) return 0;
    using r = NpyStackReader.openSync(join(dir, m));
    return r.length;
  });
}

function checkValues(dir: string, n: number): void {
  using reader = NpyGroupReader.openSync(dir);
  assert.equal(reader.length, n);
  const { x, y } = reader.readSync();
  for (let i = 0; i < n; i++) {
    assert.equal((x!.data as Float64Array)[3 * i + 2], 3 * i);
    assert.equal((y!.data as BigInt64Array)[i], BigInt(i));
  }
}

test(
  "a group of stacks is read by da.from_npy_stack, every member aligned",
  numpyTestOptions(),
  async () => {
    const dir = join(tempDir(), "g");
    const g = await NpyGroupWriter.open(dir, { members, shardRows: 10 });
    let n = 0;
    const next = mulberry32(5);
    while (n < 95) {
      const k = 1 + Math.floor(next() * 23);
      await g.append(batch(n, k));
      n += k;
    }
    await g.close();
    const info = JSON.parse(readFileSync(join(dir, "group.json"), "utf8"));
    assert.deepEqual(info.members[0], {
      name: "x",
      file: "x",
      dtype: "<f8",
      fortranOrder: false,
      axis: 0,
      stack: { shardRows: 10 },
    });
    const out = runPython(
      `
import sys, numpy as np, dask.array as da
d, n = sys.argv[1], int(sys.argv[2])
x, y, t = (da.from_npy_stack(d + "/" + m) for m in "xyt")
assert x.shape == (n, 3) and y.shape == (n,) and t.shape == (n,), (x.shape, y.shape, t.shape)
assert x.chunks[0][:-1] == (10,) * (len(x.chunks[0]) - 1), x.chunks
assert x.chunks[0] == y.chunks[0] == t.chunks[0]
i = np.arange(n)
assert (x.compute() == np.stack([i, 2 * i, 3 * i], 1)).all()
assert (y.compute() == i).all() and y.dtype == np.int64
assert (t.compute() == (1_700_000_000_000 + i * 250).astype("M8[ms]")).all()
print(len(x.chunks[0]))
`,
      [dir, String(n)],
    );
    assert.equal(Number(out), Math.ceil(n / 10));
    checkValues(dir, n);
  },
);

test("an existing group of stacks continues with the recorded rotation", () => {
  const dir = join(tempDir(), "g");
  NpyGroupWriterSync.open(dir, { members, shardRows: 4 }).close();
  {
    using g = NpyGroupWriterSync.open(dir);
    g.append(batch(0, 6));
  }
  {
    using g = NpyGroupWriterSync.open(dir, { shardRows: 4 });
    assert.equal(g.length, 6);
    g.append(batch(6, 9));
  }
  // Closing sealed the 2-row shard; the next one starts fresh.
  const x = readNpyStackSync(join(dir, "x"));
  assert.deepEqual(x.shape, [15, 3]);
  assert.ok(existsSync(join(dir, "x", "4.npy")));
  assert.throws(
    () => NpyGroupWriterSync.open(dir, { shardRows: 5 }),
    (e: unknown) =>
      e instanceof TypeError &&
      /member "x" is a stack with \{"shardRows":4\}, not \{"shardRows":5\}/
        .test(e.message),
  );
  const files = join(tempDir(), "files");
  NpyGroupWriterSync.open(files, { members }).close();
  assert.throws(
    () => NpyGroupWriterSync.open(files, { shardBytes: 100 }),
    /member "x" is one \.npy file, not a stack/,
  );
  for (const bad of [0, -1, 1.5, "4"]) {
    assert.throws(
      () =>
        NpyGroupWriterSync.open(join(tempDir(), "b"), {
          members,
          shardRows: bad as number,
        }),
      (e: unknown) =>
        e instanceof RangeError && /shardRows must be a positive integer/
          .test(e.message),
    );
  }
});

test("shardBytes: each member stack seals at its own size", () => {
  const dir = join(tempDir(), "g");
  {
    using g = NpyGroupWriterSync.open(dir, { members, shardBytes: 48 });
    for (let i = 0; i < 12; i++) g.append(batch(i, 1));
  }
  // x rows are 24 bytes (2 a shard), y and t rows 8 (6 a shard).
  assert.deepEqual(readNpyStackSync(join(dir, "x")).shape, [12, 3]);
  assert.ok(existsSync(join(dir, "x", "5.npy")));
  assert.ok(existsSync(join(dir, "y", "1.npy")));
  assert.ok(!existsSync(join(dir, "y", "2.npy")));
  checkValues(dir, 12);
});

test("a mismatched append to a group of stacks changes no byte", () => {
  const dir = join(tempDir(), "g");
  using g = NpyGroupWriterSync.open(dir, { members, shardRows: 4 });
  g.append(batch(0, 6));
  const before = snapshot(dir);
  const good = batch(6, 3);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...good, y: new BigInt64Array(2) }, /has 2 rows but "x" has 3/],
    [{ ...good, x: { data: new Float64Array(8), shape: [2, 4] } }, /shape/],
    [{ x: good.x, y: good.y }, /member "t" is missing/],
    [{ ...good, t: ["a", "b", "c"] }, /./],
  ];
  for (const [input, re] of cases) {
    assert.throws(() => g.append(input as never), re);
    assert.deepEqual(snapshot(dir), before);
  }
  assert.equal(g.length, 6);
  g.append(good);
  assert.equal(g.length, 9);
});

/**
 * Makes members hold more rows than the group acknowledged (as a kill in
 * the middle of a group append would): `extras` rows each, appended to the
 * member stacks directly, sealed, or written into a live shard `{n}.npy.part`.
 */
function runAhead(
  dir: string,
  start: number,
  extras: Record<string, number>,
  live: boolean,
): void {
  for (const [m, e] of Object.entries(extras)) {
    const b = batch(start, e)[m as "x"];
    const folder = join(dir, m);
    if (!live) {
      const w = NpyStackWriterSync.open(folder, { shardRows: 4 });
      w.append(b);
      w.close();
      continue;
    }
    let k = 0;
    while (existsSync(join(folder, `${k}.npy`))) k++;
    const w = NpyAppendArraySync.open(join(folder, `${k}.npy.part`), {
      dtype: members[m as "x"],
    });
    w.append(b);
    w.close();
  }
}

for (
  const [label, start, extras, live] of [
    ["inside the live shard", 6, { x: 3, y: 1, t: 1 }, true],
    ["inside a sealed shard", 6, { x: 9, y: 1, t: 1 }, false],
    ["to a shard boundary", 8, { x: 5 }, false],
    ["to no rows", 0, { x: 10, y: 3 }, false],
  ] as const
) {
  test(`recoverGroup cuts a stack member ${label}`, numpyTestOptions(), () => {
    const dir = join(tempDir(), "g");
    {
      using g = NpyGroupWriterSync.open(dir, { members, shardRows: 4 });
      if (start > 0) g.append(batch(0, start));
    }
    const ex = extras as Record<string, number>;
    runAhead(dir, start, ex, live);
    if (start === 0) {
      // As a kill inside the first append leaves it: every member's live
      // shard was written header-only before any data.
      mkdirSync(join(dir, "t"), { recursive: true });
      const t = NpyAppendArraySync.open(join(dir, "t", "0.npy.part"), {
        dtype: members.t,
      });
      t.append({ data: [], shape: [0] } as never);
      t.close();
    }
    const more = ["x", "y", "t"].map((m) => ex[m] ?? 0);
    assert.deepEqual(lengths(dir), more.map((e) => start + e));
    const n = start + Math.min(...more);
    assert.equal(recoverGroupSync(dir), n);
    assert.deepEqual(lengths(dir), [n, n, n]);
    checkValues(dir, n);
    // The group continues, and Dask agrees.
    {
      using g = NpyGroupWriterSync.open(dir);
      assert.equal(g.length, n);
      g.append(batch(n, 7));
    }
    const out = runPython(
      `
import sys, numpy as np, dask.array as da
d, n = sys.argv[1], int(sys.argv[2])
x, y, t = (da.from_npy_stack(d + "/" + m).compute() for m in "xyt")
assert len(x) == len(y) == len(t) == n, (len(x), len(y), len(t))
i = np.arange(n)
assert (x[:, 1] == 2 * i).all() and (y == i).all()
print(n)
`,
      [dir, String(n + 7)],
    );
    assert.equal(Number(out), n + 7);
  });
}

test("a cut killed after info was rewritten is finished by the next open", () => {
  const dir = join(tempDir(), "g");
  {
    using g = NpyGroupWriterSync.open(dir, { members, shardRows: 4 });
    g.append(batch(0, 5));
  }
  const info = readFileSync(join(dir, "x", "info"));
  runAhead(dir, 5, { x: 8 }, false);
  // As a kill right after the cut rewrote info: info lists x's first two
  // shards, but 2.npy and 3.npy are still there (the scan finds them).
  writeFileSync(join(dir, "x", "info"), info);
  using g = NpyGroupWriterSync.open(dir);
  assert.equal(g.length, 5);
  g.close();
  assert.deepEqual(lengths(dir), [5, 5, 5]);
  assert.ok(!existsSync(join(dir, "x", "2.npy")));
  checkValues(dir, 5);
});

test(
  "timeRange on a stack member equals np.searchsorted",
  numpyTestOptions(),
  () => {
    const dir = join(tempDir(), "g");
    const next = mulberry32(11);
    const n = 300;
    const t = new BigInt64Array(n);
    let now = 1_700_000_000_000n;
    for (let i = 0; i < n; i++) {
      now += BigInt(Math.floor(next() * 3)) * 1000n; // repeats included
      t[i] = now;
    }
    {
      using g = NpyGroupWriterSync.open(dir, {
        members: { t: "M8[ms]", v: "<f4" },
        shardRows: 32,
      });
      for (let i = 0; i < n; i += 25) {
        g.append({
          t: t.subarray(i, i + 25),
          v: new Float32Array(25).fill(i),
        });
      }
      // The last shard stays live: the search covers it too.
      g.append({ t: new BigInt64Array([now + 5000n]), v: [1] });
      using reader = NpyGroupReader.openSync(dir);
      const bounds: bigint[] = [];
      for (let k = 0; k < 40; k++) {
        bounds.push(
          1_700_000_000_000n - 2000n +
            BigInt(Math.floor(next() * Number(now - 1_699_999_990_000n))),
        );
      }
      bounds.push(t[0]!, t[100]!, now, now + 5000n, now + 9000n);
      const ours = bounds.map((b) => reader.timeRangeSync("t", b)[0]);
      const out = runPython(
        `
import sys, json, numpy as np, dask.array as da
d = sys.argv[1]
t = np.concatenate([np.load(d + "/t/%d.npy" % k) for k in range(len(da.from_npy_stack(d + "/t").chunks[0]))] + [np.load(d + "/t/%d.npy.part" % len(da.from_npy_stack(d + "/t").chunks[0]))])
q = np.array(json.loads(sys.stdin.read()), dtype="int64").astype("M8[ms]")
print(json.dumps(np.searchsorted(t, q, "left").tolist()))
`,
        [dir],
        new TextEncoder().encode(JSON.stringify(bounds.map(String))),
      );
      assert.deepEqual(ours, JSON.parse(out));
      assert.deepEqual(
        reader.timeRangeSync("t", new Date(Number(t[50]!)), undefined),
        [t.indexOf(t[50]!), n + 1],
      );
    }
  },
);

test("a Fortran-order stack member is cut along its last axis, also in shards with a C-order header", () => {
  const dir = join(tempDir(), "g");
  const f = (start: number, n: number) => ({
    data: Float64Array.from({ length: n }, (_, i) => start + i),
    shape: [1, n],
    fortranOrder: true,
  });
  {
    using g = NpyGroupWriterSync.open(dir, {
      members: { f: { dtype: "<f8", fortranOrder: true }, y: "<i8" },
      shardRows: 4,
    });
    g.append({ f: f(0, 6), y: batch(0, 6).y });
  }
  // Shards of shape (1, n) read the same in both orders: np.save writes
  // them with a C-order header, and so does the stack.
  const w = NpyStackWriterSync.open(join(dir, "f"), {
    shardRows: 4,
    fortranOrder: true,
  });
  w.append(f(6, 5));
  w.close();
  const y = NpyStackWriterSync.open(join(dir, "y"), { shardRows: 4 });
  y.append(batch(6, 1).y);
  y.close();
  assert.equal(recoverGroupSync(dir), 7);
  const got = readNpyStackSync(join(dir, "f"));
  assert.deepEqual(got.shape, [1, 7]);
  assert.deepEqual([...got.data as Float64Array], [0, 1, 2, 3, 4, 5, 6]);
  using g = NpyGroupWriterSync.open(dir);
  assert.equal(g.length, 7);
});

test("a reader follows a group of stacks as shards are sealed", () => {
  const dir = join(tempDir(), "g");
  using g = NpyGroupWriterSync.open(dir, { members, shardRows: 3 });
  using reader = NpyGroupReader.openSync(dir);
  assert.equal(reader.length, 0);
  let n = 0;
  for (const k of [1, 4, 2, 6, 1]) {
    g.append(batch(n, k));
    n += k;
    assert.equal(reader.refreshSync(), n);
    const { x, t } = reader.readSync(n - k - (n > k ? 1 : 0));
    const xs = x!.data as Float64Array;
    assert.equal(xs[xs.length - 1], 3 * (n - 1));
    assert.equal(
      (t!.data as BigInt64Array).at(-1),
      BigInt(1_700_000_000_000 + (n - 1) * 250),
    );
  }
  assert.ok(existsSync(join(dir, "x", "3.npy")));
});
