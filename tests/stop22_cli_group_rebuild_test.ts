/**
 * Stop 22 (h3): the CLI's `recover` rebuilds a group's lost `group.json`.
 *
 * `recoverGroup` writes `group.json` again from the member files (stop 21,
 * h8), and every refusal about a lost `group.json` named it, but the
 * CLI's `recover DIR` refused such a folder ("it holds no stack ... and no
 * group.json"), naming no way out. `recover --group DIR` now calls
 * `recoverGroupSync` (a folder without `group.json` is taken for a group
 * only when asked: a folder of one unrelated `.npy` stays refused without
 * the option), and the library's messages name the command line's call
 * beside `recoverGroup`.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { npLoadJsonMany, numpyTestOptions, tempDir } from "./_numpy.ts";
import {
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
} from "../mod.ts";
import { cli } from "./_cli_run.ts";

const withNumpy = numpyTestOptions();
const SLOW = { timeout: 120_000 };

/** A group `b` (`<i4`), `a` (`<f8`, 2 columns) of 3 rows, its group.json removed. */
function lostGroup(): string {
  const dir = join(tempDir(), "g");
  const w = NpyGroupWriterSync.open(dir, {
    members: { b: "<i4", a: "<f8" },
  });
  w.append({
    b: new Int32Array([3, 4, 5]),
    a: { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] },
  });
  w.close();
  rmSync(join(dir, "group.json"));
  return dir;
}

/** Every file of a folder and its bytes. */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir).sort().map((
      f,
    ) => [f, readFileSync(join(dir, f)).toString("hex")]),
  );
}

function rowsKept(dir: string): void {
  const [a, b] = npLoadJsonMany([join(dir, "a.npy"), join(dir, "b.npy")]);
  assert.deepEqual(a!.shape, [3, 2]);
  assert.deepEqual(a!.values, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(b!.shape, [3]);
  assert.deepEqual(b!.values, [3, 4, 5]);
}

describe(
  "stop 22 (h3): recover --group rebuilds a lost group.json",
  withNumpy,
  () => {
    test(
      "without --group refused naming it, nothing changed; with it rebuilt, every row kept",
      SLOW,
      () => {
        const dir = lostGroup();
        const before = snapshot(dir);
        const plain = cli(["recover", dir]);
        assert.equal(plain.code, 1, plain.stdout);
        assert.equal(
          plain.stderr,
          `npy-append-array: Cannot recover "${dir}": it holds no stack (no info, {n}.npy or {n}.npy.part) and no group.json; pass a .npy file, or a stack or group folder; if it is a group whose group.json was lost, "npy-append-array recover --group ${dir}" rebuilds it from the member files\n`,
        );
        assert.deepEqual(snapshot(dir), before);

        const r = cli(["recover", "--group", dir]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          r.stdout,
          `${dir}: group.json rebuilt from the member files ("a", "b"); group recovered, 3 rows in every member\n`,
        );
        assert.equal(r.stderr, "");
        assert.ok(existsSync(join(dir, "group.json")));
        rowsKept(dir);
        const g = NpyGroupReader.openSync(dir);
        assert.deepEqual(Object.keys(g.layout), ["a", "b"]);
        g.closeSync();
        // Again, with and without the option: the usual repair, nothing to cut.
        for (const args of [["recover", "--group", dir], ["recover", dir]]) {
          const again = cli(args);
          assert.equal(again.code, 0, again.stderr);
          assert.equal(
            again.stdout,
            `${dir}: group recovered, 3 rows in every member\n`,
          );
        }
        rowsKept(dir);
      },
    );

    test(
      "a member a row ahead and group.json lost: refused as recoverGroup refuses, nothing changed",
      SLOW,
      () => {
        const dir = lostGroup();
        const a = NpyAppendArraySync.open(join(dir, "a.npy"));
        a.append({ data: new Float64Array([7, 8]), shape: [1, 2] });
        a.close();
        const before = snapshot(dir);
        const r = cli(["recover", "--group", dir]);
        assert.equal(r.code, 1, r.stdout);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr.split("\n").length, 2, r.stderr);
        assert.match(
          r.stderr,
          /^npy-append-array: Cannot recover group .*: it has no group\.json, and its member files hold different rows: .*run "npy-append-array recover --group .*" again; .*nothing was changed\n$/,
        );
        assert.deepEqual(snapshot(dir), before);
      },
    );

    test(
      "a stack's folder with --group: refused, naming recover without --group",
      SLOW,
      () => {
        const dir = join(tempDir(), "s");
        mkdirSync(dir);
        const w = NpyAppendArraySync.open(join(dir, "0.npy"));
        w.append(new Float64Array([1, 2]));
        w.close();
        const before = snapshot(dir);
        const r = cli(["recover", "--group", dir]);
        assert.equal(r.code, 1, r.stdout);
        assert.ok(
          r.stderr.includes(
            // The command line's words only (stop 27: cliWords).
            `run "npy-append-array recover ${dir}", without --group;`,
          ),
          r.stderr,
        );
        assert.deepEqual(snapshot(dir), before);
      },
    );

    test("--group with a file is refused, nothing changed", SLOW, () => {
      const dir = lostGroup();
      const file = join(dir, "a.npy");
      const before = snapshot(dir);
      const r = cli(["recover", "--group", file]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(
        r.stderr,
        `npy-append-array: Cannot recover "${file}" with --group: it is not a folder; --group takes a group's folder, leave it out for a file\n`,
      );
      assert.deepEqual(snapshot(dir), before);
    });

    test(
      "group.json a folder: the message names the move and the command line; then rebuilt",
      SLOW,
      (t) => {
        if (process.platform === "win32") return t.skip("POSIX only");
        const dir = lostGroup();
        mkdirSync(join(dir, "group.json"));
        const r = cli(["recover", dir]);
        assert.equal(r.code, 1, r.stdout);
        assert.ok(
          r.stderr.includes(
            // The command line's words only (stop 27: cliWords).
            `move it out of the folder, then "npy-append-array recover --group ${dir}" rebuilds group.json from the member files`,
          ),
          r.stderr,
        );
        // The reader names it too.
        assert.throws(
          () => NpyGroupReader.openSync(dir),
          (e: Error) =>
            e.message.includes(`"npy-append-array recover --group ${dir}"`),
        );
        renameSync(join(dir, "group.json"), join(dir, "..", "moved"));
        const ok = cli(["recover", "--group", dir]);
        assert.equal(ok.code, 0, ok.stderr);
        rowsKept(dir);
      },
    );

    test(
      "a folder of one unrelated .npy: still refused without --group, nothing changed",
      SLOW,
      () => {
        const dir = join(tempDir(), "misc");
        mkdirSync(dir);
        const w = NpyAppendArraySync.open(join(dir, "data.npy"));
        w.append(new Float64Array([1, 2, 3]));
        w.close();
        const before = snapshot(dir);
        const r = cli(["recover", dir]);
        assert.equal(r.code, 1, r.stdout);
        assert.deepEqual(snapshot(dir), before);
      },
    );
  },
);
