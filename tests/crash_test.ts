/**
 * The kill test of `scripts/crash_test.ts`, with fewer kills: children
 * appending rows are killed with SIGKILL at random moments, and every
 * acknowledged row must survive, directly or after `recover` (checked in
 * JS and by NumPy). The child runs on the same runtime as the test (`deno
 * run` under Deno, `bun` under Bun). `CRASH_KILLS` sets the count.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { crashTest } from "../scripts/crash_test.ts";
import { numpyTestOptions } from "./_numpy.ts";

const kills = Number(process.env.CRASH_KILLS ?? 24);

test(
  `no acknowledged append is lost over ${kills} kills`,
  { ...numpyTestOptions(), timeout: 180_000 },
  async () => {
    const result = await crashTest({ kills, seed: 7 });
    assert.equal(result.kills, kills);
    assert.equal(result.numpyChecks, kills - result.empty);
    // The kills landed in both states: file complete, and needing recovery.
    assert.ok(result.direct > 0, JSON.stringify(result));
    assert.ok(result.recovered > 0, JSON.stringify(result));
    assert.ok(result.rowsReported > 0, JSON.stringify(result));
  },
);
