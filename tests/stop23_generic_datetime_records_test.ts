/**
 * Stop 23 (h1): a record with a generic `M8` field (datetime64 with no
 * unit) holding ticks takes its own rows back, as `np.concatenate` does.
 *
 * NumPy makes such files (`astype("M8", casting="unsafe")`, a `view`, a
 * field filled from raw bytes), and stop 21 kept "a file's own rows append
 * back" for a top-level generic `M8`. Rows of a record read by
 * `readNpySync` or `NpyReader` carry the record's dtype, but each field's
 * value is a bigint, and the element writer refused it as an integer into
 * a generic datetime ("needs a unit"): the file could not grow by its own
 * rows (nested records, titles, sub-arrays, big-endian alike), nor a new
 * file be written from them. Values given with a dtype naming a generic
 * `M8` at that place are that dtype's values (ticks of no unit), as a
 * `BigInt64Array` with `dtype: "<M8"` already was; bare integers into a
 * generic `M8` stay refused (stop 21).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyReader,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const DTYPES = [
  `[("a", "<M8")]`,
  `[("a", ">M8"), ("b", "<i2")]`,
  `[(("title", "a"), "<M8"), ("b", "<m8")]`,
  `[("a", [("b", "<M8"), ("c", "u1")])]`,
  `[("a", "<M8", (2, 3))]`,
  `[("a", [("b", ">M8", (2,))], (2,))]`,
  `np.dtype({"names": ["a", "b"], "formats": ["<M8", "<f8"], "offsets": [0, 16], "itemsize": 32})`,
];

/**
 * Saves, per dtype, `k.npy` (three records whose bytes count up from 1,
 * so every `M8` holds a tick that is not NaT; padding zero) and `k_2.npy`
 * (the same rows twice, `np.concatenate`'s, in the same dtype).
 */
function makeFiles(dir: string): string[] {
  runPython(
    `import sys
import numpy as np
d = sys.argv[1]
for k, spec in enumerate(sys.argv[2:]):
    dt = np.dtype(eval(spec))
    a = np.zeros(3, dt)
    raw = a.view("u1")
    raw[:] = (np.arange(raw.size) % 251 + 1).astype("u1")
    z = np.zeros(3, dt)  # zero padding, as in arrays NumPy makes anew
    for name in dt.names:
        z[name] = a[name]
    a = z
    np.save(f"{d}/{k}.npy", a)
    # np.concatenate's rows, in the file's dtype (np.concatenate turns a
    # ">M8" field native) and with zero padding (it leaves stray bytes).
    b = np.zeros(6, dt)
    b[:3] = a
    b[3:] = a
    np.save(f"{d}/{k}_2.npy", b)`,
    [dir, ...DTYPES],
  );
  return DTYPES.map((_, k) => join(dir, `${k}.npy`));
}

test(
  "a record's generic M8 ticks append back, as np.concatenate",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    for (const [k, src] of makeFiles(dir).entries()) {
      const twice = new Uint8Array(readFileSync(join(dir, `${k}_2.npy`)));
      const rows = readNpySync(src);
      // The whole file read, appended to a copy of itself.
      const out = join(dir, `${k}_out.npy`);
      copyFileSync(src, out);
      const npy = NpyAppendArraySync.open(out);
      npy.append(rows);
      npy.close();
      assert.deepEqual(new Uint8Array(readFileSync(out)), twice, DTYPES[k]);
      // Rows read by NpyReader, appended to a copy.
      const out2 = join(dir, `${k}_rows.npy`);
      copyFileSync(src, out2);
      {
        await using reader = await NpyReader.open(src);
        using w = NpyAppendArraySync.open(out2);
        w.append(await reader.read(0, 2));
        w.append(reader.readSync(2, 3));
      }
      assert.deepEqual(new Uint8Array(readFileSync(out2)), twice, DTYPES[k]);
      // A new file of the read dtype, from the rows: np.save's bytes.
      const mem = new MemoryFile();
      const fresh = NpyAppendArraySync.open(mem, { dtype: rows.dtype });
      fresh.append(rows);
      fresh.close();
      assert.deepEqual(
        mem.bytes(),
        new Uint8Array(readFileSync(src)),
        DTYPES[k],
      );
    }
  },
);

test(
  "values given with a generic M8 dtype are its ticks; bare integers stay refused",
  numpyTestOptions(),
  () => {
    const dtype = "[('t', '<M8'), ('u', '|u1')]";
    const mem = new MemoryFile();
    const npy = NpyAppendArraySync.open(mem, { dtype });
    npy.append({ data: [{ t: 5n, u: 1 }], shape: [1], dtype });
    assert.throws(
      () => npy.append([{ t: 6n, u: 2 }]),
      (e: Error) => e instanceof RangeError && /needs a unit/.test(e.message),
    );
    npy.close();
    const top = new MemoryFile();
    const t = NpyAppendArraySync.open(top, { dtype: "<M8" });
    t.append({ data: [5n, -7], shape: [2], dtype: "<M8" });
    assert.throws(
      () => t.append([5n]),
      (e: Error) => e instanceof RangeError && /needs a unit/.test(e.message),
    );
    t.close();
    const want = JSON.parse(runPython(
      `import io, json
import numpy as np
out = []
for a in (np.array([(5, 1)], [("t", "<i8"), ("u", "u1")]).view([("t", "<M8"), ("u", "u1")]),
          np.array([5, -7]).astype("M8", casting="unsafe")):
    b = io.BytesIO(); np.save(b, a); out.append(list(b.getvalue()))
print(json.dumps(out))`,
    )) as number[][];
    assert.deepEqual([...mem.bytes()], want[0]);
    assert.deepEqual([...top.bytes()], want[1]);
  },
);
