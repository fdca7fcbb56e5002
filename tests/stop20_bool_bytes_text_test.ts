/**
 * A Uint8Array labelled |b1 appended to an S file is written as NumPy's
 * np.array(b, "?").astype("S5") writes it (b"False", b"True"), as it was
 * into a U file; it was taken for the S file's raw bytes and refused under
 * every casting, "unsafe" too.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

test(
  "|b1 bytes into |S5 and |S3 write NumPy's bytes",
  numpyTestOptions(),
  () => {
    for (const [to, casting] of [["|S5", "safe"], ["|S3", "unsafe"]] as const) {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype: to, casting });
      w.append({ dtype: "|b1", shape: [3], data: new Uint8Array([0, 1, 1]) });
      w.close();
      const want = runPython(
        `import sys, io, numpy as np
b = io.BytesIO(); np.save(b, np.array([False, True, True]).astype(sys.argv[1])); print(b.getvalue().hex())`,
        [to],
      ).trim();
      assert.equal(Buffer.from(file.bytes()).toString("hex"), want, to);
    }
  },
);

test("|b1 bytes into |S4 under 'safe' are refused as np.can_cast refuses", () => {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype: "|S4", casting: "safe" });
  assert.throws(
    () => w.append({ dtype: "|b1", shape: [1], data: new Uint8Array([1]) }),
    /cannot cast array data from "\|b1" to "\|S4" according to the rule "safe"/,
  );
  w.close();
});
