/**
 * Stop 21 (h4): a file counted as "several arrays" (`np.save` called more
 * than once) when the 8 bytes after its data were `"\x93NUMPY"` and a
 * version, whatever followed. A `|u1` (or `S`, `V`) file used as a log of
 * raw bytes, killed while appending the bytes of an `.npy` file, has just
 * that tail; `needsRecovery` said false and `recover`, `ensureAppendable`
 * and every append refused it as several arrays: the README's
 * `openForAppend` recipe could never open it again. A record whose header
 * the file's end cuts off is not a record: such a file needs recovery, and
 * `recover` keeps its whole rows (here every byte, `|u1`); readers still
 * read the rows the header covers, as `np.load` does. A second record
 * whose header is whole (a real `np.save` twice) is refused as before;
 * `readNpyRecords` still names a cut-off record.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  inspectNpySync,
  isAppendableSync,
  needsRecoverySync,
  NpyAppendArraySync,
  NpyFormatError,
  readNpyRecordsSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

test(
  "a tail that starts like a record but is cut inside its header needs recovery",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const inner = npSaveBytes("np.arange(6, dtype='<f8').reshape(3, 2)");
      // The header's length field, and cuts inside the header (10, 12 and
      // 100 bytes: magic and version, length field, part of the text).
      for (const cut of [8, 10, 12, 100]) {
        const p = join(dir, `log${cut}.npy`);
        {
          using w = NpyAppendArraySync.open(p, {
            dtype: "|u1",
            deleteIfExists: true,
          });
          w.append(new Uint8Array([1, 2, 3]));
        }
        // A killed append of an .npy file's bytes: data first, no header.
        appendFileSync(p, inner.subarray(0, cut));
        const before = readFileSync(p);
        assert.equal(inspectNpySync(p).needsRecovery, true, `cut ${cut}`);
        assert.equal(needsRecoverySync(p), true, `cut ${cut}`);
        // Readers read the rows the header covers, as np.load does.
        assert.deepEqual(Array.from(readNpySync(p).data as Uint8Array), [
          1,
          2,
          3,
        ]);
        assert.throws(
          () => NpyAppendArraySync.open(p),
          (e) => e instanceof NpyFormatError && e.code === "needs-recovery",
        );
        assert.deepEqual(readFileSync(p), before);
        // The README's openForAppend recipe.
        if (needsRecoverySync(p)) recoverSync(p);
        assert.equal(isAppendableSync(p), true);
        {
          using w = NpyAppendArraySync.open(p);
          w.append(new Uint8Array([9]));
        }
        const got = runPython(
          `import sys, numpy as np
print(np.load(sys.argv[1]).tolist())`,
          [p],
        ).trim();
        assert.equal(
          got,
          JSON.stringify([1, 2, 3, ...inner.subarray(0, cut), 9]).replaceAll(
            ",",
            ", ",
          ),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "a whole second record is several arrays; a cut one is named by readNpyRecords",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    try {
      const a = npSaveBytes("np.arange(6, dtype='<f8').reshape(3, 2)");
      const b = npSaveBytes("np.arange(4, dtype='<i2')");
      const two = join(dir, "two.npy");
      appendFileSync(two, a);
      appendFileSync(two, b.subarray(0, b.length - 3)); // data cut, header whole
      assert.equal(needsRecoverySync(two), false);
      for (
        const f of [() => recoverSync(two), () => NpyAppendArraySync.open(two)]
      ) {
        assert.throws(
          f,
          (e) => e instanceof NpyFormatError && e.code === "several-arrays",
        );
      }
      assert.throws(
        () => readNpyRecordsSync(two),
        (e) =>
          e instanceof NpyFormatError && e.code === "truncated" &&
          /record 2 \(at byte 176\) is cut off/.test(e.message),
      );
      for (const cut of [6, 8, 20]) {
        const p = join(dir, `cut${cut}.npy`);
        appendFileSync(p, a);
        appendFileSync(p, b.subarray(0, cut));
        assert.throws(
          () => readNpyRecordsSync(p),
          (e) =>
            e instanceof NpyFormatError && e.code === "truncated" &&
            /record 2 \(at byte 176\) is cut off, or its header.s length field is corrupt \(.*(too short|cut off|header needs)/
              .test(e.message),
          `cut ${cut}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
