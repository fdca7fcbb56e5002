/**
 * Stop 21 (h1): a generic `M8` (datetime64 with no unit) holds no date but
 * NaT. NumPy refuses integers into it (`np.array([5], "M8")`: "Converting
 * an integer to a NumPy datetime requires a specified unit", and `int64`
 * to `M8` is not a `same_kind` cast); we wrote them as ticks of no unit,
 * which `np.load` reads as `numpy.datetime64(5)` of no meaning. Now they
 * are a `RangeError` below `"unsafe"` naming the file and the fix, and
 * nothing is written; NaT is taken, `"unsafe"` stores the ticks as
 * `astype("M8", casting="unsafe")` does, generic `m8` takes integers (as
 * NumPy), and a file's own rows (with its dtype) append back.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryFile, NpyAppendArraySync, readNpySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const NAT = -(2n ** 63n);

function ours(
  dtype: string,
  input: unknown,
  casting: "unsafe" | "same_kind" = "same_kind",
): number[] {
  const mem = new MemoryFile();
  const npy = NpyAppendArraySync.open(mem, { dtype, casting });
  npy.append(input as never);
  npy.close();
  return [...mem.bytes()];
}

function saved(expr: string): number[] {
  return JSON.parse(runPython(
    `import io, json, numpy as np
b = io.BytesIO(); np.save(b, ${expr}); print(json.dumps(list(b.getvalue())))`,
  ));
}

test(
  "integers into a generic M8 are refused, as NumPy",
  numpyTestOptions(),
  () => {
    assert.equal(
      runPython(`import numpy as np
for f in (lambda: np.array([5], "M8"), lambda: np.array([(5,)], [("t", "M8")]),
          lambda: np.array([5]).astype("M8", casting="same_kind")):
    try:
        f(); print("read")
    except (ValueError, TypeError):
        print("refused")`).trim(),
      "refused\nrefused\nrefused",
    );
    const cases: [string, unknown][] = [
      ["<M8", [5n]],
      ["<M8", [NAT, 5]],
      [">M8", new BigInt64Array([NAT, 5n])],
      ["<M8", { data: new BigInt64Array([7n]), shape: [1], dtype: "<i8" }],
      ["[('t', '<M8'), ('u', 'u1')]", [{ t: 5n, u: 1 }]],
      ["[('t', '<M8', (2,))]", [{ t: [NAT, 5n] }]],
    ];
    for (const [dtype, input] of cases) {
      const mem = new MemoryFile();
      const npy = NpyAppendArraySync.open(mem, { dtype });
      npy.append(
        (dtype.startsWith("[")
          ? [{ t: dtype.includes("(2,)") ? [NAT, NAT] : NAT, u: 0 }]
          : [NAT]) as never,
      );
      const before = [...mem.bytes()];
      assert.throws(
        () => npy.append(input as never),
        (e: Error) =>
          e instanceof RangeError && e.message.includes("the file object") &&
          e.message.includes("needs a unit") && e.message.includes("[s]"),
        `${dtype} ${String(input)}`,
      );
      npy.close();
      assert.deepEqual([...mem.bytes()], before, `${dtype}: nothing written`);
    }
  },
);

test(
  "NaT, unsafe ticks and generic m8 are as NumPy writes them",
  numpyTestOptions(),
  () => {
    assert.deepEqual(
      ours("<M8", [NAT, NAT]),
      saved(`np.array(["NaT", "NaT"], "M8")`),
    );
    assert.deepEqual(
      ours("<M8", new BigInt64Array([NAT])),
      saved(`np.array(["NaT"], "M8")`),
    );
    assert.deepEqual(
      ours("<M8", new BigInt64Array([5n, NAT]), "unsafe"),
      saved(`np.array([5, -2**63]).astype("M8", casting="unsafe")`),
    );
    assert.deepEqual(ours("<m8", [5n, -3]), saved(`np.array([5, -3], "<m8")`));
  },
);

test(
  "a NumPy-made generic M8 file takes its own rows back",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const src = join(dir, "g.npy");
    runPython(
      `import numpy as np, sys
np.save(sys.argv[1], np.array([5, -2**63, 7]).astype("M8", casting="unsafe"))
np.save(sys.argv[1][:-4] + "2.npy", np.array([5, -2**63, 7] * 2).astype("M8", casting="unsafe"))`,
      [src],
    );
    const out = join(dir, "o.npy");
    copyFileSync(src, out);
    const rows = readNpySync(src);
    const npy = NpyAppendArraySync.open(out);
    npy.append(rows);
    npy.close();
    assert.deepEqual(readFileSync(out), readFileSync(join(dir, "g2.npy")));
    writeFileSync(out, "");
  },
);
