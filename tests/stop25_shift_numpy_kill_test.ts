/**
 * Stop 25 (h2): an in-place `ensureAppendable` moves the data under a
 * change record; killed while moving, it left a file whose old header
 * still stood over data partly moved by the header's growth, which this
 * library's readers refuse (the record) but NumPy, which knows no record,
 * read as the right shape and wrong values. Now the move first spoils the
 * magic (byte 0), after the record is safe: `np.load` refuses the file
 * until the next `open`, `recover` or `ensureAppendable` finishes the
 * change (the record holds the headers). After a kill at every file call
 * NumPy reads the old values, the new file, or nothing; never other
 * values. On a disk with little room (a tmpfs), where the record's data
 * slot shrinks and the move takes several chunks, so that every third of
 * the points (Deno, Node, Bun each run one) falls in it.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { isAppendableSync, recoverSync } from "../mod.ts";
import { scriptCommand } from "./_runtime.ts";
import { killPoints } from "./_kill_at.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";
import { runPython } from "./_numpy.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));

/** What NumPy makes of the file: `right`, `wrong` or `refused`. */
const NP_VERDICT = `
import sys
import numpy as np
try:
    a = np.load(sys.argv[1])
except Exception:
    print("refused")
else:
    want = np.arange(int(sys.argv[2]), dtype="<i4") * 3 + 1
    print("right" if a.shape == want.shape and (a == want).all() else "wrong")
`;

test(
  "stop 25: an in-place ensureAppendable killed at every file call: np.load reads the right values or refuses the file, never other values",
  tmpfsTestOptions(600_000),
  withTmpfs("size=2m", (root) => {
    const n = 200_000; // 800 kB
    // Room for the file and about 300 kB: the record's slot shrinks.
    fillDisk(root, 1_100 * 1024);
    let finished = false;
    let refused = 0;
    for (const k of killPoints(1, 400)) {
      if (finished) break;
      for (const f of readdirSync(root)) {
        if (f !== "filler") rmSync(join(root, f));
      }
      const path = join(root, "x.npy");
      writeFileSync(path, oldNpyBytes(ramp(n)));
      const out = spawnSync(CHILD[0], [
        ...CHILD[1],
        "killat",
        String(k),
        "shift",
        path,
      ]);
      finished = new TextDecoder().decode(out.stdout).includes("exit 0");
      const verdict = runPython(NP_VERDICT, [path, String(n)]).trim();
      assert.notEqual(verdict, "wrong", `kill after call ${k}`);
      if (verdict === "refused") refused++;
      // The next recover finishes (or undoes) the change: right values.
      // The record may have taken the room the recover's lock needs: the
      // words say to free space, then try again.
      try {
        recoverSync(path);
      } catch (e) {
        assert.equal((e as { code?: string }).code, "ENOSPC", `call ${k}`);
        truncateSync(
          join(root, "filler"),
          statSync(join(root, "filler")).size - 65536,
        );
        recoverSync(path);
      }
      assert.equal(
        runPython(NP_VERDICT, [path, String(n)]).trim(),
        "right",
        `kill after call ${k}, recovered`,
      );
      if (finished) assert.equal(isAppendableSync(path), true);
    }
    assert.ok(finished, "the move never ran to its end");
    assert.ok(refused > 0, "no kill fell in the move");
  }),
);
