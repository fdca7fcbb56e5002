/**
 * Stop 24 (h5): one mechanism says what allows a refused cast, for the
 * writers' messages and the CLI's `concat` (public `castRefusal`, the
 * CLI standing on the public API). Before, each spelled the records rule
 * itself, from the top-level field counts only: records whose counts
 * agree but whose nested fields NumPy cannot cast were refused with
 * "both need as many fields (1 and 1 here)", and a record of several
 * fields into a plain dtype with no reason at all.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  canCast,
  castRefusal,
  MemoryFile,
  NpyAppendArraySync,
  parseDType,
} from "../mod.ts";
import { CASTING_MODES } from "../src/casting.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

const NESTED = [["a", [["x", "<i4"], ["y", "<i4"]]]];
const FLAT = [["a", "<i4"]];

test("castRefusal: nothing where canCast allows, else the least mode or the rule", () => {
  assert.equal(castRefusal("<f4", "<f8", "safe"), undefined);
  assert.deepEqual(castRefusal("<f8", "<i2", "safe"), { least: "unsafe" });
  assert.deepEqual(castRefusal("<f8", "<f4", "no"), { least: "same_kind" });
  for (const from of ["<f8", "<U3", "|S2", "<M8[s]", "|V4"]) {
    for (const to of ["<i4", "<m8[s]", "|b1", "|V8"]) {
      for (const mode of CASTING_MODES) {
        const r = castRefusal(from, to, mode);
        if (canCast(from, to, mode)) assert.equal(r, undefined);
        else {
          assert.ok(r?.least !== undefined, `${from} ${to} ${mode}`);
          assert.equal(canCast(from, to, r.least), true);
        }
      }
    }
  }
  assert.deepEqual(
    castRefusal([["a", "<i4"], ["b", "<i4"]], FLAT as never, "unsafe"),
    {
      why:
        "NumPy casts records to records field by field in order, so both need as many fields (2 and 1 here)",
    },
  );
  const nested = castRefusal(
    parseDType(NESTED as never),
    parseDType(FLAT as never),
    "unsafe",
  );
  assert.deepEqual(nested, {
    why:
      'field 0 ("a" into "a"): NumPy casts a record of 2 fields into records only, not into "<i4"',
  });
  assert.deepEqual(castRefusal([["a", "<i4"], ["b", "<f8"]], "<i4", "no"), {
    why: 'NumPy casts a record of 2 fields into records only, not into "<i4"',
  });
  assert.throws(() => castRefusal("<f8", "<i4", "bad" as never), TypeError);
});

test("a writer refusing nested records names the field, not equal counts", () => {
  const w = NpyAppendArraySync.open(new MemoryFile(), {
    dtype: FLAT as never,
    casting: "unsafe",
  });
  try {
    assert.throws(
      () =>
        w.append({
          data: new Uint8Array(8),
          shape: [1],
          dtype: NESTED,
        } as never),
      (e: Error) =>
        e instanceof TypeError &&
        !/1 and 1 here/.test(e.message) &&
        /\(field 0 \("a" into "a"\): NumPy casts a record of 2 fields into records only, not into "<i4": give the data in dtype "\[\('a', '<i4'\)\]"\)/
          .test(e.message),
    );
  } finally {
    w.close();
  }
});

test(
  "CLI concat refusing nested records names the field, and OUT stays",
  { ...numpyTestOptions(), timeout: 120_000 },
  () => {
    const dir = tempDir();
    try {
      const out = join(dir, "h5_out.npy");
      const a = join(dir, "h5_a.npy");
      runPython(
        `import sys, numpy as np
np.save(sys.argv[1], np.array([(1,)], [('a', '<i4')]))
np.save(sys.argv[2], np.array([((2, 3),)], [('a', [('x', '<i4'), ('y', '<i4')])]))
assert not np.can_cast(np.load(sys.argv[2]).dtype, np.load(sys.argv[1]).dtype, 'unsafe')`,
        [out, a],
      );
      const r = cli(["concat", "--casting", "unsafe", out, a]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /under casting "unsafe" \(no --casting allows it: field 0 \("a" into "a"\): NumPy casts a record of 2 fields into records only, not into "<i4"\)/,
      );
      assert.doesNotMatch(r.stderr, /1 and 1 here/);
      const same = runPython(
        `import sys, numpy as np
print(np.array_equal(np.load(sys.argv[1]), np.array([(1,)], [('a', '<i4')])))`,
        [out],
      );
      assert.equal(same.trim(), "True");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("every refused value is worded by one mechanism: 'Cannot append value X at ...: why'", () => {
  const w = NpyAppendArraySync.open(new MemoryFile(), { dtype: "<M8[ns]" });
  try {
    // A Date whose nanoseconds do not fit 64 bits (said "Cannot append
    // 2275-...", without "value", before).
    assert.throws(
      () => w.append([new Date(8.64e15)]),
      (e: Error) =>
        e instanceof RangeError &&
        /^Cannot append value .* at index 0 to .*: 8640000000000000 ms does not fit 64 bits/
          .test(e.message),
    );
  } finally {
    w.close();
  }
});
