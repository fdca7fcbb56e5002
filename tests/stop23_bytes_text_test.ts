/**
 * Stop 23 (h1): `S` items named by their dtype into a `U` file are their
 * ASCII text, as `np.concatenate` of a `U` and an `S` array (and
 * `astype`) decodes them.
 *
 * Found before the fix (the rows of 25 NumPy-made files appended to each
 * other under `same_kind`): rows of an `S` file (`readNpy` gives one
 * `Uint8Array` per item, with `dtype: "|S3"`) appended to a `U` file were
 * refused ("needs strings"), where `np.can_cast("S3", "U3", "same_kind")`
 * holds and NumPy writes the text. A byte past ASCII is refused, as NumPy
 * refuses it (`UnicodeDecodeError`), naming the byte; text longer than
 * the item is refused below `"unsafe"` as strings are (NumPy cuts it).
 * A bare `Uint8Array` item (no `dtype`) into `U` stays refused.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

test(
  "rows of an S file into a U file are their text, as np.concatenate",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(
      `import sys
import numpy as np
d = sys.argv[1]
s = np.array([b"ab", b"a\\x00b", b"", b"xyz"], "S3")
np.save(f"{d}/s.npy", s)
np.save(f"{d}/hi.npy", np.array([b"a\\xe9"], "S2"))
for t in ("<U3", ">U5"):
    u = np.array(["q", "r"], t)
    np.save(f"{d}/{t[0]}.npy", u)
    c = np.concatenate([u, s]).astype(t)
    assert c.tolist() == ["q", "r", "ab", "a\\x00b", "", "xyz"]
    np.save(f"{d}/{t[0]}_s.npy", c)`,
      [dir],
    );
    const rows = readNpySync(join(dir, "s.npy"));
    assert.equal(rows.dtype, "|S3");
    for (const t of ["<", ">"]) {
      const out = join(dir, `${t}_out.npy`);
      copyFileSync(join(dir, `${t}.npy`), out);
      const w = NpyAppendArraySync.open(out);
      w.append(rows);
      const before = readFileSync(out);
      // A byte past ASCII: refused naming it, nothing written.
      assert.throws(
        () => w.append(readNpySync(join(dir, "hi.npy"))),
        (e: Error) =>
          e instanceof RangeError && e.message.includes("0xe9") &&
          e.message.includes(out),
      );
      // A bare Uint8Array item has no text.
      assert.throws(
        () => w.append({ data: [new Uint8Array([104])], shape: [1] }),
        (e: Error) => e instanceof TypeError && /needs strings/.test(e.message),
      );
      w.close();
      assert.deepEqual(readFileSync(out), before);
      assert.deepEqual(
        readFileSync(out),
        readFileSync(join(dir, `${t}_s.npy`)),
      );
    }
  },
);
