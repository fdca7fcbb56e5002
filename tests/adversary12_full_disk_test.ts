/**
 * Adversary round 12, full disks (a real tmpfs, root only): an in-place
 * `ensureAppendable` of a NumPy < 1.23 file whose header has no room to
 * grow and is too long for version 1.0 once it has: the rewrite turns it
 * into version 2.0 (as `np.save` would write it) and shifts the data.
 *
 * Found: on a full disk the refusal said what to free ("it needs 64 more
 * bytes, plus up to 4096 for its change record"), but the change record
 * holds the old and the new header too (130 KB here): freeing what it
 * said, the next try failed again. It now counts the whole record.
 *
 * Held (tried by hand, 0 to 160 KiB free): the copy and the in-place
 * rewrite failing leave the file as it was (version 1.0, np.load reads
 * it) and no temporary or record; through, it is version 2.0 and np.load
 * reads the same records.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { ensureAppendableSync, readNpySync } from "../mod.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";
import { fullVersion1 } from "./_full_version1.ts";

const OPTS = tmpfsTestOptions(120_000);

const MAX = { maxHeaderSize: 1 << 20 };

test(
  "adversary 12: an in-place ensureAppendable from version 1.0 to 2.0 on a full disk says how much space it needs, and gets through once that is freed",
  OPTS,
  withTmpfs("size=2m", (dir) => {
    const file = join(dir, "x.npy");
    const { bytes, fields } = fullVersion1();
    writeFileSync(file, bytes);
    // A page for the lock file.
    const filler = fillDisk(dir, 4096);
    let needs = 0;
    assert.throws(
      () => ensureAppendableSync(file, { ...MAX, inplace: true }),
      (e) => {
        const m =
          /it needs (\d+) more bytes, plus up to (\d+) for its change record/
            .exec((e as Error).message);
        assert.ok(m !== null, String(e));
        // Whole pages of the file's growth and of the record.
        const pages = (n: number) => Math.ceil(Number(n) / 4096) * 4096;
        needs = pages(Number(m[1])) + pages(Number(m[2]));
        return true;
      },
    );
    assert.deepEqual(readFileSync(file), Buffer.from(bytes));
    assert.deepEqual(readdirSync(dir).sort(), ["filler", "x.npy"]);
    truncateSync(filler, statSync(filler).size - needs);
    ensureAppendableSync(file, { ...MAX, inplace: true });
    assert.deepEqual(readdirSync(dir).sort(), ["filler", "x.npy"]);
    const after = readFileSync(file);
    assert.equal(after[6], 2, "version 2.0");
    const read = readNpySync(file, MAX);
    assert.deepEqual(read.shape, [3]);
    assert.deepEqual(
      after.subarray(after.length - 3 * fields),
      Buffer.from(bytes.subarray(bytes.length - 3 * fields)),
    );
  }),
);
