/**
 * Stop 21 (h10): a `Date` or text appended to a generic `M8` file (one
 * NumPy made, `np.array(['NaT'], 'M8')`) was refused with "dtype "<M8"
 * needs bigints or integer numbers", and the integers it asked for are
 * refused too (stop 21, h1: a generic datetime holds no date but NaT).
 * The refusal now says what the generic dtype holds and the fix (a unit,
 * or casting "unsafe"); a dated `M8` names the `Date`s it takes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, NpyAppendArraySync } from "../mod.ts";

function refusal(dtype: string, value: unknown): string {
  const w = NpyAppendArraySync.open(new MemoryFile(), { dtype });
  try {
    w.append([value] as never);
  } catch (e) {
    assert.ok(e instanceof TypeError);
    return e.message;
  } finally {
    w.close();
  }
  assert.fail("not refused");
}

test("stop 21 (h10): a Date or text into a generic M8 names what it holds and the fix", () => {
  for (const v of [new Date(0), "2020-01-01", {}]) {
    const m = refusal("<M8", v);
    assert.doesNotMatch(m, /needs bigints or integer numbers/, m);
    assert.match(m, /holds no date but NaT/, m);
    assert.match(m, /"<M8\[s\]"/, m);
    assert.match(m, /casting "unsafe"/, m);
  }
  const dated = refusal("<M8[s]", "2020-01-01");
  assert.match(dated, /needs Dates, bigints or integer numbers/, dated);
  const delta = refusal("<m8[s]", new Date(0));
  assert.match(delta, /needs bigints or integer numbers/, delta);
});
