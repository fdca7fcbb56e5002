/**
 * Stop 21 (h1): a field title `np.save` writes as a float's, a complex's or
 * bytes' repr (`np.dtype([((1.5, 'a'), '<i4')])` gives the header
 * `[((1.5, 'a'), '<i4')]`, which `np.load` reads). Such titles stay
 * unsupported (as int and tuple titles, DECISIONS round 5), but the
 * refusal said "np.save never writes such a header: if np.load reads the
 * file, save it again with np.save", which is false and whose fix writes
 * the same header again. It now names the title and the fix (string
 * titles or none).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyFormatError, readNpySync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

test(
  "non-string titles np.save writes are refused naming the title",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const titles = ["1.5", "b'tt'", "1j", "1e20", "-2.5", "(1.5, 2)"];
    const paths = titles.map((_, i) => join(dir, `t${i}.npy`));
    const loads = runPython(
      `import json, sys
import numpy as np
out = []
for t, p in zip(json.loads(sys.argv[1]), sys.argv[2:]):
    np.save(p, np.zeros(2, np.dtype([((eval(t), 'a'), '<i4'), ('b', 'u1')])))
    np.load(p)
    out.append("read")
print(" ".join(out))`,
      [JSON.stringify(titles), ...paths],
    ).trim();
    assert.equal(loads, titles.map(() => "read").join(" "));
    for (const [i, path] of paths.entries()) {
      assert.throws(
        () => readNpySync(path),
        (e: Error) =>
          e instanceof NpyFormatError && e.message.includes(path) &&
          e.message.includes("title") && e.message.includes("string titles") &&
          !e.message.includes("never writes"),
        titles[i],
      );
    }
  },
);
