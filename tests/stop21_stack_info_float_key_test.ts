/**
 * Stop 21 (h6): an `info` holding a float under a key of its own (a
 * timestamp a user's script added: `info['created'] = time.time()`).
 * Dask's `from_npy_stack` reads only `chunks`, `dtype` and `axis`, so it
 * reads the stack; the readers refused the whole `info` ("opcode 0x47 ...
 * is not supported"). A float stays refused where Dask fails on it too:
 * as a chunk or as the axis.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  NpyFormatError,
  NpyStackWriterSync,
  readNpyStackSync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const EDIT = `
import sys, pickle, numpy as np, dask.array as da
d, edit, proto = sys.argv[1], sys.argv[2], int(sys.argv[3])
da.to_npy_stack(d, da.from_array(np.arange(8.), chunks=((3, 5),)))
info = pickle.load(open(d + '/info', 'rb'))
exec(edit)
pickle.dump(info, open(d + '/info', 'wb'), proto)
try:
    print(da.from_npy_stack(d).compute().tolist())
except Exception as e:
    print('refused')
`;

for (const proto of [0, 1, 2, 4, 5]) {
  test(
    `a float under an extra key (protocol ${proto}) is read, as Dask reads it`,
    numpyTestOptions(),
    () => {
      const dir = join(tempDir(), "s");
      const dask = runPython(EDIT, [
        dir,
        "info['created'] = 1733050000.25; info['nums'] = [float('nan'), -0.0, 1e300]",
        String(proto),
      ]);
      assert.equal(dask.trim(), "[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]");
      assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
      ]);
      {
        using w = NpyStackWriterSync.open(dir);
        w.append(new Float64Array([8]));
      }
      assert.equal(
        runPython(
          "import sys, dask.array as da; print(da.from_npy_stack(sys.argv[1]).compute().tolist()[-2:])",
          [dir],
        ).trim(),
        "[7.0, 8.0]",
      );
    },
  );
}

for (
  const [what, edit] of [
    ["a chunk", "info['chunks'] = ((3.0, 5),)"],
    ["the axis", "info['axis'] = 0.0"],
  ] as [string, string][]
) {
  test(`a float as ${what} stays refused`, numpyTestOptions(), () => {
    const dir = join(tempDir(), "s");
    runPython(EDIT, [dir, edit, "2"]);
    assert.throws(
      () => readNpyStackSync(dir),
      (e) =>
        e instanceof NpyFormatError && e.message.includes(join(dir, "info")),
    );
  });
}
