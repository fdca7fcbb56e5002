/**
 * The refusal after a failed undo (`undoRefusal`, through `reworded`)
 * keeps the library's own error classes and their fields: an
 * `NpyLockedError` or `NpyFormatError` that made the undo fail came back
 * as a plain `Error`, so a caller's `instanceof` check missed it.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NpyFormatError, NpyLockedError } from "../mod.ts";
import { reworded, undoRefusal } from "../src/_close_error.ts";

describe("a failed undo's refusal keeps the failure's class", () => {
  test("NpyLockedError: class, path, lockPath, holder and cause", () => {
    const failure = new NpyLockedError(
      "Cannot open /d/x.npy: held",
      { path: "/d/x.npy", lockPath: "/d/x.npy.lock", holder: "pid 7" },
    );
    const e = undoRefusal(failure, "Cannot append to /d/x.npy: undo", 3);
    assert.ok(e instanceof NpyLockedError);
    assert.equal(e.code, "locked");
    assert.equal(e.path, "/d/x.npy");
    assert.equal(e.lockPath, "/d/x.npy.lock");
    assert.equal(e.holder, "pid 7");
    assert.equal(e.cause, failure);
    assert.match(e.message, /the 3 rows before the failed append are kept/);
    assert.match(e.message, /\(the undo: Cannot open \/d\/x\.npy: held\)/);
  });

  test("NpyFormatError: class, code, file and cause", () => {
    const failure = new NpyFormatError("changed", "it was replaced", {
      file: "/d/y.npy",
      verb: "append to",
    });
    const e = undoRefusal(failure, "Cannot append to /d/y.npy: undo");
    assert.ok(e instanceof NpyFormatError);
    assert.equal(e.code, "changed");
    assert.equal(e.file, "/d/y.npy");
    assert.equal(e.cause, failure);
    assert.match(e.message, /^Cannot append to \/d\/y\.npy: undo \(the undo:/);
  });

  test("a system error keeps its class and code", () => {
    const failure = Object.assign(new Error("no space"), {
      code: "ENOSPC",
      errno: -28,
    });
    const e = reworded(failure, "Cannot append: full") as Error & {
      code?: string;
      errno?: number;
    };
    assert.equal(Object.getPrototypeOf(e), Error.prototype);
    assert.equal(e.code, "ENOSPC");
    assert.equal(e.errno, -28);
    assert.equal(e.cause, failure);
  });
});
