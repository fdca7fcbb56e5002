/**
 * Adversary round 8: stacks whose shards are in the other order than the
 * stack. `info` says along which axis Dask joined the shards; this library
 * reads stacks joined along axis 0 of C-order shards and along the last
 * axis of Fortran-order ones, and took the order from `info` alone:
 *
 * - Dask's `to_npy_stack(x, axis=1)` of a C-order 2-d array (and axis 2 of
 *   a 3-d one) was refused as damaged, with the advice to remove `info`
 *   and run `recoverStack`, which would have joined its shards along the
 *   wrong axis; the same for `axis=0` over Fortran-order chunks, where
 *   that advice rebuilds a (2, 30) stack out of a (6, 10) one;
 * - a C-order stack followed by a Fortran-order shard `info` does not
 *   list yet was read as one Fortran-order array of another shape, its
 *   values shuffled, with no error.
 *
 * Now a shard whose header states the other order (on a shape where the
 * order matters) is refused: `cannot-grow` when `info` set the order
 * (read such a stack with Dask), `damaged-stack` for a later shard.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackReader,
  NpyStackWriterSync,
  readNpyStackSync,
  recoverStackSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    out[name] = readFileSync(join(dir, name)).toString("hex");
  }
  return out;
}

/** Every entry point refuses `dir` with `code`, changing no byte. */
function refusedEverywhere(
  dir: string,
  code: string,
  message: RegExp,
): void {
  const before = snapshot(dir);
  const check = (e: unknown): boolean => {
    assert.ok(e instanceof NpyFormatError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(`"${dir}"`), e.message);
    assert.match(e.message, message);
    return true;
  };
  assert.throws(() => readNpyStackSync(dir), check);
  assert.throws(() => NpyStackReader.openSync(dir), check);
  assert.throws(() => NpyStackWriterSync.open(dir).close(), check);
  assert.throws(() => recoverStackSync(dir), check);
  assert.deepEqual(snapshot(dir), before);
}

describe(
  "adversary 8: shards in the other order than the stack",
  numpyTestOptions(),
  () => {
    for (
      const [name, make] of [
        [
          "Dask, axis 1 of C-order chunks",
          `x = np.arange(60, dtype="<i4").reshape(6, 10)
da.to_npy_stack(d, da.from_array(x, chunks=(6, 4)), axis=1)`,
        ],
        [
          "Dask, axis 2 of a 3-d array",
          `x = np.arange(24, dtype=">f8").reshape(2, 3, 4)
da.to_npy_stack(d, da.from_array(x, chunks=(2, 3, 3)), axis=2)`,
        ],
        [
          "Dask's info, axis 0 of Fortran-order chunks",
          `x = np.asfortranarray(np.arange(60, dtype="<i4").reshape(6, 10))
da.to_npy_stack(d, da.from_array(x, chunks=(2, 10)), axis=0)
for i in range(3):
    np.save(f"{d}/{i}.npy", np.asfortranarray(x[2 * i:2 * i + 2]))`,
        ],
      ] as const
    ) {
      test(`${name}: cannot-grow, read it with Dask, no byte changed`, () => {
        const dir = join(tempDir(), "s");
        const out = runPython(
          `
import sys, numpy as np, dask.array as da
d = sys.argv[1]
${make}
print(da.from_npy_stack(d).compute().shape)
`,
          [dir],
        );
        assert.match(out, /^\(/);
        refusedEverywhere(
          dir,
          "cannot-grow",
          /its info joins the shards along axis \d but .* order; .*dask\.array\.from_npy_stack/,
        );
      });
    }

    for (const withInfo of [true, false]) {
      test(
        `a C-order stack, then a Fortran-order shard ${
          withInfo ? "info does not list" : "(no info)"
        }: damaged-stack, no byte changed`,
        () => {
          const dir = join(tempDir(), "s");
          const w = NpyStackWriterSync.open(dir, {
            shardRows: 2,
            dtype: "<i4",
          });
          w.append({
            data: Int32Array.from({ length: 12 }, (_, i) => i),
            shape: [4, 3],
          });
          w.close();
          if (!withInfo) rmSync(join(dir, "info"));
          runPython(
            `
import sys, numpy as np
np.save(sys.argv[1], np.asfortranarray(np.arange(100, 112, dtype="<i4").reshape(4, 3)))
`,
            [join(dir, "2.npy")],
          );
          refusedEverywhere(
            dir,
            "damaged-stack",
            /"[^"]*2\.npy" is in Fortran order but the stack's shards are in C order/,
          );
        },
      );
    }
  },
);
