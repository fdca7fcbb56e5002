/**
 * The change record appears whole: a child that SIGKILLs itself right
 * after each file call of an in-place rewrite or an atomic writer (see
 * `killat` in `tests/_journal_child.ts`) leaves no record or a whole one,
 * never a torn `.journal`; the next open settles it and leaves nothing
 * else behind (no record, no temporary, no lock).
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  needsRecoverySync,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { killPoints } from "./_kill_at.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

/** Many child processes: more than `bun test`'s 5 s default. */
const SLOW = { timeout: 300_000 };

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));

/** Runs `killat n what path`; whether the child got through. */
function killAt(n: number, what: string, path: string): boolean {
  const r = spawnSync(
    CHILD[0],
    [...CHILD[1], "killat", String(n), what, path],
    { encoding: "utf8" },
  );
  if (r.stdout.includes("exit 0")) return true;
  assert.equal(r.signal, "SIGKILL", r.stderr);
  return false;
}

/**
 * Kills `what` after each file call in turn (each runtime runs a third
 * of the points: `killPoints`); `check` after each.
 */
function everyCall(
  what: string,
  setup: (path: string) => void,
  check: (path: string) => void,
): number {
  const root = tempDir();
  for (const n of killPoints(1, 400)) {
    const sub = join(root, String(n));
    mkdirSync(sub);
    const path = join(sub, "x.npy");
    setup(path);
    const through = killAt(n, what, path);
    // No record or a whole one (a torn or void one would not count as
    // unsettled): an atomic commit is the record's removal, so a kill
    // right after it leaves nothing behind.
    assert.ok(
      !existsSync(`${path}.journal`) || needsRecoverySync(path),
      `a torn or void record after call ${n}`,
    );
    // The next open settles it and removes any temporary.
    try {
      NpyAppendArraySync.open(path).close();
    } catch (e) {
      // Settled back to the old file, which has no room to grow.
      assert.match(String(e), /no room to grow/);
    }
    assert.deepEqual(readdirSync(sub), ["x.npy"], `after call ${n}`);
    check(path);
    if (through) return n;
  }
  throw new Error(`${what} never got through`);
}

describe("the change record killed after each file call", () => {
  test("an in-place rewrite: old or whole new file, nothing left", SLOW, () => {
    const n = everyCall(
      "shift",
      (p) => writeFileSync(p, oldNpyBytes(ramp(1000))),
      (p) => assert.deepEqual(readNpySync(p).data, ramp(1000)),
    );
    assert.ok(n > 5);
  });

  test(
    "a rewrite by copy: the old file, or the new one with its record only right after the rename",
    SLOW,
    () => {
      const root = tempDir();
      const old = oldNpyBytes(ramp(1000));
      const recordLeft: number[] = [];
      let firstNew = 0;
      let lastNew = false;
      /** Kills the copy after call `n`; whether it got through. */
      const killed = (n: number): boolean => {
        const sub = join(root, String(n));
        mkdirSync(sub, { recursive: true });
        const path = join(sub, "x.npy");
        writeFileSync(path, old);
        const through = killAt(n, "copy", path);
        assert.deepEqual(readNpySync(path).data, ramp(1000), `call ${n}`);
        lastNew = readFileSync(path).length !== old.length;
        if (lastNew) {
          firstNew ||= n;
          // Renamed into place: the record named only the temporary and
          // goes at the next call, so only a kill right after the rename
          // leaves it (the lock of a killed process stays until the next
          // opener takes it).
          const left = readdirSync(sub).filter((f) => f !== "x.npy.lock")
            .sort();
          if (left.length > 1) {
            assert.deepEqual(left, ["x.npy", "x.npy.journal"], `call ${n}`);
            recordLeft.push(n);
          }
        }
        ensureAppendableSync(path);
        assert.deepEqual(readdirSync(sub), ["x.npy"], `after call ${n}`);
        return through;
      };
      for (const n of killPoints(1, 400)) {
        if (!killed(n)) continue;
        // Each runtime runs every third point (killPoints): where none of
        // this runtime's left the record, the rename was a call before the
        // first point that found the new file, a point the other runtimes
        // run; one of them must leave it. The count of calls before the
        // rename can move by a few between children (a child first removes
        // what killed lock takers left in /tmp, and in CI the other
        // runtimes' sweeps run at once), so the points before it are tried
        // down to two that find the old file.
        for (
          let m = firstNew - 1, olds = 0;
          recordLeft.length === 0 && m >= 1 && olds < 2;
          m--
        ) {
          killed(m);
          olds = lastNew ? 0 : olds + 1;
        }
        assert.equal(recordLeft.length, 1, `calls ${recordLeft}`);
        return;
      }
      throw new Error("the copy never got through");
    },
  );

  for (const what of ["atomic", "atomic-fsync"]) {
    test(
      `an ${what} writer: before or after the append, nothing left`,
      SLOW,
      () => {
        const n = everyCall(what, (p) => {
          const w = NpyAppendArraySync.open(p);
          w.append(ramp(1000));
          w.close();
        }, (p) => {
          const got = readNpySync(p).data as Int32Array;
          assert.ok(
            got.length === 1000 || got.length === 1010,
            `${got.length}`,
          );
          assert.deepEqual(got.subarray(0, 1000), ramp(1000));
        });
        assert.ok(n > 5);
      },
    );
  }

  test(
    "a CLI concat into an existing output: before, unfinished or whole, and whole leaves no record",
    SLOW,
    () => {
      const dir = tempDir();
      const input = join(dir, "in.npy");
      const w = NpyAppendArraySync.open(input);
      w.append(ramp(500, 1000));
      w.close();
      const whole = [...ramp(1000), ...ramp(500, 1000)];
      let unfinished = 0;
      for (const n of killPoints(1, 400)) {
        const sub = join(dir, String(n));
        mkdirSync(sub);
        const out = join(sub, "out.npy");
        const o = NpyAppendArraySync.open(out);
        o.append(ramp(1000));
        o.close();
        const args = ["concat", "--no-progress", out, input];
        const r = spawnSync(
          CHILD[0],
          [...CHILD[1], "cli", String(n), ...args],
          {
            encoding: "utf8",
          },
        );
        const done = r.stdout.includes("exit 0");
        if (!done) assert.equal(r.signal, "SIGKILL", r.stderr);
        if (needsRecoverySync(out)) {
          unfinished++;
          // Killed after close() wrote the header (the commit point, stop
          // 27): the run is whole, recover keeps it; no rerun.
          let words = "";
          try {
            readNpySync(out);
          } catch (e) {
            words = String(e);
          }
          if (/keeps the change/.test(words)) {
            recoverSync(out);
            assert.deepEqual([...readNpySync(out).data as Int32Array], whole);
            assert.ok(!existsSync(`${out}.journal`), `call ${n}: record left`);
            continue;
          }
        } else {
          // Before the change or after it: no record either way (a
          // record left after the commit made readers and the next run
          // look for a change that had ended).
          const got = readNpySync(out).data as Int32Array;
          assert.ok(got.length === 1000 || got.length === 1500, `call ${n}`);
          assert.ok(!existsSync(`${out}.journal`), `call ${n}: record left`);
          if (got.length === 1500) {
            assert.deepEqual([...got], whole, `call ${n}`);
            if (done) break;
            continue;
          }
        }
        assert.ok(!done, `call ${n}: exit 0 without the rows`);
        // The rerun appends the input once and leaves only the output.
        const again = spawnSync(
          CHILD[0],
          [...CHILD[1], "cli", "0", ...args],
          { encoding: "utf8" },
        );
        assert.match(again.stdout, /exit 0/, again.stderr);
        assert.deepEqual([...readNpySync(out).data as Int32Array], whole);
        assert.deepEqual(readdirSync(sub), ["out.npy"], `call ${n}`);
      }
      assert.ok(unfinished > 0, "no kill landed mid-change");
    },
  );

  test(
    "a CLI concat --overwrite: old or whole output, the rerun removes the killed run's temporary",
    SLOW,
    () => {
      const dir = tempDir();
      for (const [i, start] of [0, 500].entries()) {
        const w = NpyAppendArraySync.open(join(dir, `in${i}.npy`));
        w.append(ramp(500, start));
        w.close();
      }
      const out = join(dir, "out.npy");
      const args = [
        "concat",
        "--no-progress",
        "--overwrite",
        out,
        join(dir, "in0.npy"),
        join(dir, "in1.npy"),
      ];
      let temps = 0;
      for (const n of killPoints(1, 400)) {
        writeFileSync(out, oldNpyBytes(ramp(7)));
        const r = spawnSync(
          CHILD[0],
          [...CHILD[1], "cli", String(n), ...args],
          {
            encoding: "utf8",
          },
        );
        const done = r.stdout.includes("exit 0");
        if (!done) assert.equal(r.signal, "SIGKILL", r.stderr);
        const got = readNpySync(out).data as Int32Array;
        assert.ok(got.length === 7 || got.length === 1000, `call ${n}`);
        temps += readdirSync(dir).filter((f) => f.endsWith(".tmp")).length;
        if (done) break;
        // The rerun removes the killed run's temporary.
        const again = spawnSync(CHILD[0], [...CHILD[1], "cli", "0", ...args], {
          encoding: "utf8",
        });
        assert.match(again.stdout, /exit 0/, again.stderr);
        assert.deepEqual(readNpySync(out).data, ramp(1000));
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.includes("out.npy")),
          ["out.npy"],
          `call ${n}`,
        );
      }
      assert.ok(temps > 0, "no kill left a temporary");
    },
  );
});
