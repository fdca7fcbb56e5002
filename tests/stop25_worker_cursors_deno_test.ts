/**
 * Stop 25 (h3): Deno writers' second header cursors are capped at
 * `MAX_HEADER_CURSORS` a process, but the count was a module's, and each
 * Worker has its own: four Workers of 20 writers held 64 more descriptors
 * (16 each). Now only the main thread opens them (a Worker's writers keep
 * one cursor), so the cap is the process's.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { tempDir } from "./_numpy.ts";

// `scripts/test_all.ts` runs `*_deno_test.ts` under Deno only; a plain
// `bun test` loads it too, and then registers nothing.
const deno = (globalThis as { Deno?: { build: { os: string } } }).Deno;

if (deno !== undefined) {
  test(
    "writers in Workers keep one descriptor each: the second cursors are the main thread's",
    {
      ...(deno.build.os === "linux"
        ? {}
        : { skip: "/proc/self/fd: Linux only" }),
    },
    async () => {
      const dir = tempDir();
      const worker = new Worker(
        new URL("./_stop25_cursor_worker.ts", import.meta.url),
        { type: "module" },
      );
      try {
        const got = await new Promise<{ fds: number[]; after: number[] }>(
          (resolve, reject) => {
            worker.onmessage = (e) => resolve(e.data);
            worker.onerror = (e) => reject(e.error ?? new Error(e.message));
            worker.postMessage({ dir, count: 20 });
          },
        );
        assert.deepEqual(got.fds, Array(20).fill(1));
        assert.deepEqual(got.after, Array(20).fill(0));
      } finally {
        worker.terminate();
      }
    },
  );
}
