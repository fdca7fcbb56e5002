/**
 * Stop 25 (h1): a plain JS `-0` written into a text dtype (`U`, `S`, a
 * text field of a record) is the float `-0.0`, as NumPy writes it
 * (`np.asarray([-0.0], "<U4")` gives `"-0.0"`): an integer has no
 * negative zero, so only a float makes one. It was written `"0"`, as the
 * integer 0 (`Number.isSafeInteger(-0)` is true).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { npLoadJson, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const VALUES = [-0, 0, 1, -1, 1.5, -0.5];
const PY_VALUES = "[-0.0, 0, 1, -1, 1.5, -0.5]";

test("plain -0 into U and S is NumPy's '-0.0'", numpyTestOptions(), () => {
  const dir = tempDir();
  for (const dtype of ["<U6", ">U6", "|S6"]) {
    for (const casting of ["same_kind", "unsafe"] as const) {
      const path = join(
        dir,
        `t${
          dtype.replace(/[<>|]/g, (c) => c === ">" ? "b" : "l")
        }${casting}.npy`,
      );
      const w = NpyAppendArraySync.open(path, { dtype, casting });
      w.append(VALUES);
      w.close();
      const want = JSON.parse(runPython(
        `import numpy as np, json; a = np.asarray(${PY_VALUES}, "${dtype}"); print(json.dumps([x.decode() if isinstance(x, bytes) else x for x in a.tolist()]))`,
      ));
      const got = npLoadJson(path).values!.map((v) =>
        Array.isArray(v)
          ? String.fromCharCode(...(v as number[]).filter((b) => b !== 0))
          : v
      );
      assert.deepEqual(got, want, `${dtype} ${casting}`);
      assert.equal(got[0], "-0.0");
    }
  }
});

test(
  "plain -0 into a text field of a record is '-0.0'",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const path = join(dir, "rec.npy");
    const dtype = "[('a', '<U5'), ('b', '|S5')]";
    const w = NpyAppendArraySync.open(path, { dtype });
    w.append([{ a: -0, b: -0 }, { a: 0, b: 0 }]);
    w.close();
    const out = runPython(
      `import numpy as np, json, sys; a = np.load(sys.argv[1]); print(json.dumps([[r[0], r[1].decode()] for r in a.tolist()]))`,
      [path],
    );
    assert.deepEqual(JSON.parse(out), [["-0.0", "-0.0"], ["0", "0"]]);
    assert.deepEqual(
      JSON.parse(runPython(
        `import numpy as np, json; a = np.array([(-0.0, -0.0), (0, 0)], dtype=${dtype}); print(json.dumps([[r[0], r[1].decode()] for r in a.tolist()]))`,
      )),
      [["-0.0", "-0.0"], ["0", "0"]],
    );
  },
);
