/**
 * Stop 21: a file size limit (`ulimit -f`, `RLIMIT_FSIZE`; a file
 * system's largest file, FAT32's 4 GiB). A write past it fails with
 * `EFBIG` on Node and Bun, which ignore `SIGXFSZ`; Deno dies of the
 * signal (as from a kill), here already while writing its own cache at
 * start, so the real limit runs on Node and Bun and the Deno pass injects
 * `EFBIG` with strace.
 *
 * Found: the failed append was undone and typed (`code: "EFBIG"`, the
 * file named), but the message named no fix, for paths and file objects
 * alike ("Cannot write the file object: EFBIG: file too large, write"),
 * nor did a file object's `ENOSPC` or `EDQUOT`, nor the CLI's own words
 * for its output. Now each says what to do.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { RUNTIME, scriptCommand } from "./_runtime.ts";
import { straceFailing, straceOptions } from "./_strace.ts";
import { threeRows } from "./_three_rows.ts";

const CHILD = new URL("./_stop21_fsize_child.ts", import.meta.url);

/** The words of the fix every `EFBIG` message carries. */
const FIX = /ulimit -f/;

const realLimit = process.platform !== "linux"
  ? { skip: "ulimit -f: Linux only here" }
  : numpyTestOptions();

/**
 * Deno dies of SIGXFSZ (at its own start under a small limit): the real
 * limit's tests are Node's and Bun's (not defined under Deno, so nothing is
 * skipped there), Deno's `EFBIG` is injected with strace below.
 */
const REAL_LIMIT_RUNS = RUNTIME !== "deno";

interface Outcome {
  err: { name: string; code: unknown; message: string } | null;
  acked: number;
}

/** Runs the child's `kind` on `dir` under `ulimit -f 64` (64 KiB). */
function underLimit(dir: string, kind: string): Outcome {
  const [cmd, args] = scriptCommand(CHILD);
  const r = spawnSync(
    "sh",
    ["-c", 'ulimit -f 64; exec "$0" "$@"', cmd, ...args, dir, kind],
    { encoding: "utf8", timeout: 120_000 },
  );
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  assert.equal(lines.at(-1), "done", r.stdout + r.stderr);
  const e = lines.find((l) => l.startsWith("err "));
  const a = lines.find((l) => l.startsWith("acked "));
  return {
    err: e === undefined ? null : JSON.parse(e.slice(4)),
    acked: Number(a!.slice(6)),
  };
}

/** The first column of each row of the `.npy` files, by NumPy. */
function firstColumn(...files: string[]): number[] {
  return JSON.parse(runPython(
    `import sys, json, numpy as np
print(json.dumps(np.concatenate([np.load(f).reshape(-1, 512)[:, 0] for f in sys.argv[1:]]).tolist()))`,
    files,
  ));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function checkError(out: Outcome, file: string): void {
  assert.ok(out.err !== null, "no append failed");
  assert.equal(out.err.code, "EFBIG", out.err.message);
  assert.ok(out.err.message.includes(file), out.err.message);
  assert.match(out.err.message, FIX);
  assert.ok(out.acked > 5 && out.acked < 16, String(out.acked));
}

for (
  const kind of REAL_LIMIT_RUNS ? ["sync", "async", "stream", "handle"] : []
) {
  test(
    `stop 21: ${kind} writer past ulimit -f: EFBIG naming the file and the fix, the acknowledged rows kept`,
    {
      timeout: 120_000,
      ...realLimit,
    },
    () => {
      const dir = tempDir();
      const out = underLimit(dir, kind);
      const file = join(dir, kind === "handle" ? "h.npy" : "a.npy");
      checkError(out, kind === "handle" ? "the file object" : `"${file}"`);
      assert.deepEqual(firstColumn(file), range(out.acked));
      assert.deepEqual(readdirSync(dir), [
        kind === "handle" ? "h.npy" : "a.npy",
      ]);
      const w = NpyAppendArraySync.open(file);
      w.append({
        data: new Float64Array(512).fill(out.acked),
        shape: [1, 512],
      });
      w.close();
      assert.deepEqual(firstColumn(file), range(out.acked + 1));
    },
  );
}

if (REAL_LIMIT_RUNS) {
  test(
    "stop 21: a stack past ulimit -f: EFBIG naming the shard and the fix, every acknowledged row kept",
    {
      timeout: 120_000,
      ...realLimit,
    },
    () => {
      const dir = tempDir();
      const out = underLimit(dir, "stack");
      const st = join(dir, "st");
      checkError(out, `"${st}/`);
      const shards = () =>
        readdirSync(st).filter((n) => /^\d+\.npy$/.test(n)).sort((a, b) =>
          parseInt(a) - parseInt(b)
        ).map((n) => join(st, n));
      assert.deepEqual(firstColumn(...shards()), range(out.acked));
      const w = NpyStackWriterSync.open(st);
      w.append({
        data: new Float64Array(512).fill(out.acked),
        shape: [1, 512],
      });
      w.close();
      assert.deepEqual(firstColumn(...shards()), range(out.acked + 1));
    },
  );
}

if (REAL_LIMIT_RUNS) {
  test(
    "stop 21: a group past ulimit -f: EFBIG naming the member and the fix, every member at the acknowledged rows",
    {
      timeout: 120_000,
      ...realLimit,
    },
    () => {
      const dir = tempDir();
      const out = underLimit(dir, "group");
      const gr = join(dir, "gr");
      checkError(out, `"${gr}/`);
      const b = () =>
        JSON.parse(runPython(
          "import sys, numpy as np; print(np.load(sys.argv[1]).tolist())",
          [join(gr, "b.npy")],
        ));
      assert.deepEqual(firstColumn(join(gr, "a.npy")), range(out.acked));
      assert.deepEqual(b(), range(out.acked));
      const w = NpyGroupWriterSync.open(gr);
      w.append({
        a: { data: new Float64Array(512).fill(out.acked), shape: [1, 512] },
        b: { data: new BigInt64Array([BigInt(out.acked)]), shape: [1] },
      });
      w.close();
      assert.deepEqual(firstColumn(join(gr, "a.npy")), range(out.acked + 1));
      assert.deepEqual(b(), range(out.acked + 1));
      assert.ok(!existsSync(join(gr, "a.npy.part")));
    },
  );
}

test(
  "stop 21: EFBIG injected into an append's write (every runtime): the file and the fix named",
  {
    timeout: 120_000,
    ...straceOptions,
  },
  () => {
    const f = threeRows();
    const stdout = straceFailing(
      new URL("./_adversary12_child.ts", import.meta.url),
      [f.file, "append"],
      {
        paths: [f.file],
        calls: ["write", "pwrite64"],
        error: "EFBIG",
        when: 1,
      },
    );
    const e = stdout.split("\n").find((l) => l.startsWith("err "));
    assert.ok(e !== undefined, stdout);
    const err = JSON.parse(e.slice(4));
    assert.equal(err.code, "EFBIG");
    assert.ok(err.message.includes(`"${f.file}"`), err.message);
    assert.match(err.message, FIX);
  },
);

if (REAL_LIMIT_RUNS) {
  test(
    "stop 21: to-csv and from-csv past ulimit -f: exit 1 naming OUT and the fix, no OUT left",
    {
      timeout: 120_000,
      ...realLimit,
    },
    () => {
      const dir = tempDir();
      const npy = join(dir, "big.npy");
      const csv = join(dir, "big.csv");
      runPython(
        `import sys, numpy as np
a = np.arange(40000.).reshape(-1, 4)
np.save(sys.argv[1], a)
np.savetxt(sys.argv[2], a, delimiter=",")`,
        [npy, csv],
      );
      const [cmd, args] = scriptCommand(new URL("../cli.ts", import.meta.url));
      for (
        const [command, input, output] of [
          ["to-csv", npy, join(dir, "out.csv")],
          ["from-csv", csv, join(dir, "out.npy")],
        ] as const
      ) {
        const r = spawnSync("sh", [
          "-c",
          'ulimit -f 64; exec "$0" "$@"',
          cmd,
          ...args,
          command,
          input,
          output,
        ], { encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 1, r.stderr);
        assert.ok(r.stderr.includes(output), r.stderr);
        assert.match(r.stderr, FIX);
        assert.deepEqual(readdirSync(dir).sort(), ["big.csv", "big.npy"]);
      }
    },
  );
}
