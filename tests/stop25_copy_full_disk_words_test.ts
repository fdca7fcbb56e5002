/**
 * Stop 25 (h2): `ensureAppendable` by copy on a disk without room for the
 * copy said only `Cannot write "/dir/.x.npy.5d14516720a8.tmp": ENOSPC ...`
 * (or named `x.npy.journal.new`): a temporary file the caller never
 * named, not the file it asked about, and no word of what would fit
 * (`inplace: true` needs only the header's growth), while the in-place
 * rewrite says what it needs. Now it says `Cannot rewrite "x.npy" by a
 * copy: ...; the file is unchanged (the copy needs N bytes beside it; or
 * pass inplace: true ...)`, keeping the code `ENOSPC`, sync and async; the
 * file stays byte for byte, no temporary file or record is left, and the
 * in-place rewrite it suggests then goes through.
 *
 * Real full disks (a tmpfs) on Deno, Node and Bun.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendable,
  ensureAppendableSync,
  isAppendableSync,
} from "../mod.ts";
import { npLoadJson } from "./_numpy.ts";
import { ALL_PERMISSIONS, cli } from "./_cli_run.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";
import { npyBytes } from "./_journal_files.ts";

const OPTS = tmpfsTestOptions(120_000);

/**
 * A NumPy < 1.23 style file of `n` int64 rows: its header (version 1.0,
 * 128 bytes) has 2 spaces to spare, no room for a longer shape.
 */
function oldFile(path: string, n: number): Uint8Array {
  const bytes = npyBytes(
    `{'descr': '<i8', 'fortran_order': False, 'shape': (${n}${
      ", 1".repeat(18)
    }), }`,
    new BigInt64Array(n).map((_, i) => BigInt(i)),
    64,
  );
  writeFileSync(path, bytes);
  return bytes;
}

const WORDS =
  /^Cannot rewrite "\/\S+\/x\.npy" by a copy: .*ENOSPC.*; the file is unchanged \(the copy needs 3200192 bytes beside it; or pass inplace: true, which needs only 64 more bytes/;

for (const leave of [1, 2, 8]) {
  for (const sync of [true, false]) {
    test(
      `stop 25: ensureAppendable by copy without room for the copy (${leave} free pages, ${
        sync ? "sync" : "async"
      }) names the file and the fix; unchanged; inplace: true then works`,
      OPTS,
      withTmpfs("size=4m", async (dir) => {
        const path = join(dir, "x.npy");
        const bytes = oldFile(path, 400_000);
        assert.equal(isAppendableSync(path), false);
        fillDisk(dir, leave * 4096);
        const check = (e: unknown) => {
          assert.equal((e as { code?: string }).code, "ENOSPC");
          assert.match((e as Error).message, WORDS);
          return true;
        };
        if (sync) assert.throws(() => ensureAppendableSync(path), check);
        else await assert.rejects(ensureAppendable(path), check);
        assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
        assert.deepEqual(readdirSync(dir).sort(), ["filler", "x.npy"]);
        if (leave >= 8) {
          ensureAppendableSync(path, { inplace: true });
          assert.equal(isAppendableSync(path), true);
          assert.deepEqual(readdirSync(dir).sort(), ["filler", "x.npy"]);
          assert.equal(npLoadJson(path).shape[0], 400_000);
        }
      }),
    );
  }
}

test(
  "stop 25: the CLI's ensure-appendable by copy on a full disk: one line naming the file and --inplace; unchanged",
  OPTS,
  withTmpfs("size=4m", (dir) => {
    const path = join(dir, "x.npy");
    const bytes = oldFile(path, 400_000);
    fillDisk(dir, 2 * 4096);
    const r = cli(["ensure-appendable", path], ALL_PERMISSIONS);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^npy-append-array: Cannot rewrite "\/\S+\/x\.npy" by a copy: .*; the file is unchanged \(the copy needs 3200192 bytes beside it; or pass --inplace, which needs only 64 more bytes, plus a change record\)\n$/,
    );
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
    assert.deepEqual(readdirSync(dir).sort(), ["filler", "x.npy"]);
  }),
);
