/**
 * Adversary round 13: groups of stacks read by Dask after a kill. A group
 * of stacks (`shardRows`) killed between the seals of its members (within
 * one append that fills a shard, or within `close()`) and then recovered
 * (`recoverGroup`, or the writer's next open) kept every row, but left
 * some members' last shard sealed and others' live: Dask's
 * `from_npy_stack`, which reads sealed shards only, read the members at
 * different lengths (`a` 8 rows, `b` 4), so rows no longer lined up
 * across members. Recovery now seals the others' live shards too. Kills
 * after every file call of: the two-member group of round 12's child
 * (both faults), a group whose members have other widths and a
 * Fortran-order member, and the same killed group reopened by the writer
 * instead of `recoverGroup` (read by Dask while the writer is open).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  NpyGroupReader,
  NpyGroupWriterSync,
  recoverGroupSync,
} from "../mod.ts";
import { killPoints, runKilledAt } from "./_kill_at.ts";
import { scriptCommand } from "./_runtime.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** Bun gives a test 5 s unless told. */
const SLOW = { timeout: 900_000, ...numpyTestOptions() };

const CHILD12 = scriptCommand(
  new URL("./_adversary12_kill_child.ts", import.meta.url),
);
const CHILD13 = scriptCommand(
  new URL("./_adversary13_group_child.ts", import.meta.url),
);

/**
 * Dask's view of every member of each group: the rows it reads (along
 * the last axis for `f`), and whether row `i` holds `i` everywhere.
 */
const DASK = `
import json, os, sys
import numpy as np
import dask.array as da
out = {}
for d in json.loads(sys.argv[1]):
    seen = {}
    for e in json.load(open(os.path.join(d, "group.json")))["members"]:
        m = e["name"]
        p = os.path.join(d, e["file"])
        if not os.path.exists(os.path.join(p, "info")):
            seen[m] = [0, True]
            continue
        a = da.from_npy_stack(p).compute()
        n = a.shape[-1] if m == "f" else a.shape[0]
        i = np.arange(n)
        want = i[None, :] if m == "f" else i[:, None] if a.ndim == 2 else i
        seen[m] = [n, bool((a == want).all())]
    out[d] = seen
print(json.dumps(out))
`;

async function sweep(
  child: [string, string[]],
  op: string,
  reopen: boolean,
): Promise<void> {
  const root = tempDir();
  const dirs: string[] = [];
  const open: NpyGroupWriterSync[] = [];
  let through = false;
  for (const n of killPoints(1, 800, 2)) {
    if (through) break;
    const dir = join(root, String(n));
    const k = runKilledAt(child, n, op, dir);
    through = k.through;
    if (!existsSync(join(dir, "group.json"))) continue; // nothing acknowledged
    // Reopened: Dask reads it while the writer holds it open.
    if (reopen) open.push(NpyGroupWriterSync.open(dir));
    else recoverGroupSync(dir);
    await using r = await NpyGroupReader.open(dir);
    assert.ok(
      r.length >= k.acked && r.length <= 15,
      `call ${n}: ${r.length} rows, ${k.acked} acknowledged`,
    );
    dirs.push(dir);
  }
  assert.ok(through);
  let seen: Record<string, Record<string, [number, boolean]>>;
  try {
    seen = JSON.parse(runPython(DASK, [JSON.stringify(dirs)]));
  } finally {
    for (const w of open) w.close();
  }
  let withRows = 0;
  for (const dir of dirs) {
    const members = Object.entries(seen[dir]!);
    assert.ok(members.length >= 2, dir);
    // Some state with rows that Dask sees is checked.
    if (members.some(([, [n]]) => n > 0)) withRows++;
    for (const [m, [, ok]] of members) assert.ok(ok, `${dir} ${m}: values`);
    const lengths = new Set(members.map(([, [n]]) => n));
    assert.equal(
      lengths.size,
      1,
      `${dir}: Dask reads the members at ${JSON.stringify(seen[dir])}`,
    );
  }
  assert.ok(withRows > 10, `${withRows} states with rows`);
}

test(
  "adversary 13: a group of stacks killed between its members' seals reads aligned in Dask after recoverGroup",
  SLOW,
  () => sweep(CHILD12, "gstack", false),
);

test(
  "adversary 13: members of other widths and a Fortran-order member, killed, read aligned in Dask after recoverGroup",
  SLOW,
  () => sweep(CHILD13, "grows", false),
);

test(
  "adversary 13: a killed group of stacks reopened by the writer reads aligned in Dask while the writer is open",
  SLOW,
  () => sweep(CHILD13, "grows", true),
);
