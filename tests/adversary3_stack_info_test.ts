/**
 * Adversary round 3: a stack whose `info` is garbage or a pickle of
 * something else (an empty one, or one of zeros, which a power cut after
 * its rename leaves, is rebuilt from the shards: `power_loss_test.ts`).
 * Readers, writers and
 * `recoverStack` refuse it; the message said "rewrite it with
 * recoverStack", which refused it too, with the same message. It now says
 * what works: remove it and run recoverStack, which writes it again from
 * the shards (and then NumPy and the readers see every row).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { hasNumpy, runPython, tempDir } from "./_numpy.ts";

const BAD_INFOS: Array<[string, Uint8Array]> = [
  ["garbage", new TextEncoder().encode("garbage")],
  ["an empty dict", new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e])],
];

for (const [name, bytes] of BAD_INFOS) {
  test(`a stack whose info is ${name}: the message's fix works`, () => {
    const root = tempDir();
    try {
      const dir = join(root, "s");
      const w = NpyStackWriterSync.open(dir, { shardRows: 4, dtype: "<i4" });
      w.append(Int32Array.from({ length: 10 }, (_, i) => i));
      w.close();
      writeFileSync(join(dir, "info"), bytes);
      let message = "";
      assert.throws(() => recoverStackSync(dir), (e: unknown) => {
        assert.ok(e instanceof NpyFormatError);
        assert.equal(e.code, "damaged-stack");
        message = e.message;
        return true;
      });
      assert.match(message, /remove it and run recoverStack/);
      rmSync(join(dir, "info"));
      assert.deepEqual(recoverStackSync(dir), [10]);
      assert.deepEqual(
        [...readNpyStackSync(dir).data as Int32Array],
        Array.from({ length: 10 }, (_, i) => i),
      );
      if (hasNumpy()) {
        const out = runPython(
          `
import sys, pickle, numpy as np
d = sys.argv[1]
info = pickle.load(open(d + "/info", "rb"))
a = np.concatenate([np.load(f"{d}/{i}.npy") for i in range(len(info["chunks"][0]))])
print("ok" if info["chunks"] == ((4, 4, 2),) and (a == np.arange(10)).all() else "BAD")
`,
          [dir],
        );
        assert.equal(out.trim(), "ok");
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
