/**
 * Adversary round 12: system errors that a failing or full file system
 * gives and that the runtimes do not all name: `EDQUOT` (a user's disk
 * quota, the full disk of shared machines), `ESTALE` (an NFS file
 * replaced on the server), `EFBIG` (a file system's largest file, FAT32's
 * 4 GiB) and `EINTR` (a signal during a call on NFS or FUSE), injected by
 * `strace` into a child writer (`straceFailing`; Linux). A kernel without
 * quota support (as here: no `CONFIG_QFMT_V2`) cannot give a real
 * `EDQUOT`.
 *
 * Found: Deno gives these errors no `code` (`Disk quota exceeded (os error
 * 122)`, `Interrupted system call (os error 4)`), and Node 20 gives
 * `EDQUOT` and `ESTALE` the code `Unknown system error -122`. So on Deno
 * the error did not name the file, and on both a full quota was not known
 * as a full disk: a writer refused by a quota while another writer held
 * the file got the raw error instead of `NpyLockedError` naming the holder
 * (adversary round 5), and the CLI did not say "the disk quota is
 * exceeded". The path layer now names such errors from their number
 * (`node:os`'s `constants.errno`), on every runtime.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { threeRows, unchangedAndAppendable } from "./_three_rows.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const OPTS = { timeout: 120_000, ...straceOptions };

const CHILD = new URL("./_adversary12_child.ts", import.meta.url);

interface Outcome {
  lines: string[];
  err: { name: string; code: unknown; message: string } | null;
}

/** Runs the child's `op` on `file`, the `when`th of `calls` on `on` failing. */
function run(
  file: string,
  op: string,
  fault: { on: string; calls: string[]; error: string; when?: number },
): Outcome {
  const stdout = straceFailing(CHILD, [file, op], {
    paths: [fault.on],
    calls: fault.calls,
    error: fault.error,
    when: fault.when ?? 1,
  });
  const lines = stdout.split("\n").filter((l) => l !== "");
  assert.equal(lines.at(-1), "done", stdout);
  const e = lines.find((l) => l.startsWith("err "));
  return { lines, err: e === undefined ? null : JSON.parse(e.slice(4)) };
}

const WRITES = ["write", "pwrite64"];
const READS = ["read", "pread64"];

for (
  const [error, calls, words] of [
    ["EDQUOT", WRITES, "disk quota exceeded"],
    ["EFBIG", WRITES, "file too large"],
    ["ESTALE", READS, "stale file handle"],
  ] as const
) {
  test(
    `adversary 12: ${error} on a ${
      calls === WRITES ? "data write" : "header read"
    }: an error with code ${error} naming the file, no byte changed`,
    OPTS,
    () => {
      const f = threeRows();
      const out = run(f.file, "append", { on: f.file, calls, error });
      assert.ok(out.err !== null, out.lines.join("\n"));
      assert.equal(out.err.code, error, out.err.message);
      assert.ok(out.err.message.includes(`"${f.file}"`), out.err.message);
      assert.ok(
        out.err.message.includes(`${error}: ${words}`),
        out.err.message,
      );
      unchangedAndAppendable(f);
    },
  );
}

test(
  "adversary 12: EINTR on the header read: retried (Bun), or an error with code EINTR naming the file, no byte changed",
  OPTS,
  () => {
    const f = threeRows();
    const out = run(f.file, "append", {
      on: f.file,
      calls: READS,
      error: "EINTR",
    });
    if (out.err === null) {
      assert.deepEqual(out.lines, ["ack", "closed", "done"]);
      assert.deepEqual([...readNpySync(f.file).data as Float64Array], [
        0,
        1,
        2,
        3,
      ]);
      return;
    }
    assert.equal(out.err.code, "EINTR", out.err.message);
    assert.ok(out.err.message.includes(`"${f.file}"`), out.err.message);
    unchangedAndAppendable(f);
  },
);

test(
  "adversary 12: a writer over its disk quota while another writer holds the file: NpyLockedError naming the holder, not EDQUOT",
  OPTS,
  () => {
    const f = threeRows();
    const holder = NpyAppendArraySync.open(f.file);
    try {
      // The taker's link of its record to the lock name needs a folder
      // block that the quota refuses.
      const out = run(f.file, "append", {
        on: `${f.file}.lock`,
        calls: ["link", "linkat"],
        error: "EDQUOT",
      });
      assert.ok(out.err !== null, out.lines.join("\n"));
      assert.equal(out.err.name, "NpyLockedError", out.err.message);
      assert.ok(out.err.message.includes(String(process.pid)), out.err.message);
    } finally {
      holder.close();
    }
    unchangedAndAppendable(f);
  },
);
