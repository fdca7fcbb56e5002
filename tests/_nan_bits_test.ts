/**
 * Float conversions keep NaN signs and payloads bit for bit as NumPy does
 * (R's NA, signalling NaNs, negative NaNs), and -0.0 and infinities, for
 * every pair of f2/f4/f8/c8/c16 that `np.concatenate` casts by default,
 * big-endian targets included; a read followed by an append of the same
 * dtype copies the bits. Files come from NumPy; bytes are compared with
 * `np.save`'s.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  readNpySync,
  type TypedArray,
} from "../mod.ts";
import { convertNaNBits, isNaNBits } from "../src/_nan_bits.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const MAKE = `
import sys, os, warnings
import numpy as np
warnings.simplefilter("ignore")
out = sys.argv[1]
f8 = np.array([0x7FF00000000007A2, 0x7FF0000000000001, 0x7FF4000000000000,
               0xFFF8000000000001, 0x7FFFFFFFFFFFFFFF, 0x7FF8000000000000,
               0xFFF00000DEADBEEF, 0x8000000000000000, 0x7FF0000000000000,
               0xFFF0000000000000, 0x3FF8000000000000, 0x0000000000000001],
              dtype='<u8').view('<f8')
f4 = np.array([0x7F800001, 0xFFA00001, 0x7FBFFFFF, 0x7FC00123, 0xFF800FFF,
               0x7FC00000, 0x80000000, 0x7F800000, 0x3FC00000, 0x00000001],
              dtype='<u4').view('<f4')
f2 = np.array([0x7C01, 0xFD55, 0x7DFF, 0x7FFF, 0xFE00, 0x7E00, 0x8000,
               0xFC00, 0x3E00, 0x0001], dtype='<u2').view('<f2')
srcs = {
    'f8': f8, 'f4': f4, 'f2': f2,
    'c16': f8 + 0j, 'c8': f4.astype('c8'),
}
# complex with NaN payloads in both parts
c16 = np.empty(len(f8), '<c16'); v = c16.view('<f8'); v[0::2] = f8; v[1::2] = f8[::-1]
c8 = np.empty(len(f4), '<c8'); v = c8.view('<f4'); v[0::2] = f4; v[1::2] = f4[::-1]
srcs['c16'] = c16; srcs['c8'] = c8
targets = ['<f2', '<f4', '<f8', '<c8', '<c16', '>f4', '>f8', '>c16', '>f2']
for name, a in srcs.items():
    np.save(os.path.join(out, f'src_{name}.npy'), a)
    np.save(os.path.join(out, f'twice_{name}.npy'), np.concatenate([a, a]))
    for t in targets:
        if np.can_cast(a.dtype, t, 'same_kind'):
            tag = t.replace('<', 'le_').replace('>', 'be_')
            np.save(os.path.join(out, f'exp_{name}_{tag}.npy'), a.astype(t))
`;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

test("NaN bits convert as NumPy's casts do", () => {
  // float64 -> float32: quiet bit set, payload shifted, sign kept.
  assert.equal(convertNaNBits(0x7FF00000000007A2n, 8, 4), 0x7FC00000n);
  assert.equal(convertNaNBits(0x7FF4000000000000n, 8, 4), 0x7FE00000n);
  assert.equal(convertNaNBits(0xFFF7FFFFE0000000n, 8, 4), 0xFFFFFFFFn);
  // float32 -> float64.
  assert.equal(convertNaNBits(0x7F800001n, 4, 8), 0x7FF8000020000000n);
  assert.equal(convertNaNBits(0xFFA00001n, 4, 8), 0xFFFC000020000000n);
  // float16 both ways: no quieting, stays a NaN.
  assert.equal(convertNaNBits(0x7FF00000000007A2n, 8, 2), 0x7C01n);
  assert.equal(convertNaNBits(0xFFA00001n, 4, 2), 0xFD00n);
  assert.equal(convertNaNBits(0x7C01n, 2, 4), 0x7F802000n);
  assert.equal(convertNaNBits(0xFD55n, 2, 8), 0xFFF5540000000000n);
  assert.ok(isNaNBits(0x7C01n, 2));
  assert.ok(!isNaNBits(0x7C00n, 2));
  assert.ok(isNaNBits(0x7FF00000000007A2n, 8));
  assert.ok(!isNaNBits(0xFFF0000000000000n, 8));
});

test(
  "NaN payloads, -0.0 and infinities survive reads and appends, as np.save writes them",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(MAKE, [dir]);
    const files = listFiles(dir);
    let checked = 0;
    for (const name of ["f2", "f4", "f8", "c8", "c16"]) {
      const srcBytes = readFileSync(join(dir, `src_${name}.npy`));
      const src = readNpySync(new MemoryFile(new Uint8Array(srcBytes)));
      const data = src.data as TypedArray;
      // Same dtype: a read then an append onto the NumPy file gives
      // np.concatenate's bytes.
      const same = new MemoryFile(new Uint8Array(srcBytes));
      const w = NpyAppendArraySync.open(same);
      w.append({ data, shape: src.shape, dtype: src.dtype });
      w.close();
      assert.equal(
        hex(same.bytes()),
        hex(readFileSync(join(dir, `twice_${name}.npy`))),
        `${name} appended to itself`,
      );
      for (const file of files) {
        const prefix = `exp_${name}_`;
        if (!file.startsWith(prefix)) continue;
        const target = file.slice(prefix.length, -4).replace("le_", "<")
          .replace("be_", ">");
        // f2 also as raw bits, the form where there is no Float16Array.
        const forms: TypedArray[] = name === "f2"
          ? [data, new Uint16Array(data.buffer, data.byteOffset, data.length)]
          : [data];
        for (const form of forms) {
          const out = new MemoryFile();
          const writer = NpyAppendArraySync.open(out, { dtype: target });
          writer.append({ data: form, shape: src.shape, dtype: src.dtype });
          writer.close();
          assert.equal(
            hex(out.bytes()),
            hex(readFileSync(join(dir, file))),
            `${name} (${form.constructor.name}) -> ${target}`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked >= 25, `only ${checked} conversions checked`);
  },
);

function listFiles(dir: string): string[] {
  return readdirSync(dir).sort();
}

const MAKE_RECORDS = `
import sys, os, warnings
import numpy as np
warnings.simplefilter("ignore")
out = sys.argv[1]
bits8 = np.array([0x7FF00000000007A2, 0x7FF0000000000001, 0xFFF8000000000001, 0x8000000000000000], dtype='<u8')
bits4 = np.array([0x7F800001, 0xFFA00001, 0x7FC00123, 0x80000000], dtype='<u4')
bits2 = np.array([0x7C01, 0xFD55, 0x7E00, 0x8000], dtype='<u2')
dt = np.dtype([('d', '<f8'), ('s', '>f4'), ('h', '<f2'), ('c', '<c16'), ('v', '<f4', (2,)),
               ('n', [('z', '<c8'), ('k', '<i2')])])
a = np.zeros(4, dt)
a['d'] = bits8.view('<f8')
a['s'] = bits4.view('<f4')
a['h'] = bits2.view('<f2')
c = np.zeros(4, '<c16'); c.view('<f8')[0::2] = bits8.view('<f8'); c.view('<f8')[1::2] = bits8[::-1].view('<f8')
a['c'] = c
a['v'][:, 0] = bits4.view('<f4'); a['v'][:, 1] = bits4[::-1].view('<f4')
z = np.zeros(4, '<c8'); z.view('<f4')[0::2] = bits4.view('<f4')
a['n']['z'] = z
a['n']['k'] = np.arange(4)
np.save(os.path.join(out, 'rec.npy'), a)
np.save(os.path.join(out, 'rec_twice.npy'), np.concatenate([a, a]).astype(a.dtype))
to = np.dtype([('d', '<f4'), ('s', '<f8'), ('h', '<f8'), ('c', '<c8'), ('v', '<f2', (2,)),
               ('n', [('z', '<c16'), ('k', '<i2')])])
np.save(os.path.join(out, 'rec_to.npy'), a.astype(to))
print(repr(to.descr))
`;

test(
  "NaN bits in record fields survive a read and an append, same dtype or cast",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const to = runPython(MAKE_RECORDS, [dir]).trim();
    const bytes = new Uint8Array(readFileSync(join(dir, "rec.npy")));
    const arr = readNpySync(new MemoryFile(bytes));
    const same = new MemoryFile(bytes.slice());
    const w = NpyAppendArraySync.open(same);
    w.append({ data: arr.data as unknown[], shape: arr.shape });
    w.close();
    assert.equal(
      hex(same.bytes()),
      hex(readFileSync(join(dir, "rec_twice.npy"))),
    );
    const out = new MemoryFile();
    const c = NpyAppendArraySync.open(out, { dtype: to });
    c.append({ data: arr.data as unknown[], shape: arr.shape });
    c.close();
    assert.equal(hex(out.bytes()), hex(readFileSync(join(dir, "rec_to.npy"))));
  },
);

test("the CLI's concat keeps NaN payloads, same dtype or cast", {
  ...numpyTestOptions(),
  timeout: 120_000,
}, () => {
  const dir = tempDir();
  runPython(
    `
import sys, os, warnings
import numpy as np
warnings.simplefilter("ignore")
d = sys.argv[1]
a = np.array([0x7FF00000000007A2, 0x7FF0000000000001, 0xFFF8000000000001], dtype='<u8').view('<f8')
b = np.array([0x7F800001, 0xFFA00001, 0x7FC00123], dtype='<u4').view('<f4')
np.save(os.path.join(d, 'a.npy'), a)
np.save(os.path.join(d, 'b.npy'), b)
np.save(os.path.join(d, 'want.npy'), np.concatenate([a, b, a]))
`,
    [dir],
  );
  const [exe, pre] = scriptCommand(
    new URL("../cli.ts", import.meta.url),
    ["-R", "-W", "--no-lock"],
  );
  const out = join(dir, "out.npy");
  const res = spawnSync(exe, [
    ...pre,
    "concat",
    out,
    join(dir, "a.npy"),
    join(dir, "b.npy"),
    join(dir, "a.npy"),
  ], { encoding: "utf8" });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(
    hex(readFileSync(out)),
    hex(readFileSync(join(dir, "want.npy"))),
  );
});
