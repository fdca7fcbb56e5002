/**
 * The lock under Deno's permissions (the lock itself is tested on every
 * runtime in `lock_test.ts`): a writer run with only `-R -W` takes a free
 * lock without prompting; it cannot tell whether a recorded holder is
 * alive (`--allow-run` is needed for that), so it refuses a lock left by a
 * dead process with a message naming the fix, and takes it over when run
 * with `--allow-run`.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const CHILD = fileURLToPath(new URL("./_lock_child.ts", import.meta.url));

// `scripts/test_all.ts` runs `*_deno_test.ts` under Deno only; a plain
// `bun test` loads it too, and then registers nothing.
const underDeno = typeof (globalThis as { Deno?: unknown }).Deno !==
  "undefined";

if (underDeno) describeLock();

function child(flags: string[], path: string, mode = "try"): string {
  const r = spawnSync(
    Deno.execPath(),
    ["run", "--no-prompt", ...flags, CHILD, mode, path],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function describeLock(): void {
  describe("lock under Deno permissions", () => {
    test("-R -W: a free lock is taken and released, no prompt", () => {
      const path = join(tempDir(), "free.npy");
      assert.equal(child(["-R", "-W"], path), "opened");
      assert.equal(existsSync(`${path}.lock`), false);
    });

    test("-R -W: a second writer in the same process is refused", () => {
      const path = join(tempDir(), "twice.npy");
      assert.equal(
        child(["-R", "-W"], path, "twice"),
        `NpyLockedError: Cannot open "${path}": this process holds it (another writer or maintenance call); close that first`,
      );
      assert.equal(existsSync(`${path}.lock`), false);
    });

    test("-R -W: a dead holder cannot be judged; --allow-run takes over", () => {
      const path = join(tempDir(), "stale.npy");
      const dead = spawnSync(Deno.execPath(), ["--version"]).pid;
      writeFileSync(
        `${path}.lock`,
        JSON.stringify({ pid: dead, start: null, host: "", runtime: "deno" }),
      );
      assert.equal(
        child(["-R", "-W"], path),
        `NpyLockedError: Cannot open "${path}": it is held by pid ${dead} (deno) on an unknown host, and Deno may not tell whether that process is alive without --allow-run; close that writer, run with --allow-run (or -A) to take over a lock left by a dead process, or remove "${path}.lock" if that process is gone`,
      );
      assert.equal(child(["-R", "-W", "--allow-run"], path), "opened");
      assert.equal(existsSync(`${path}.lock`), false);
      assert.equal(existsSync(path), false);
      assert.throws(() => readNpySync(path), { code: "ENOENT" });
    });

    test("-R only: a writer is refused naming the file it opens and the flag, nothing left", () => {
      const dir = tempDir();
      for (const name of ["new.npy", "old.npy"]) {
        const path = join(dir, name);
        if (name === "old.npy") writeFileSync(path, "");
        const out = child(["-R"], path);
        assert.ok(
          out.startsWith(
            `NotCapable: Cannot open "${path}": Requires write access to `,
          ),
          out,
        );
        assert.match(out, /run again with the --allow-write flag$/);
      }
      assert.deepEqual(readdirSync(dir), ["old.npy"]);
      // Reading needs no more than -R.
      const path = join(dir, "new.npy");
      assert.match(
        child(["-W"], path),
        /^NotCapable: Cannot open "[^"]+new\.npy": Requires read access to /,
      );
    });
  });
}
