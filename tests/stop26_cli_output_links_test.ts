/**
 * Stop 26 (h1): the command line writes an output through symbolic links
 * and keeps the old file's mode, as `np.savetxt`, `np.save` and a shell's
 * `>` do.
 *
 * - `to-csv IN link.csv`, the link naming `real.csv`: the CSV was renamed
 *   over the link, which became a regular file, and `real.csv` kept its
 *   old text. Now `real.csv` is replaced and the link stays.
 * - `to-csv IN private.csv` over a file of mode 640: the new file had the
 *   default mode (644), readable by everyone. Now it keeps 640.
 * - A link to a file not there yet (`to-csv`, `concat`, `from-csv`): the
 *   new file took the link's place; now it is made where the link points.
 * - A loop of links: "fix or remove that link", not the runtime's words.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

function source(dir: string): string {
  const p = join(dir, "in.npy");
  const w = NpyAppendArraySync.open(p, { dtype: "<i4" });
  w.append([1, 2, 3]);
  w.close();
  return p;
}

const isWindows = (globalThis as { process?: { platform?: string } }).process
  ?.platform === "win32";

test(
  "to-csv through a link replaces the file it names, keeping the link and the mode",
  {
    skip: isWindows ? "POSIX links and modes" : undefined,
  },
  () => {
    const dir = tempDir();
    const src = source(dir);
    const real = join(dir, "real.csv");
    writeFileSync(real, "old\n", { mode: 0o640 });
    const link = join(dir, "link.csv");
    symlinkSync("real.csv", link);
    const run = cli(["to-csv", src, link]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), "real.csv");
    assert.equal(readFileSync(real, "utf8"), "1\n2\n3\n");
    assert.equal(statSync(real).mode & 0o777, 0o640);
    // A plain file of mode 600 stays 600.
    const priv = join(dir, "private.csv");
    writeFileSync(priv, "x\n", { mode: 0o600 });
    const again = cli(["to-csv", src, priv]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(statSync(priv).mode & 0o777, 0o600);
    assert.equal(readFileSync(priv, "utf8"), "1\n2\n3\n");
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith(".tmp")),
      [],
    );
  },
);

test("a link to a file not there yet: the output is made where it points", {
  skip: isWindows ? "POSIX links" : undefined,
}, () => {
  const dir = tempDir();
  const src = source(dir);
  symlinkSync("made.csv", join(dir, "l.csv"));
  symlinkSync("made.npy", join(dir, "l.npy"));
  symlinkSync("fromcsv.npy", join(dir, "f.npy"));
  const runs = [
    cli(["to-csv", src, join(dir, "l.csv")]),
    cli(["concat", join(dir, "l.npy"), src]),
    cli(["concat", join(dir, "l.npy"), src]),
    cli(["from-csv", "--1d", "--dtype", "<i4", "-", join(dir, "f.npy")], {
      input: "4\n5\n",
    }),
  ];
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  for (const n of ["l.csv", "l.npy", "f.npy"]) {
    assert.ok(lstatSync(join(dir, n)).isSymbolicLink(), n);
  }
  assert.equal(readFileSync(join(dir, "made.csv"), "utf8"), "1\n2\n3\n");
  assert.deepEqual(
    Array.from(readNpySync(join(dir, "made.npy")).data as Int32Array),
    [1, 2, 3, 1, 2, 3],
  );
  assert.deepEqual(
    Array.from(readNpySync(join(dir, "fromcsv.npy")).data as Int32Array),
    [4, 5],
  );
});

test("a loop of links as OUT: named, with the fix", {
  skip: isWindows ? "POSIX links" : undefined,
}, () => {
  const dir = tempDir();
  const src = source(dir);
  symlinkSync("b.csv", join(dir, "a.csv"));
  symlinkSync("a.csv", join(dir, "b.csv"));
  const run = cli(["to-csv", src, join(dir, "a.csv")]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /a\.csv.*fix or remove that link/);
});
