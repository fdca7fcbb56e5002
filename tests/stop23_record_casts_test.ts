/**
 * Stop 23 (h4): casts between record dtypes, as NumPy 1.24. `canCast`
 * refused records to records below "unsafe" unless the dtypes were the
 * same (and allowed any pair under "unsafe", such as records of another
 * field count, which NumPy never casts); the writers copied the bytes of
 * records of another dtype of the same size unchanged (another field
 * type's bits read as this one's) and refused other sizes even under
 * "unsafe". NumPy casts records to records field by field in order
 * (another name makes the cast at least "safe"), sub-arrays broadcast,
 * and a record of one field to and from other dtypes. Pairs of structured
 * dtypes generated in Python (names swapped or renamed, fields reordered,
 * dropped or added, nested records, sub-arrays, byte orders, fields
 * widened or narrowed, plain dtypes on one side) are checked against
 * `np.can_cast` at every level and against `astype`'s bytes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  canCast,
  type Casting,
  MemoryFile,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";
import { CASTING_MODES } from "../src/casting.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const GEN = `
import json, random, sys
import numpy as np
seed = int(sys.argv[1]); count = int(sys.argv[2])
import warnings; warnings.simplefilter("ignore")
rnd = random.Random(seed)
LEAF = ['<i4','>i4','<i8','<i2','|u1','|i1','<f4','<f8','>f8','<f2','|b1','<U3','<U8','|S3','|S8','<M8[s]','<M8[ms]','<m8[s]','<c8','<u4']
NAMES = ['a','b','c']
def rshape():
    return rnd.choice([(), (), (), (2,), (3,), (2,2)])
def rfield_type(depth):
    if depth < 2 and rnd.random() < 0.2:
        return rstruct(depth+1)
    return rnd.choice(LEAF)
def rstruct(depth=0):
    k = rnd.choice([1,1,2,2,3])
    names = rnd.sample(NAMES, k)
    return [[n, rfield_type(depth), rshape()] for n in names]
def mutate(s, depth=0):
    s = [list(f) for f in s]
    op = rnd.choice(['perm','rename','order','widen','drop','add','shape','nested','same','type'])
    if op == 'perm' and len(s) > 1:
        names = [f[0] for f in s]; rnd.shuffle(names)
        for f, n in zip(s, names): f[0] = n
    elif op == 'rename':
        f = rnd.choice(s); f[0] = rnd.choice([n for n in NAMES + ['d'] if n not in [g[0] for g in s]] or ['z'])
    elif op == 'order':
        for f in s:
            if isinstance(f[1], str) and f[1][0] in '<>' and rnd.random() < 0.7:
                f[1] = ('>' if f[1][0] == '<' else '<') + f[1][1:]
    elif op == 'widen':
        f = rnd.choice(s)
        if isinstance(f[1], str):
            f[1] = {'<i2':'<i4','<i4':'<i8','|i1':'<i2','|u1':'<u4','<u4':'<i8','<f2':'<f4','<f4':'<f8','<f8':'<f4','<i8':'<i4','<U3':'<U8','<U8':'<U3','|S3':'|S8','|S8':'<U8','<M8[s]':'<M8[ms]','<M8[ms]':'<M8[s]','|b1':'|u1','<c8':'<f4'}.get(f[1], rnd.choice(LEAF))
    elif op == 'drop' and len(s) > 1:
        s.pop(rnd.randrange(len(s)))
    elif op == 'add':
        n = [x for x in NAMES + ['d','e','f'] if x not in [g[0] for g in s]][0]
        s.append([n, rnd.choice(LEAF), ()])
    elif op == 'shape':
        f = rnd.choice(s); f[2] = rshape()
    elif op == 'nested':
        f = rnd.choice(s)
        if isinstance(f[1], list): f[1] = mutate(f[1], depth+1)
        else: f[1] = [[rnd.choice(NAMES), f[1], ()]]
    elif op == 'type':
        f = rnd.choice(s); f[1] = rnd.choice(LEAF)
    return s
def mk(s):
    if isinstance(s, str): return np.dtype(s)
    return np.dtype([(f[0], mk(f[1]), f[2]) if f[2] else (f[0], mk(f[1])) for f in s])
def fill(arr, dt):
    if dt.names:
        for n in dt.names: fill(arr[n], dt.fields[n][0])
        return
    if dt.subdtype:
        fill(arr, dt.subdtype[0]); return
    shape = arr.shape
    size = int(np.prod(shape)) if shape else 1
    k = dt.kind
    if k in 'iu': v = [rnd.randint(0, 100) for _ in range(size)]
    elif k == 'f': v = [rnd.randint(-40, 400) / 4 for _ in range(size)]
    elif k == 'c': v = [complex(rnd.randint(-8, 8) / 4, rnd.randint(-8, 8) / 4) for _ in range(size)]
    elif k == 'b': v = [rnd.random() < 0.5 for _ in range(size)]
    elif k in 'US': v = [str(rnd.randint(0, 99)) for _ in range(size)]
    elif k in 'Mm': v = [rnd.randint(0, 5000) for _ in range(size)]
    else: v = [0]*size
    a = np.array(v)
    if k in 'Mm': a = a.astype('i8').view(dt.newbyteorder('='))
    arr[...] = np.array(a, dtype=dt).reshape(shape)
def descr(dt):
    return str(np.lib.format.dtype_to_descr(dt))
MODES = ['no','equiv','safe','same_kind','unsafe']
out = []
plain = ['<i4','<f8','|V8','|V4','<U3','|b1']
while len(out) < count:
    a = rstruct()
    r = rnd.random()
    if r < 0.08: b = rnd.choice(plain)
    elif r < 0.12: a, b = rnd.choice(plain), a
    else:
        b = a
        for _ in range(rnd.choice([1,1,2])): b = mutate(b)
    try:
        da, db = mk(a), mk(b)
    except Exception:
        continue
    if da.itemsize == 0 or db.itemsize == 0: continue
    n = 3
    x = np.zeros(n, da)
    if da.names: fill(x, da)
    else:
        x = np.zeros(n, da)
    cast = [bool(np.can_cast(da, db, m)) for m in MODES]
    try:
        y = x.astype(db, casting='unsafe').tobytes().hex()
    except Exception as e:
        y = 'ERR ' + type(e).__name__ + ': ' + str(e)
    out.append({'from': descr(da), 'to': descr(db), 'cast': cast, 'data': x.tobytes().hex(), 'n': n, 'astype': y})
print(json.dumps(out))
`;

interface Pair {
  from: string;
  to: string;
  cast: boolean[];
  data: string;
  n: number;
  astype: string;
}

const hex = (b: Uint8Array) =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) =>
  new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);

function pairs(seed: number, count: number): Pair[] {
  return JSON.parse(runPython(GEN, [String(seed), String(count)]));
}

/** The data bytes of a file a writer made (version 1 header). */
function dataOf(file: MemoryFile): Uint8Array {
  const b = file.bytes();
  return b.subarray(10 + (b[8]! | (b[9]! << 8)));
}

function append(p: Pair, casting: Casting): string {
  const file = new MemoryFile();
  try {
    const w = NpyAppendArraySync.open(file, { dtype: p.to, casting });
    w.append({ data: unhex(p.data), shape: [p.n], dtype: p.from } as never);
    w.close();
  } catch (e) {
    return `ERR ${e}`;
  }
  return hex(dataOf(file));
}

/**
 * Refusals our library makes on purpose where NumPy's astype converts:
 * text too long for a field below "unsafe" (NumPy cuts it), text into
 * times (NumPy parses dates), void into anything but void.
 */
function knownRefusal(got: string, casting: Casting): boolean {
  return (casting !== "unsafe" && /RangeError.*does not fit/.test(got)) ||
    /needs Dates, bigints or integer numbers/.test(got) ||
    /unstructured void dtype/.test(got);
}

for (const seed of [1, 2, 3]) {
  test(
    `record casts agree with np.can_cast and astype (seed ${seed})`,
    numpyTestOptions(),
    () => {
      const diffs: string[] = [];
      for (const p of pairs(seed, 1200)) {
        const got = CASTING_MODES.map((m) => canCast(p.from, p.to, m));
        if (got.join() !== p.cast.join()) {
          diffs.push(
            `canCast ${p.from} -> ${p.to}: ours ${got}, numpy ${p.cast}`,
          );
        }
        const least = p.cast.indexOf(true);
        if (least < 0) {
          const out = append(p, "unsafe");
          if (!/^ERR TypeError.*give the data in dtype/.test(out)) {
            diffs.push(`${p.from} -> ${p.to} "unsafe": not refused: ${out}`);
          }
          continue;
        }
        for (const m of new Set([CASTING_MODES[least]!, "unsafe" as const])) {
          const out = append(p, m);
          const same = out === p.astype ||
            (out.startsWith("ERR") && p.astype.startsWith("ERR")) ||
            (out.startsWith("ERR") && knownRefusal(out, m));
          if (!same) {
            diffs.push(
              `${p.from} -> ${p.to} "${m}": ours ${out.slice(0, 160)}, numpy ${
                p.astype.slice(0, 160)
              }`,
            );
          }
        }
      }
      assert.deepEqual(diffs.slice(0, 20), []);
    },
  );
}

test(
  "records into records of other names go by position, as np.load reads them",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const path = join(dir, "h4_swap.npy");
      const from = [["b", "<i4"], ["a", "<f4"]] as const;
      const w = NpyAppendArraySync.open(path, {
        dtype: [["a", "<i8"], ["b", "<f8"]],
        casting: "safe",
      });
      const rows = new MemoryFile();
      const src = NpyAppendArraySync.open(rows, { dtype: from as never });
      src.append([{ b: 1, a: 0.5 }, { b: 2, a: 1.5 }] as never);
      src.close();
      // As raw bytes with their dtype, and as the records readNpy gives.
      w.append({ data: dataOf(rows), shape: [2], dtype: from } as never);
      w.append(readNpySync(rows) as never);
      w.close();
      const want = runPython(
        `import sys, numpy as np
x = np.array([(1, 0.5), (2, 1.5)], [('b', '<i4'), ('a', '<f4')])
y = x.astype([('a', '<i8'), ('b', '<f8')], casting='safe')
print(np.array_equal(np.load(sys.argv[1]), np.concatenate([y, y])))`,
        [path],
      );
      assert.equal(want.trim(), "True");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("a record cast NumPy refuses names the file and the fix", () => {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, {
    dtype: [["a", "<i4"], ["b", "<i4"]],
    casting: "unsafe",
  });
  assert.throws(
    () =>
      w.append({
        data: new Uint8Array(4),
        shape: [1],
        dtype: [["a", "<i4"]],
      } as never),
    (e: Error) =>
      e instanceof TypeError && /the file object/.test(e.message) &&
      /as many fields \(1 and 2 here\)/.test(e.message) &&
      /give the data in dtype "\[\('a', '<i4'\), \('b', '<i4'\)\]"/.test(
        e.message,
      ),
  );
  const narrow = NpyAppendArraySync.open(new MemoryFile(), {
    dtype: [["a", "<i4"]],
    casting: "safe",
  });
  assert.throws(
    () =>
      narrow.append({
        data: new Uint8Array(8),
        shape: [1],
        dtype: [["a", "<i8"]],
      } as never),
    /according to the rule "safe" \(pass casting "same_kind", or give the data in dtype/,
  );
  w.close();
  narrow.close();
  assert.equal(dataOf(file).length, 0);
});

test(
  "CLI concat casts records by position too, and names the --casting that allows it",
  { ...numpyTestOptions(), timeout: 120_000 },
  () => {
    const dir = tempDir();
    try {
      const out = join(dir, "h4_out.npy");
      const a = join(dir, "h4_a.npy");
      const c = join(dir, "h4_c.npy");
      runPython(
        `import sys, numpy as np
np.save(sys.argv[1], np.array([(1, 2.5)], [('a', '<i8'), ('b', '<f8')]))
np.save(sys.argv[2], np.array([(3, 4.5), (5, 6.5)], [('b', '<i4'), ('a', '<f4')]))`,
        [out, a],
      );
      runPython(
        `import sys, numpy as np
np.save(sys.argv[1], np.array([(3,)], [('b', '<i4')]))`,
        [c],
      );
      const no = cli(["concat", "--casting", "no", out, a]);
      assert.equal(no.code, 1, no.stderr);
      assert.match(
        no.stderr,
        /under casting "no" \(--casting safe allows it\)/,
      );
      const none = cli(["concat", out, c]);
      assert.equal(none.code, 1, none.stderr);
      assert.match(none.stderr, /no --casting allows it: .*\(1 and 2 here\)/);
      const r = cli(["concat", "--no-progress", "--casting", "safe", out, a]);
      assert.equal(r.code, 0, r.stderr);
      const got = runPython(
        `import sys, numpy as np
x = np.array([(3, 4.5), (5, 6.5)], [('b', '<i4'), ('a', '<f4')])
want = np.concatenate([np.array([(1, 2.5)], [('a', '<i8'), ('b', '<f8')]), x.astype([('a', '<i8'), ('b', '<f8')])])
print(np.array_equal(np.load(sys.argv[1]), want))`,
        [out],
      );
      assert.equal(got.trim(), "True");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
