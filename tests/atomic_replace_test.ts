/**
 * `atomic: true` with `deleteIfExists: true` replaces a path's file as a
 * whole (SPEC section 10): appends go to a temporary file beside it
 * (`.<name>.<random>.tmp`, named by a `copy` change record) under the
 * path's lock; `close()` renames it over the file (mode kept, symlinks
 * followed), `abort()`, a failed stream or a kill leaves the file as it
 * was and the temporary file is removed (now, or by the next open or
 * recover), also on a full disk. Runs on Deno, Node (npm build) and Bun.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyLockedError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { killPoints } from "./_kill_at.ts";
import { tempDir } from "./_numpy.ts";
import { mountTmpfs, unmountTmpfs } from "./_tmpfs.ts";
import { scriptCommand } from "./_runtime.ts";
import { ramp } from "./_journal_files.ts";

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));
const REPLACE = { atomic: true, deleteIfExists: true } as const;

function made(path: string, values: Int32Array): string {
  const w = NpyAppendArraySync.open(path);
  w.append(values);
  w.close();
  return path;
}

/** Whether `path` holds exactly `ramp(n)`. */
function holdsRamp(path: string, n: number): boolean {
  const a = readNpySync(path);
  const want = ramp(n);
  const got = a.data as Int32Array;
  return a.dtype === "<i4" && a.shape.length === 1 && a.shape[0] === n &&
    got.length === n && got.every((v, i) => v === want[i]);
}

/** Names in `dir` other than `keep`. */
function others(dir: string, keep: string[]): string[] {
  return readdirSync(dir).filter((n) => !keep.includes(n)).sort();
}

describe("atomic with deleteIfExists replaces the file", () => {
  test("the old file is unchanged (and readable) until close(), then wholly new", () => {
    const dir = tempDir();
    try {
      const p = made(join(dir, "a.npy"), ramp(1000));
      const before = readFileSync(p);
      const w = NpyAppendArraySync.open(p, { ...REPLACE, dtype: "<f8" });
      w.append(new Float64Array([0.5, 1.5]));
      w.append([2.5]);
      assert.deepEqual(readFileSync(p), before);
      assert.ok(holdsRamp(p, 1000), "a reader sees the old file meanwhile");
      assert.equal(needsRecoverySync(p), false);
      const tmp = others(dir, ["a.npy", "a.npy.lock", "a.npy.journal"]);
      assert.equal(tmp.length, 1);
      assert.match(tmp[0]!, /^\.a\.npy\.[0-9a-f]{12}\.tmp$/);
      assert.ok(existsSync(join(dir, "a.npy.journal")));
      w.close();
      const a = readNpySync(p);
      assert.equal(a.dtype, "<f8");
      assert.deepEqual([...a.data as Float64Array], [0.5, 1.5, 2.5]);
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a missing file is created at close(), not before; abort() leaves none", () => {
    const dir = tempDir();
    try {
      const p = join(dir, "new.npy");
      const w = NpyAppendArraySync.open(p, REPLACE);
      w.append(ramp(10));
      assert.equal(existsSync(p), false);
      w.close();
      assert.ok(holdsRamp(p, 10));
      rmSync(p);
      const v = NpyAppendArraySync.open(p, REPLACE);
      v.append(ramp(10));
      v.abort();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("abort() leaves the old file byte for byte and removes the temporary file", () => {
    const dir = tempDir();
    try {
      const p = made(join(dir, "a.npy"), ramp(1000));
      const before = readFileSync(p);
      const w = NpyAppendArraySync.open(p, REPLACE);
      w.append(ramp(5000));
      w.abort();
      w.abort();
      assert.equal(w.closed, true);
      assert.deepEqual(readFileSync(p), before);
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a failed stream (a bad chunk) and an aborted stream leave the old file", async () => {
    const dir = tempDir();
    try {
      const p = made(join(dir, "a.npy"), ramp(1000));
      const before = readFileSync(p);
      const w = await NpyAppendArray.open(p, REPLACE);
      await assert.rejects(
        ReadableStream.from<unknown>([[1, 2], [[3, 4]]]).pipeTo(
          w.writable as WritableStream<unknown>,
        ),
        RangeError,
      );
      assert.equal(w.closed, true);
      assert.deepEqual(readFileSync(p), before);
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
      const v = await NpyAppendArray.open(p, REPLACE);
      const writer = v.writable.getWriter();
      await writer.write(ramp(7));
      await writer.abort(new Error("cancelled"));
      assert.deepEqual(readFileSync(p), before);
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a second writer, replacing or appending, gets NpyLockedError meanwhile", () => {
    const dir = tempDir();
    try {
      const p = made(join(dir, "a.npy"), ramp(1000));
      const w = NpyAppendArraySync.open(p, REPLACE);
      w.append(ramp(20));
      assert.throws(() => NpyAppendArraySync.open(p, REPLACE), NpyLockedError);
      assert.throws(() => NpyAppendArraySync.open(p), NpyLockedError);
      assert.throws(
        () => NpyAppendArraySync.open(p, { atomic: true }),
        NpyLockedError,
      );
      assert.ok(holdsRamp(p, 1000));
      w.close();
      assert.ok(holdsRamp(p, 20));
      assert.deepEqual(readdirSync(dir), ["a.npy"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("the file's mode (0600, 0640) is kept", () => {
    const dir = tempDir();
    try {
      for (const mode of [0o600, 0o640]) {
        const p = made(join(dir, "a.npy"), ramp(3));
        chmodSync(p, mode);
        const w = NpyAppendArraySync.open(p, REPLACE);
        w.append(ramp(5));
        w.close();
        assert.equal(statSync(p).mode & 0o777, mode);
        assert.ok(holdsRamp(p, 5));
        rmSync(p);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a symlinked path stays a link; its target is replaced", () => {
    const dir = tempDir();
    try {
      const real = made(join(dir, "real.npy"), ramp(3));
      chmodSync(real, 0o600);
      const link = join(dir, "link.npy");
      symlinkSync(real, link);
      const w = NpyAppendArraySync.open(link, REPLACE);
      w.append(ramp(8));
      w.close();
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.ok(holdsRamp(real, 8));
      assert.equal(statSync(real).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).sort(), ["link.npy", "real.npy"]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("deleteIfExists without atomic through a symlink (or a chain of them): the link stays, its target holds the new rows", async () => {
    const dir = tempDir();
    try {
      const real = made(join(dir, "real.npy"), ramp(3));
      const link = join(dir, "link.npy");
      symlinkSync(real, link);
      const chain = join(dir, "chain.npy");
      symlinkSync("link.npy", chain);
      const w = NpyAppendArraySync.open(link, { deleteIfExists: true });
      w.append(ramp(8));
      w.close();
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.ok(holdsRamp(real, 8));
      const a = await NpyAppendArray.open(chain, { deleteIfExists: true });
      await a.append(ramp(5));
      await a.close();
      assert.ok(lstatSync(chain).isSymbolicLink());
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.ok(holdsRamp(real, 5));
      assert.deepEqual(readdirSync(dir).sort(), [
        "chain.npy",
        "link.npy",
        "real.npy",
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("close() with nothing appended removes the file, as deleteIfExists without atomic does", () => {
    const dir = tempDir();
    try {
      const p = made(join(dir, "a.npy"), ramp(3));
      NpyAppendArraySync.open(p, REPLACE).close();
      assert.deepEqual(readdirSync(dir), []);
      const q = join(dir, "b.npy");
      NpyAppendArraySync.open(q, { deleteIfExists: true }).close();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("bad input appends nothing and the writer still replaces", () => {
    const dir = tempDir();
    try {
      const p = made(join(dir, "a.npy"), ramp(3));
      const w = NpyAppendArraySync.open(p, REPLACE);
      w.append(ramp(4));
      assert.throws(() => w.append([[1, 2]]), RangeError);
      w.close();
      assert.ok(holdsRamp(p, 4));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a leftover temporary file and record (a killed writer) are removed by the next open, recover, or replace", () => {
    const dir = tempDir();
    try {
      for (const next of ["open", "recover", "replace"] as const) {
        const p = made(join(dir, "a.npy"), ramp(3));
        // What a writer killed before close() leaves: its temporary file
        // and record (copied aside while it runs, put back after abort).
        const w = NpyAppendArraySync.open(p, REPLACE);
        w.append(ramp(50));
        const left = others(dir, ["a.npy", "a.npy.lock"]);
        assert.equal(left.length, 2);
        const saved = left.map((n) => [n, readFileSync(join(dir, n))] as const);
        w.abort();
        for (const [n, bytes] of saved) writeFileSync(join(dir, n), bytes);
        assert.ok(holdsRamp(p, 3));
        if (next === "open") NpyAppendArraySync.open(p).close();
        else if (next === "recover") recoverSync(p);
        else {
          const r = NpyAppendArraySync.open(p, REPLACE);
          r.append(ramp(3));
          r.close();
        }
        assert.ok(holdsRamp(p, 3), next);
        assert.deepEqual(readdirSync(dir), ["a.npy"], next);
        rmSync(p);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("kills with SIGKILL at every file call of a replacing writer", () => {
  test(
    "the file is old or wholly new after every kill (mode kept); the next open or recover removes the temporary file",
    { timeout: 600_000 },
    () => {
      const dir = tempDir();
      try {
        const states = { old: 0, whole: 0, leftover: 0 };
        for (const n of killPoints(1)) {
          const out = made(join(dir, "out.npy"), ramp(1000));
          chmodSync(out, 0o600);
          const r = spawnSync(
            CHILD[0],
            [...CHILD[1], "killat", String(n), "replace", out],
            { encoding: "utf8" },
          );
          const done = r.stdout.includes("exit 0");
          if (!done) {
            assert.equal(r.signal, "SIGKILL", `step ${n}: ${r.stderr}`);
          }
          // Readers see the old or the new file, never a mix.
          if (holdsRamp(out, 3000)) {
            states.whole++;
            assert.equal(statSync(out).mode & 0o777, 0o600, `step ${n}`);
          } else {
            assert.ok(holdsRamp(out, 1000), `step ${n}: neither old nor new`);
            assert.equal(done, false, "a finished run left the file old");
            states.old++;
          }
          if (others(dir, ["out.npy", "out.npy.lock"]).length > 0) {
            states.leftover++;
          }
          // The next writer's open and recover clean up in turn, by pairs
          // of points (each runtime runs every third point: each still
          // tries both).
          if ((n >> 1) % 2 === 0) NpyAppendArraySync.open(out).close();
          else recoverSync(out);
          assert.deepEqual(
            readdirSync(dir).filter((f) => f !== "out.npy.lock"),
            ["out.npy"],
            `step ${n}`,
          );
          rmSync(dir + "/out.npy");
          rmSync(dir + "/out.npy.lock", { force: true });
          if (done) break;
        }
        // Two of this runtime's points (a third of all, killPoints) each:
        // the old file and a leftover last 4 file calls or more.
        assert.ok(
          states.old >= 2 && states.whole > 0 && states.leftover >= 2,
          JSON.stringify(states),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("a replacing writer on a full disk (a 2 MiB tmpfs)", {
  ...(process.getuid?.() === 0 ? {} : { skip: "needs root to mount a tmpfs" }),
}, () => {
  test("an append that does not fit throws ENOSPC naming the file; abort() leaves the old file and no temporary", () => {
    const base = tempDir();
    const mnt = join(base, "mnt");
    mkdirSync(mnt);
    mountTmpfs(mnt);
    try {
      const p = made(join(mnt, "a.npy"), ramp(200_000)); // 800 kB of 2 MiB
      const before = readFileSync(p);
      const w = NpyAppendArraySync.open(p, REPLACE);
      w.append(ramp(100_000));
      assert.throws(() => w.append(ramp(300_000)), (e: Error) => {
        assert.equal((e as Error & { code?: string }).code, "ENOSPC");
        assert.ok(e.message.startsWith(`Cannot write "${p}": `), e.message);
        return true;
      });
      assert.deepEqual(readFileSync(p), before);
      w.abort();
      assert.deepEqual(readFileSync(p), before);
      assert.deepEqual(readdirSync(mnt), ["a.npy"]);
      // What fits still replaces.
      const v = NpyAppendArraySync.open(p, REPLACE);
      v.append(ramp(150_000));
      v.close();
      assert.ok(holdsRamp(p, 150_000));
      assert.deepEqual(readdirSync(mnt), ["a.npy"]);
    } finally {
      unmountTmpfs(mnt);
      rmSync(base, { recursive: true, force: true });
    }
  });
});
