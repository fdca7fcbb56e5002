/**
 * Stop 19 (h3): a full disk that stays full while the writer retries, then
 * frees. A group's undo of a failed append takes its members' lock files
 * again (a page each on tmpfs), so on a full disk it fails and is tried
 * again at the next append. That retry's failure was refused with a bare
 * `Error` ("an earlier write failed and could not be undone"): no `code`,
 * no cause. A caller that retries on `ENOSPC` (as one does on a full disk)
 * gave up, though the next append once the disk had room undid the failed
 * one and went on. Found with 6 writers (Deno, Node, Bun) racing on a
 * group of stacks on a tmpfs that filled and freed.
 *
 * Now every refusal of a writer whose undo failed (a file's, a stack's, a
 * group's) keeps the code of the failure (`ENOSPC`) and has it as its
 * cause. After each failure here: the code is `ENOSPC`; after space is
 * freed the appends go on; NumPy loads exactly the acknowledged rows.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  type FileLikeSync,
  MemoryFile,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
  recoverGroupSync,
} from "../mod.ts";
import { npSaveBytes, runPython, tempDir } from "./_numpy.ts";
import { fillDisk, fillInodes, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const OPTS = tmpfsTestOptions(300_000);

/** Wide enough that every append needs new pages. */
const W = 600;

function row(n: number) {
  return {
    a: { data: new Float64Array(W).fill(n), shape: [1, W] },
    b: new BigInt64Array([BigInt(n)]),
  };
}

/**
 * Runs `run` with every file removal (a lock released) or rename followed
 * at once by the disk filled again: another program takes the freed space before
 * this writer can use it, as on a shared disk.
 */
function withSpaceTaken<T>(mnt: string, run: () => T, inodes = false): T {
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  // A rename over a file frees the old one's space too.
  const owners: Array<[Record<string, unknown>, string]> = [
    [fs, "unlinkSync"],
    [fs, "renameSync"],
  ];
  if (deno !== undefined) {
    owners.push([deno, "removeSync"], [deno, "renameSync"]);
  }
  const saved = owners.map(([o, n]) => o[n]);
  for (const [owner, name] of owners) {
    const real = owner[name] as (...a: unknown[]) => unknown;
    owner[name] = function (this: unknown, ...a: unknown[]) {
      const r = real.apply(this, a);
      fillDisk(mnt);
      if (inodes) fillInodes(mnt);
      return r;
    };
  }
  try {
    return run();
  } finally {
    owners.forEach(([o, n], i) => (o[n] = saved[i]));
  }
}

for (const shardRows of [undefined, 3]) {
  const kind = shardRows === undefined ? "files" : "stacks";
  test(
    `a group of ${kind} on a disk full across several appends: every refusal is ENOSPC, then it goes on`,
    OPTS,
    withTmpfs("size=2m", (mnt) => {
      for (let pre = 0; pre < 8; pre++) {
        const dir = join(mnt, `g${pre}`);
        const g = NpyGroupWriterSync.open(dir, {
          members: { a: "<f8", b: "<i8" },
          ...(shardRows === undefined ? {} : { shardRows }),
        });
        let n = 0;
        for (let i = 0; i < pre; i++) g.append(row(n++));
        let failures = 0;
        // Closed whatever happens: an open file keeps the tmpfs busy.
        try {
          const filler = fillDisk(mnt);
          withSpaceTaken(mnt, () => {
            for (let i = 0; i < 6; i++) {
              try {
                g.append(row(n));
                n++;
              } catch (e) {
                failures++;
                assert.equal(
                  (e as { code?: string }).code,
                  "ENOSPC",
                  `pre ${pre}, try ${i}: ${(e as Error).message}`,
                );
              }
            }
          });
          assert.ok(failures > 0, `pre ${pre}: the disk never filled`);
          rmSync(filler);
          for (let i = 0; i < 4; i++) g.append(row(n++));
        } finally {
          try {
            g.close();
          } catch {
            // the failure above is the one reported
          }
        }
        const [a, b] = ["a", "b"].map((m) =>
          shardRows === undefined
            ? readNpySync(join(dir, `${m}.npy`))
            : readNpyStackSync(join(dir, m))
        );
        assert.deepEqual(a!.shape, [n, W], `pre ${pre}`);
        assert.deepEqual(
          Array.from(b!.data as BigInt64Array, Number),
          Array.from({ length: n }, (_, i) => i),
        );
        const py = runPython(
          `import numpy as np, glob, os, sys
d = sys.argv[1]
def load(m):
    if os.path.isdir(os.path.join(d, m)):
        ps = sorted(glob.glob(os.path.join(d, m, "*.npy")), key=lambda p: int(os.path.basename(p)[:-4]))
        return np.concatenate([np.load(p) for p in ps])
    return np.load(os.path.join(d, m + ".npy"))
a, b = load("a"), load("b")
assert (a[:, 0] == np.arange(len(a))).all() and (a[:, 1] == a[:, 0]).all()
assert (b == np.arange(len(b))).all()
print(len(a), len(b))`,
          [dir],
        );
        assert.equal(py.trim(), `${n} ${n}`, `pre ${pre}`);
      }
    }),
  );
}

/**
 * A file object over memory on a disk that refuses every write and cut
 * while `full` (a disk that stays full, or fails, through the undo).
 */
function stuckDisk(): {
  file: FileLikeSync;
  memory: MemoryFile;
  full: boolean;
} {
  const memory = new MemoryFile();
  const state = {
    file: undefined as unknown as FileLikeSync,
    memory,
    full: false,
  };
  const refuse = () => {
    if (!state.full) return;
    const e = new Error("ENOSPC: no space left on device, write");
    Object.assign(e, { code: "ENOSPC", errno: -28, syscall: "write" });
    throw e;
  };
  state.file = {
    readSync: (b, p) => memory.readSync(b, p),
    writeSync: (b, p) => {
      refuse();
      memory.writeSync(b, p);
    },
    sizeSync: () => memory.sizeSync(),
    truncateSync: (n) => {
      refuse();
      memory.truncateSync(n);
    },
    syncSync: () => {},
  };
  return state;
}

test("a file writer whose undo failed: the refusals keep ENOSPC, then it goes on", () => {
  const disk = stuckDisk();
  const w = NpyAppendArraySync.open(disk.file, { dtype: "<i4" });
  w.append(new Int32Array([1, 2]));
  disk.full = true;
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => w.append(new Int32Array([3])),
      (e: Error & { code?: string }) =>
        e.code === "ENOSPC" && (i === 0 || /undo/.test(e.message)),
    );
  }
  disk.full = false;
  w.append(new Int32Array([3, 4]));
  w.close();
  assert.deepEqual(
    disk.memory.bytes(),
    npSaveBytes("np.array([1, 2, 3, 4], dtype='<i4')"),
  );
});

/**
 * Runs `run` with every open of a live shard (`*.npy.part`) failing with
 * `EIO`, as on a disk that fails: a stack's undo of a failed append opens
 * its live shard to cut it.
 */
function withPartsFailing<T>(run: () => T): T {
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  const owners: Array<[Record<string, unknown>, string]> = [[fs, "openSync"]];
  if (deno !== undefined) owners.push([deno, "openSync"]);
  const saved = owners.map(([o, n]) => o[n]);
  for (const [owner, name] of owners) {
    const real = owner[name] as (...a: unknown[]) => unknown;
    owner[name] = function (this: unknown, ...a: unknown[]) {
      if (String(a[0]).endsWith(".npy.part")) {
        const e = new Error(`EIO: i/o error, open '${String(a[0])}'`);
        Object.assign(e, { code: "EIO", errno: -5, syscall: "open" });
        throw e;
      }
      return real.apply(this, a);
    };
  }
  try {
    return run();
  } finally {
    owners.forEach(([o, n], i) => (o[n] = saved[i]));
  }
}

test("a stack whose undo failed: its refusals keep the failure's code", () => {
  const dir = join(tempDir(), "s");
  const s = NpyStackWriterSync.open(dir, { shardRows: 2 });
  s.append(new Int32Array([0]));
  withPartsFailing(() => {
    // Crosses into shard 1, which cannot be made; the undo cannot cut
    // shard 0 back either.
    assert.throws(() => s.append(new Int32Array([1, 2])));
    assert.throws(
      () => s.append(new Int32Array([1])),
      (e: Error & { code?: string }) =>
        e.code === "EIO" && /could not be undone/.test(e.message),
    );
  });
  s.close();
});

/**
 * Stop 19 (h5): a group's undo of a failed append took its members' lock
 * files again (closed and reopened them): on a disk that stays full it
 * failed, leaving the rows of the members that took the append on disk
 * (data past their headers) and every later append refused until a retry
 * found room. Now it cuts the members under the locks and files they
 * hold: at once, with no space.
 */

/** Rows of two members as wide as each other: either one may fail. */
function wideRow(n: number) {
  const a = { data: new Float64Array(W).fill(n), shape: [1, W] };
  return { a, b: { ...a, data: new Float64Array(W).fill(-n) } };
}

/** The rows of one `.npy` file, checked to hold no byte past them. */
function exactRows(path: string): number {
  const bytes = readFileSync(path);
  const headerEnd = 10 + bytes[8]! + 256 * bytes[9]!;
  const rows = readNpySync(path).shape[0]!;
  assert.equal(bytes.length, headerEnd + rows * W * 8, `${path}: stray bytes`);
  return rows;
}

/** Rows of every member of the group in `dir` (files, or stacks' shards). */
function memberRows(dir: string, stacks: boolean): number[] {
  return ["a", "b"].map((m) =>
    stacks
      ? readdirSync(join(dir, m)).filter((f) => /^\d+\.npy(\.part)?$/.test(f))
        .reduce((sum, f) => sum + exactRows(join(dir, m, f)), 0)
      : exactRows(join(dir, `${m}.npy`))
  );
}

/** Checks with NumPy that the group in `dir` holds rows 0..n-1, aligned. */
function numpyHolds(dir: string, n: number): void {
  const py = runPython(
    `import numpy as np, glob, os, sys
d = sys.argv[1]
def load(m):
    if os.path.isdir(os.path.join(d, m)):
        ps = sorted(glob.glob(os.path.join(d, m, "*.npy")), key=lambda p: int(os.path.basename(p)[:-4]))
        return np.concatenate([np.load(p) for p in ps])
    return np.load(os.path.join(d, m + ".npy"))
a, b = load("a"), load("b")
assert (a == np.arange(len(a))[:, None]).all() and (b == -a).all()
print(len(a), len(b))`,
    [dir],
  );
  assert.equal(py.trim(), `${n} ${n}`);
}

for (const stacks of [false, true]) {
  for (const mount of ["size=2m", "size=2m,nr_inodes=64"]) {
    test(
      `a group of ${
        stacks ? "stacks" : "files"
      } (${mount}) undoes a failed append at once on a disk that stays full`,
      OPTS,
      withTmpfs(mount, (mnt) => {
        for (let leave = 0; leave < 6; leave++) {
          const dir = join(mnt, `u${leave}`);
          const g = NpyGroupWriterSync.open(dir, {
            members: { a: "<f8", b: "<f8" },
            ...(stacks ? { shardRows: 1000 } : {}),
          });
          let n = 0;
          let failures = 0;
          try {
            for (let i = 0; i < 2; i++) g.append(wideRow(n++));
            const filler = fillDisk(mnt, leave * 4096);
            // No inode either for a new file (a lock file).
            const inodes = /nr_inodes/.test(mount);
            const freeInodes = inodes ? fillInodes(mnt) : () => {};
            withSpaceTaken(mnt, () => {
              for (let i = 0; i < 6; i++) {
                try {
                  g.append(wideRow(n));
                  n++;
                } catch (e) {
                  failures++;
                  const err = e as Error & { code?: string };
                  assert.equal(err.code, "ENOSPC", err.message);
                  // Undone: no refusal for an undo still to do, and no
                  // member holds a byte of the failed append.
                  assert.doesNotMatch(err.message, /could not be undone/);
                  assert.deepEqual(memberRows(dir, stacks), [n, n]);
                }
              }
            }, inodes);
            assert.ok(failures > 0, `leave ${leave}: the disk never filled`);
            freeInodes();
            rmSync(filler);
            for (let i = 0; i < 3; i++) g.append(wideRow(n++));
          } finally {
            g.close();
          }
          numpyHolds(dir, n);
        }
      }),
    );
  }
}

/**
 * Rows per member that Dask's `from_npy_stack` sees in the group of stacks
 * in `dir` (the shards `info` lists), checked to be 0..n-1, aligned.
 */
function daskRows(dir: string): string {
  return runPython(
    `import numpy as np, os, pickle, sys
d = sys.argv[1]
def load(m):
    p = os.path.join(d, m)
    if not os.path.exists(os.path.join(p, "info")): return np.zeros((0, ${W}))
    with open(os.path.join(p, "info"), "rb") as f: info = pickle.load(f)
    n = len(info["chunks"][0])
    return np.concatenate([np.load(os.path.join(p, "%d.npy" % i)) for i in range(n)])
a, b = load("a"), load("b")
assert (a == np.arange(len(a))[:, None]).all() and (b[:len(a)] == -a[:len(b)]).all()
print(len(a), len(b))`,
    [dir],
  ).trim();
}

test(
  "a group of stacks closed on a full disk says what Dask cannot see yet (ENOSPC); recoverGroup, open and close finish it",
  OPTS,
  withTmpfs("size=2m", (mnt) => {
    let refused = 0;
    for (let leave = 0; leave < 8; leave++) {
      const dir = join(mnt, `c${leave}`);
      const g = NpyGroupWriterSync.open(dir, {
        members: { a: "<f8", b: "<f8" },
        shardRows: 2,
      });
      let n = 0;
      // A sealed shard, so that info lists one (rewritten, not removed).
      for (let i = 0; i < 3; i++) g.append(wideRow(n++));
      const filler = fillDisk(mnt, leave * 4096);
      let closed: unknown = null;
      withSpaceTaken(mnt, () => {
        // Each crosses a shard boundary: a member's info is rewritten,
        // and rewritten back (a new page) by the undo of a failure after.
        for (let i = 0; i < 4; i++) {
          try {
            g.append(wideRow(n));
            n++;
          } catch (e) {
            assert.equal((e as { code?: string }).code, "ENOSPC");
          }
        }
        try {
          g.close();
        } catch (e) {
          closed = e;
        }
      });
      if (closed !== null) {
        refused++;
        const e = closed as Error & { code?: string };
        assert.equal(e.code, "ENOSPC", e.message);
        assert.match(e.message, /\.npy\.part.*from_npy_stack.*close it/);
      } else {
        // Closed without error: Dask sees every acknowledged row.
        assert.equal(daskRows(dir), `${n} ${n}`, `leave ${leave}`);
      }
      rmSync(filler);
      recoverGroupSync(dir);
      NpyGroupWriterSync.open(dir).close();
      assert.equal(daskRows(dir), `${n} ${n}`, `leave ${leave}`);
    }
    assert.ok(refused > 0, "no close failed");
  }),
);

test("a group of stacks closed after an undo that failed (EIO) says so, keeping the code; recoverGroup finishes it", () => {
  const dir = join(tempDir(), "g");
  const g = NpyGroupWriterSync.open(dir, {
    members: { a: "<f8", b: "<f8" },
    shardRows: 2,
  });
  g.append(wideRow(0));
  withPartsFailing(() => {
    // Crosses into shard 1 of "a", which cannot be made; nor can its
    // undo cut shard 0 back.
    const two = (sign: number) => ({
      data: new Float64Array(2 * W).fill(sign).fill(2 * sign, W),
      shape: [2, W],
    });
    assert.throws(() => g.append({ a: two(1), b: two(-1) }));
    assert.throws(
      () => g.close(),
      (e: Error & { code?: string }) =>
        e.code === "EIO" &&
        /could not be undone.*\.npy\.part.*recoverGroup/.test(e.message),
    );
  });
  recoverGroupSync(dir);
  NpyGroupWriterSync.open(dir).close();
  assert.equal(daskRows(dir), "1 1");
});
