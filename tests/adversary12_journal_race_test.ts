/**
 * Adversary round 12: readers beside an `atomic` writer. A reader looks
 * for the writer's change record (`x.npy.journal`) and opens it to see
 * what change it records:
 *
 * - a record removed between the look and the open (the writer committed
 *   at that moment) gave the system's `ENOENT` error naming the record, a
 *   file the caller never named (seen 2 times in 88,000 reads of a file an
 *   atomic writer kept replacing); it now counts as no record;
 * - the record was opened for writing, so a Deno reader run with `-R`
 *   alone (as the README runs readers) got "Requires write access to
 *   x.npy.journal, run again with the --allow-write flag" instead of the
 *   typed refusal of an unfinished change. A look opens it read-only.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  needsRecoverySync,
  NpyAppendArraySync,
  NpyReader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { RUNTIME, scriptCommand, sourcePath } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";

const CHILD = new URL("./_adversary12_kill_child.ts", import.meta.url);

type Calls = Record<string, (...a: unknown[]) => unknown>;

/**
 * Runs `f` with every open of a path ending in `.journal` preceded by its
 * removal: the writer's commit lands between a reader's look and its open.
 */
async function commitBeforeOpen<T>(f: () => T | Promise<T>): Promise<T> {
  const fs = process.getBuiltinModule("node:fs") as unknown as Calls;
  const deno = (globalThis as unknown as { Deno?: Calls }).Deno;
  const owners: Calls[] = deno === undefined ? [fs] : [fs, deno];
  const saved = owners.map((o) => o.openSync!);
  owners.forEach((o, i) => {
    o.openSync = function (this: unknown, ...a: unknown[]) {
      const p = String(a[0] instanceof URL ? a[0].pathname : a[0]);
      if (p.endsWith(".journal")) rmSync(p, { force: true });
      return saved[i]!.apply(this, a);
    };
  });
  try {
    return await f();
  } finally {
    owners.forEach((o, i) => (o.openSync = saved[i]!));
  }
}

/**
 * A file of one row `[1, 2]` with an atomic writer's uncommitted second
 * row, its header written.
 */
function atomicAppend(path: string): NpyAppendArraySync {
  const first = NpyAppendArraySync.open(path);
  first.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
  first.close();
  const w = NpyAppendArraySync.open(path, { atomic: true });
  w.append({ data: new Float64Array([3, 4]), shape: [1, 2] });
  // An atomic writer writes its header when it commits (stop 26), the
  // commit point (stop 27: `updateHeader()` refused): written now as
  // `close()` does, removing the record below is the commit's last step.
  const fd = openSync(path, "r+");
  try {
    const header = new Uint8Array(128);
    readSync(fd, header, 0, 128, 0);
    const at = new TextDecoder().decode(header).indexOf("(1, 2)");
    header[at + 1] = 0x32; // "2"
    writeSync(fd, header, 0, 128, 0);
  } finally {
    closeSync(fd);
  }
  return w;
}

const CALLS: Record<string, (path: string) => unknown> = {
  readNpySync: (p) => readNpySync(p).shape,
  readNpy: (p) => readNpy(p).then((a) => a.shape),
  "NpyReader.openSync": (p) => {
    using r = NpyReader.openSync(p);
    return r.shape;
  },
  "NpyReader.open": async (p) => {
    await using r = await NpyReader.open(p);
    return r.shape;
  },
  needsRecoverySync: (p) => needsRecoverySync(p),
};

for (const [name, call] of Object.entries(CALLS)) {
  test(`${name}: a change record removed between the look and the open is no record`, async () => {
    const path = join(tempDir(), "x.npy");
    const w = atomicAppend(path);
    try {
      const got = await commitBeforeOpen(() => call(path));
      assert.deepEqual(got, name === "needsRecoverySync" ? false : [2, 2]);
    } finally {
      w.close();
    }
  });
}

test(
  "a Deno reader with read permission only gets the typed refusal of an unfinished atomic append",
  // Under Bun and Node: Deno from npm (a skip fails CI).
  { timeout: 120_000 },
  () => {
    const path = join(tempDir(), "x.npy");
    const w = atomicAppend(path);
    try {
      const [exe, args]: [string, string[]] = RUNTIME === "deno"
        ? scriptCommand(CHILD, [`--allow-read`])
        : ["npx", [
          "-y",
          "deno@2.9.6",
          "run",
          "--allow-read",
          sourcePath(CHILD),
        ]];
      const r = spawnSync(exe, [...args, "0", "read", path], {
        encoding: "utf8",
      });
      const lines = r.stdout.trim().split("\n").filter((l) => l !== "exit 0");
      assert.equal(lines.length, 4, r.stdout + r.stderr);
      for (const line of lines) {
        if (line.startsWith("needsRecoverySync:")) {
          assert.equal(line, "needsRecoverySync: true");
        } else {
          assert.match(
            line,
            /: NpyFormatError needs-recovery .*unfinished atomic append/,
          );
        }
      }
    } finally {
      w.close();
    }
  },
);
