/**
 * Stop 20 (h3): `to-csv IN OUT` with an OUT that is a device or a FIFO,
 * such as `/dev/full`. The text went to a temporary file beside OUT that
 * was renamed over it: as root, `to-csv a.npy /dev/full` exited 0 and left
 * a regular file holding the CSV where the device was (every later writer
 * of `/dev/full` then succeeded). An OUT that exists and is not a regular
 * file is now refused, naming it and the fix, before anything is written.
 * The devices here are private copies (`mknod` in a test folder: a char
 * device 1,7 is `/dev/full`), never the system's.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, NpyGroupWriterSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { tmpfsTestOptions } from "./_tmpfs.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";

// mknod needs root, as a tmpfs does.
const OPTS = tmpfsTestOptions(60_000);

function inputs(base: string): { file: string; group: string } {
  const file = join(base, "in.npy");
  const w = NpyAppendArraySync.open(file, { dtype: "<i4" });
  w.append(Int32Array.from({ length: 1000 }, (_, i) => i));
  w.close();
  const group = join(base, "g");
  const g = NpyGroupWriterSync.open(group, {
    members: { a: { dtype: "<i4" }, b: { dtype: "<f8" } },
  });
  g.append({ a: [1, 2], b: [0.5, 1.5] });
  g.close();
  return { file, group };
}

for (const kind of ["char device (a copy of /dev/full)", "FIFO"]) {
  for (const source of ["file", "group"] as const) {
    test(
      `to-csv of a ${source} into an OUT that is a ${kind}: refused naming it, the ${kind} left as it was`,
      OPTS,
      () => {
        const base = tempDir();
        const ins = inputs(base);
        const devs = join(base, "dev");
        mkdirSync(devs);
        const out = join(devs, "full");
        const made = kind === "FIFO"
          ? spawnSync("mkfifo", [out])
          : spawnSync("mknod", ["-m", "666", out, "c", "1", "7"]);
        assert.equal(made.status, 0, String(made.stderr));
        const r = cli(
          ["to-csv", "--no-progress", ins[source], out],
          ALL_PERMISSIONS,
        );
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`"${out}"`));
        assert.match(r.stderr, /not a regular file/);
        assert.match(r.stderr, /"-"/); // the fix: standard output
        const st = lstatSync(out);
        assert.ok(
          kind === "FIFO" ? st.isFIFO() : st.isCharacterDevice(),
          `${out} is no longer a ${kind}`,
        );
        assert.deepEqual(readdirSync(devs), ["full"]); // no temporary file
      },
    );
  }
}
