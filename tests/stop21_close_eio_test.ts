/**
 * Stop 21: `close(2)` failing with `EIO` on the data file as a writer
 * closes (a network file system reports there the writes it could not make
 * earlier; injected with strace). Node reports it; Bun and Deno drop
 * errors of `close(2)` (their `closeSync` returns), so there the close
 * succeeds and nothing can be said. On Node the error was the bare
 * "Cannot close "x.npy": EIO: i/o error, close", naming no fix; it now
 * says the last writes may be lost and what to do.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { RUNTIME } from "./_runtime.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const OPTS = { timeout: 120_000, ...straceOptions, ...numpyTestOptions() };
const CHILD = new URL("./_stop21_close_child.ts", import.meta.url);

test(
  "stop 21: close(2) failing with EIO on the data file: on Node an error naming the file and the fix; the rows and no lock left",
  OPTS,
  () => {
    const file = join(tempDir(), "x.npy");
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([0, 1, 2]));
    w.close();
    const stdout = straceFailing(CHILD, ["file", file], {
      paths: [file],
      calls: ["close"],
      error: "EIO",
      when: 1,
    });
    const lines = stdout.split("\n").filter((l) => l !== "");
    assert.equal(lines.at(-1), "done", stdout);
    const e = lines.find((l) => l.startsWith("err "));
    if (RUNTIME !== "node") {
      // Bun and Deno drop the error of close(2).
      assert.deepEqual(lines, ["ack", "closed", "done"]);
    } else {
      assert.ok(e !== undefined, stdout);
      const err = JSON.parse(e.slice(4));
      assert.equal(err.code, "EIO");
      assert.ok(err.message.includes(`"${file}"`), err.message);
      assert.match(err.message, /fsync: true/);
      assert.match(err.message, /may not have reached the disk/);
    }
    assert.deepEqual(npLoadJson(file).values, [0, 1, 2, 3]);
    const next = NpyAppendArraySync.open(file);
    next.append(new Float64Array([4]));
    next.close();
    assert.deepEqual(npLoadJson(file).values, [0, 1, 2, 3, 4]);
  },
);
