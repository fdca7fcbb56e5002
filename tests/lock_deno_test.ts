/**
 * The Deno file lock (SPEC section 3): a writer opened from a path takes
 * an exclusive lock, so a second writer, in this process or another,
 * fails at once; `recover` and `ensureAppendable` respect it. Deno only:
 * Node and Bun have no lock API (see the README).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  ensureAppendable,
  isAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const LOCK_CHILD = `
import { NpyAppendArraySync } from "MOD";
try {
  NpyAppendArraySync.open(Deno.args[0]).close();
  console.log("opened");
} catch (e) {
  console.log(e.name + ": " + e.message);
}
`;

// `scripts/test_all.ts` runs `*_deno_test.ts` under Deno only; a plain
// `bun test` loads it too, and then registers nothing.
const underDeno = typeof (globalThis as { Deno?: unknown }).Deno !==
  "undefined";

if (underDeno) describeLock();

function describeLock(): void {
  describe("lock (Deno)", () => {
    test("a second writer in this process fails at once", () => {
      const dir = tempDir();
      const path = join(dir, "locked.npy");
      const first = NpyAppendArraySync.open(path);
      first.append(new Float64Array([1, 2, 3]));
      const message =
        `Cannot open ${path}: another writer holds its lock; close that writer first`;
      assert.throws(() => NpyAppendArraySync.open(path), { message });
      first.close();
      const again = NpyAppendArraySync.open(path);
      again.close();
    });

    test("a writer in another process fails at once", async () => {
      const dir = tempDir();
      const path = join(dir, "locked.npy");
      const script = join(dir, "child.ts");
      const mod = pathToFileURL(
        fileURLToPath(new URL("../mod.ts", import.meta.url)),
      ).href;
      writeFileSync(script, LOCK_CHILD.replace("MOD", mod));
      const first = await NpyAppendArray.open(path);
      await first.append(new Float64Array([1, 2, 3]));
      const run = () =>
        spawnSync(Deno.execPath(), ["run", "-A", script, path], {
          encoding: "utf8",
        });
      const held = run();
      assert.equal(
        held.stdout.trim(),
        `Error: Cannot open ${path}: another writer holds its lock; close that writer first`,
        held.stderr,
      );
      await first.close();
      const free = run();
      assert.equal(free.stdout.trim(), "opened", free.stderr);
    });

    test(
      "recover and ensureAppendable refuse a file a writer holds",
      async () => {
        const dir = tempDir();
        const path = join(dir, "held.npy");
        const first = NpyAppendArraySync.open(path);
        first.append(new Float64Array([1]));
        assert.throws(() => recoverSync(path), /a writer holds its lock/);
        await assert.rejects(
          ensureAppendable(path, { inplace: true }),
          /a writer holds its lock/,
        );
        // Reading is fine.
        assert.equal(isAppendableSync(path), true);
        first.close();
        assert.equal(recoverSync(path), true);
        assert.deepEqual(readNpySync(path).shape, [1]);
      },
    );
  });
}
