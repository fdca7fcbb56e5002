/**
 * Stop 23 (h1): `uint8` values named `|u1` into an `S` file are numbers,
 * written as their text, as `np.concatenate` (and `astype`) writes them.
 *
 * Found before the fix (appending rows read from each of 25 NumPy-made
 * files to each other under `same_kind`, against `np.save` of
 * `np.concatenate`): rows of a `|u1` file (`readNpy` gives a `Uint8Array`
 * with `dtype: "|u1"`) appended to an `|S1` file were written as raw bytes
 * (1 became `b"\x01"`, NumPy writes `b"1"`), silently; into `|S3` they
 * were refused as "data has 3 bytes, shape (3) needs 9". A bare
 * `Uint8Array` (no `dtype`) into an `S` file stays the items' raw bytes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryFile, NpyAppendArraySync, readNpySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

test(
  "rows of a uint8 file into an S file are their text, as np.concatenate",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(
      `import sys
import numpy as np
d = sys.argv[1]
u = np.array([1, 0, 255, 7], "u1")
for n in (1, 3):
    s = np.array([b"a", b"bc"], f"S{n}")
    np.save(f"{d}/s{n}.npy", s)
    rows = u if n == 3 else u[:2]  # 255 is cut to b"2" in S1
    np.save(f"{d}/s{n}_u.npy", np.concatenate([s, rows]).astype(f"S{n}"))
np.save(f"{d}/u.npy", u)`,
      [dir],
    );
    const rows = readNpySync(join(dir, "u.npy"));
    assert.equal(rows.dtype, "|u1");
    // S3 takes every value's text.
    const s3 = join(dir, "s3_out.npy");
    copyFileSync(join(dir, "s3.npy"), s3);
    const w3 = NpyAppendArraySync.open(s3);
    w3.append(rows);
    w3.close();
    assert.deepEqual(readFileSync(s3), readFileSync(join(dir, "s3_u.npy")));
    // S1 takes 1 and 0; 255 does not fit (refused below "unsafe", as
    // for text longer than the item), nothing written.
    const s1 = join(dir, "s1_out.npy");
    copyFileSync(join(dir, "s1.npy"), s1);
    const w1 = NpyAppendArraySync.open(s1);
    w1.append({
      data: (rows.data as Uint8Array).subarray(0, 2),
      shape: [2],
      dtype: "|u1",
    });
    assert.throws(
      () => w1.append(rows),
      (e: Error) => e instanceof RangeError && e.message.includes("255"),
    );
    w1.close();
    assert.deepEqual(readFileSync(s1), readFileSync(join(dir, "s1_u.npy")));
    // A bare Uint8Array is the items' bytes, as before.
    const mem = new MemoryFile();
    const raw = NpyAppendArraySync.open(mem, { dtype: "|S2" });
    raw.append(new Uint8Array([104, 105, 1, 0]));
    raw.close();
    assert.equal(
      runPython(
        `import io, sys
import numpy as np
print(np.load(io.BytesIO(sys.stdin.buffer.read())).tolist())`,
        [],
        mem.bytes(),
      ).trim(),
      "[b'hi', b'\\x01']",
    );
  },
);
