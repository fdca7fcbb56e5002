/**
 * Child process for `tests/stop21_file_size_limit_test.ts`: appends rows
 * of 512 `<f8` (4 KiB, row `i` holding `i`) until an append fails, run
 * under a shell's `ulimit -f` (`RLIMIT_FSIZE`: the write past it fails
 * with `EFBIG` where the runtime ignores `SIGXFSZ`).
 *
 * Usage: `<runtime> tests/_stop21_fsize_child.ts DIR KIND`, KIND one of
 * `sync`, `async`, `stream` (`writer.writable`), `handle` (a
 * `NodeFileHandle`), `stack` (`DIR/st`, 8-row shards), `group` (`DIR/gr`,
 * members `a` rows and `b` `<i8`). Files: `DIR/a.npy` (`handle`: `h.npy`).
 *
 * Prints `err {"name","code","message"}` for the failure, then
 * `acked N` (the appends that returned), then `done`.
 *
 * @module
 */

import process from "node:process";
import { open } from "node:fs/promises";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriter,
  NpyStackWriter,
} from "../mod.ts";
import { NodeFileHandle } from "../adapters.ts";
import { say } from "./_kill_at.ts";

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const [dir, kind] = deno ? deno.args : process.argv.slice(2);

const row = (i: number) => ({
  data: new Float64Array(512).fill(i),
  shape: [1, 512],
});

function sayError(e: unknown): void {
  const err = e as { name?: string; code?: unknown; message?: string };
  say(
    `err ${
      JSON.stringify({ name: err.name, code: err.code, message: err.message })
    }`,
  );
}

let acked = 0;
const LIMIT = 200; // never reached under the test's limit
try {
  if (kind === "sync") {
    const w = NpyAppendArraySync.open(`${dir}/a.npy`, { dtype: "<f8" });
    try {
      for (; acked < LIMIT; acked++) w.append(row(acked));
    } finally {
      w.close();
    }
  } else if (kind === "async" || kind === "stream") {
    const w = await NpyAppendArray.open(`${dir}/a.npy`, { dtype: "<f8" });
    try {
      if (kind === "async") {
        for (; acked < LIMIT; acked++) await w.append(row(acked));
      } else {
        const n = () => w.shape[0] ?? 0;
        const source = new ReadableStream({
          pull(c) {
            acked = n();
            if (acked >= LIMIT) c.close();
            else c.enqueue(row(acked));
          },
        }, { highWaterMark: 0 });
        try {
          await source.pipeTo(w.writable);
        } finally {
          acked = n();
        }
      }
    } finally {
      await w.close();
    }
  } else if (kind === "handle") {
    const fh = await open(`${dir}/h.npy`, "w+");
    try {
      const w = await NpyAppendArray.open(new NodeFileHandle(fh), {
        dtype: "<f8",
      });
      try {
        for (; acked < LIMIT; acked++) await w.append(row(acked));
      } finally {
        await w.close();
      }
    } finally {
      await fh.close();
    }
  } else if (kind === "stack") {
    const w = await NpyStackWriter.open(`${dir}/st`, {
      dtype: "<f8",
      shardRows: 8,
    });
    try {
      for (; acked < LIMIT; acked++) await w.append(row(acked));
    } finally {
      await w.close();
    }
  } else if (kind === "group") {
    const w = await NpyGroupWriter.open(`${dir}/gr`, {
      members: { a: "<f8", b: "<i8" },
    });
    try {
      for (; acked < LIMIT; acked++) {
        await w.append({
          a: row(acked),
          b: { data: new BigInt64Array([BigInt(acked)]), shape: [1] },
        });
      }
    } finally {
      await w.close();
    }
  } else {
    throw new Error(`unknown KIND ${kind}`);
  }
} catch (e) {
  sayError(e);
}
say(`acked ${acked}`);
say("done");
