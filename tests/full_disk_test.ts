/**
 * A real full disk (SPEC section 10, issue 12 item 1): a 2 MiB tmpfs,
 * mounted here (root only; skipped otherwise, failing under `CI=true`) and
 * unmounted in `finally`. `ensureAppendable` by copy and in place, an
 * atomic writer, and the CLI's `concat` and `from-csv` into an existing
 * output, each running out of space part-way: the file is unchanged (or
 * wholly converted), no record or temporary file is left, and NumPy loads
 * the values. Runs on Deno, Node (npm build) and Bun.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  ensureAppendableSync,
  isAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";
import { fillDisk, mountTmpfs, unmountTmpfs } from "./_tmpfs.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";

const ROOT = process.getuid?.() === 0;
const CI = (process.env.CI ?? "") !== "";
const skip = ROOT && (hasNumpy() || CI)
  ? undefined
  : "needs root (to mount a tmpfs) and NumPy";
const OPTS = {
  timeout: 120_000,
  ...(skip !== undefined && !CI ? { skip } : {}),
};

function npCheckRamp(path: string, n: number): void {
  const out = runPython(
    `
import sys, numpy as np
a = np.load(sys.argv[1])
ok = a.shape == (int(sys.argv[2]),) and (a == np.arange(int(sys.argv[2])) * 3 + 1).all()
print("ok" if ok else "BAD")
`,
    [path, String(n)],
  );
  assert.equal(out.trim(), "ok");
}

describe("a 2 MiB tmpfs", OPTS, () => {
  const base = tempDir();
  const mnt = join(base, "mnt");
  let mounted = false;
  before(() => {
    if (!ROOT) throw new Error("Cannot mount a tmpfs: not root");
    mkdirSync(mnt);
    mountTmpfs(mnt);
    mounted = true;
  });
  after(() => {
    try {
      if (mounted) unmountTmpfs(mnt);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
  const clear = () => {
    for (const n of readdirSync(mnt)) rmSync(join(mnt, n), { force: true });
  };

  test("ensureAppendable by copy with no room for the copy: unchanged, no temporary file", () => {
    clear();
    const p = join(mnt, "big.npy");
    const bytes = oldNpyBytes(ramp(300_000)); // 1.2 MB of 2
    writeFileSync(p, bytes);
    assert.throws(
      () => ensureAppendableSync(p),
      /No space left|ENOSPC|os error 28/i,
    );
    assert.deepEqual(readFileSync(p), Buffer.from(bytes));
    assert.deepEqual(readdirSync(mnt), ["big.npy"]);
    // In place fits: the record's data slot shrinks to the space left.
    ensureAppendableSync(p, { inplace: true });
    assert.equal(isAppendableSync(p), true);
    assert.deepEqual(readdirSync(mnt), ["big.npy"]);
    npCheckRamp(p, 300_000);
  });

  for (
    const [name, n] of [["small", 2000], ["middle", 100_000], [
      "large",
      400_000,
    ]] as const
  ) {
    test(`ensureAppendable in place on a full disk (${name} file): fails before anything moves`, () => {
      clear();
      const p = join(mnt, "x.npy");
      const bytes = oldNpyBytes(ramp(n));
      writeFileSync(p, bytes);
      // Room for the lock file (one page), not for the moved data.
      fillDisk(mnt, 4096);
      assert.throws(
        () => ensureAppendableSync(p, { inplace: true }),
        /^Error: Cannot rewrite "\/\S+\/x\.npy" in place: .*; the file is unchanged/,
      );
      assert.deepEqual(readFileSync(p), Buffer.from(bytes));
      assert.deepEqual(readdirSync(mnt).sort(), ["filler", "x.npy"]);
      npCheckRamp(p, n);
    });
  }

  test("a disk too full for the lock file: refused naming the file, nothing changed", () => {
    clear();
    const p = join(mnt, "x.npy");
    const bytes = oldNpyBytes(ramp(1000));
    writeFileSync(p, bytes);
    fillDisk(mnt);
    for (
      const run of [
        () => ensureAppendableSync(p, { inplace: true }),
        () => ensureAppendableSync(p),
        () => recoverSync(p),
      ]
    ) {
      assert.throws(run, (e: Error & { code?: string }) => {
        assert.match(e.message, /x\.npy"?: .*(space|ENOSPC)/i);
        assert.equal(e.code, "ENOSPC");
        return true;
      });
      assert.deepEqual(readFileSync(p), Buffer.from(bytes));
      assert.deepEqual(readdirSync(mnt).sort(), ["filler", "x.npy"]);
    }
  });

  for (const batch of [10_000, 60_000, 200_000]) {
    test(`an atomic writer filling the disk (batches of ${batch}) is rolled back by abort()`, async () => {
      clear();
      const p = join(mnt, "a.npy");
      const w = NpyAppendArraySync.open(p);
      w.append(ramp(100_000));
      w.close();
      const before = readFileSync(p);
      const npy = await NpyAppendArray.open(p, { atomic: true });
      let at = 100_000;
      await assert.rejects(async () => {
        for (;;) {
          await npy.append(ramp(batch, at));
          at += batch;
        }
      }, /No space left|ENOSPC|os error 28/i);
      // Some appends succeeded before the disk was full: abort undoes them.
      assert.ok(at > 100_000);
      await npy.abort();
      assert.deepEqual(readFileSync(p), before);
      assert.deepEqual(readdirSync(mnt), ["a.npy"]);
      npCheckRamp(p, 100_000);
    });
  }

  // On Deno a file moves from Deno.FsFile to node:fs positioned calls
  // after 1024 scattered calls (_path_fs_deno.ts): 1100 appends run out of
  // space after the move, the others before it.
  for (const rows of [0, 300, 1100]) {
    test(`small appends filling the disk after ${rows} rows: the failed one undone, its error named like node:fs's`, () => {
      clear();
      const p = join(mnt, "a.npy");
      const row = (i: number) => ({
        data: new Float64Array([i, -i]),
        shape: [1, 2],
      });
      const w = NpyAppendArraySync.open(p);
      let i = 0;
      try {
        for (; i < rows; i++) w.append(row(i));
        fillDisk(mnt);
        let size = rows === 0 ? 0 : statSync(p).size;
        assert.throws(
          () => {
            for (;; i++) {
              w.append(row(i));
              size = statSync(p).size;
            }
          },
          (e: Error & { code?: string }) => {
            assert.match(
              e.message,
              /^Cannot write "\S+\/a\.npy": ENOSPC: no space left on device/,
            );
            // The fix too (stop 20).
            assert.match(e.message, /; free space .*then try again/);
            assert.equal(e.code, "ENOSPC");
            return true;
          },
        );
        assert.ok(i >= rows);
        // Undone: the size after the last append that returned.
        assert.equal(i === 0 ? 0 : statSync(p).size, size);
        rmSync(join(mnt, "filler"));
        w.append(row(i));
      } finally {
        w.close();
      }
      const out = runPython(
        `
import sys, numpy as np
a = np.load(sys.argv[1])
n = int(sys.argv[2])
ok = a.shape == (n, 2) and (a[:, 0] == np.arange(n)).all() and (a[:, 1] == -np.arange(n)).all()
print("ok" if ok else "BAD %r" % (a.shape,))
`,
        [p, String(i + 1)],
      );
      assert.equal(out.trim(), "ok");
    });
  }

  test("CLI concat into an existing output on a full disk: unchanged, rerun-safe", () => {
    clear();
    const out = join(mnt, "out.npy");
    const w = NpyAppendArraySync.open(out);
    w.append(ramp(1000));
    w.close();
    const before = readFileSync(out);
    const input = join(base, "in.npy");
    const i = NpyAppendArraySync.open(input);
    i.append(ramp(1_500_000, 1000)); // 6 MB: two batches fit, then ENOSPC
    i.close();
    const r = cli(["concat", "--no-progress", out, input], ALL_PERMISSIONS);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /No space left|ENOSPC|os error 28/i);
    assert.deepEqual(readFileSync(out), before);
    assert.deepEqual(readdirSync(mnt), ["out.npy"]);
    npCheckRamp(out, 1000);
  });

  for (const lines of [300_000, 600_000]) {
    test(`CLI from-csv of ${lines} lines into an existing output on a full disk: unchanged`, () => {
      clear();
      const out = join(mnt, "csv.npy");
      const w = NpyAppendArraySync.open(out, { dtype: "<f8" });
      w.append(new Float64Array([1, 2, 3]));
      w.close();
      const before = readFileSync(out);
      const csv = join(base, `in${lines}.csv`);
      writeFileSync(
        csv,
        Array.from({ length: lines }, (_, k) => `${k}.5`).join("\n") + "\n",
      );
      const r = cli(["from-csv", "--no-progress", csv, out], ALL_PERMISSIONS);
      assert.notEqual(r.code, 0, r.stdout);
      assert.deepEqual(readFileSync(out), before);
      assert.deepEqual(readdirSync(mnt), ["csv.npy"]);
      assert.deepEqual([...readNpySync(out).data as Float64Array], [1, 2, 3]);
    });
  }
});
