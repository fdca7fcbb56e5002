/**
 * A datetime whose ISO text does not fit the U/S item is refused as NumPy
 * 1.24's astype refuses it ("The string provided for NumPy ISO datetime
 * formatting was too short"), under casting "unsafe" too, the file left
 * as it was; it had been cut ("1970-" in <U5). Timedeltas are still cut,
 * as NumPy cuts them.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";
import { numpyTestOptions, runPython } from "./_numpy.ts";

test(
  "datetimes into too short U/S are refused, as NumPy refuses them",
  numpyTestOptions(),
  () => {
    const cases = [
      ["<M8[D]", "<U5"],
      ["<M8[D]", "|S9"],
      ["<M8[s]", "<U18"],
      ["<M8[D]", "<U2"],
    ] as const;
    const np = JSON.parse(runPython(
      `import sys, json, numpy as np
out = []
for f, t in json.loads(sys.argv[1]):
    try:
        np.array([0, np.datetime64("NaT")], f).astype(t); out.append("ok")
    except (ValueError, RuntimeError):
        out.append("refused")
print(json.dumps(out))`,
      [JSON.stringify(cases)],
    )) as string[];
    assert.deepEqual(np, ["refused", "refused", "refused", "refused"]);
    for (const [from, to] of cases) {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype: to, casting: "unsafe" });
      const before = file.bytes().slice();
      assert.throws(
        () =>
          w.append({
            dtype: from,
            shape: [2],
            data: new BigInt64Array([0n, -(2n ** 63n)]),
          }),
        (e: Error) =>
          e instanceof RangeError && /does not fit/.test(e.message) &&
          e.message.includes(to),
        `${from} -> ${to}`,
      );
      w.close();
      assert.equal(file.bytes().length, before.length);
    }
  },
);

test(
  "a datetime that fits and a timedelta cut are still written as NumPy",
  numpyTestOptions(),
  () => {
    for (const [from, to] of [["<M8[D]", "<U10"], ["<m8[s]", "<U3"]] as const) {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype: to, casting: "unsafe" });
      w.append({ dtype: from, shape: [1], data: new BigInt64Array([0n]) });
      w.close();
      const want = runPython(
        `import sys, io, numpy as np
b = io.BytesIO(); np.save(b, np.array([0], sys.argv[1]).astype(sys.argv[2])); print(b.getvalue().hex())`,
        [from, to],
      ).trim();
      assert.equal(Buffer.from(file.bytes()).toString("hex"), want);
    }
  },
);
