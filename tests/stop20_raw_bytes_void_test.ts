/**
 * A Uint8Array labelled with a numeric dtype appended to an unstructured
 * V file under "unsafe" is its bytes, as np.frombuffer(b, src).astype("V4")
 * keeps them; the stop's by-value conversion of labelled bytes had made it
 * a TypeError (it had worked before).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

test(
  "<i4, >i4 and <f4 bytes into |V4 are NumPy's astype('V4') bytes",
  numpyTestOptions(),
  () => {
    const raw = new Uint8Array([0x41, 0, 0, 0, 1, 2, 3, 4]);
    for (const src of ["<i4", ">i4", "<f4"]) {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, {
        dtype: "|V4",
        casting: "unsafe",
      });
      w.append({ dtype: src, shape: [2], data: raw.slice() });
      w.close();
      const want = runPython(
        `import sys, io, numpy as np
b = io.BytesIO(); np.save(b, np.frombuffer(bytes.fromhex(sys.argv[1]), sys.argv[2]).astype("V4")); print(b.getvalue().hex())`,
        [Buffer.from(raw).toString("hex"), src],
      ).trim();
      assert.equal(Buffer.from(file.bytes()).toString("hex"), want, src);
    }
  },
);
