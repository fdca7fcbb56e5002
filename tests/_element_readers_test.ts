/**
 * `U` strings read back exactly: lone high and low surrogates stay single
 * UTF-16 units, so a read followed by an append writes the same code
 * points (NumPy's bytes), in plain arrays, big-endian arrays and record
 * fields. Files come from NumPy.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  parseDType,
  readNpySync,
} from "../mod.ts";
import { elementReader } from "../src/_element_readers.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const STRINGS = [
  "\\ud800", // lone high surrogate
  "a\\udfffb", // lone low surrogate inside
  "\\udbff", // highest high surrogate
  "\\udc00z", // lowest low surrogate first
  "\\U0001F600x", // astral character
  "\\U0010FFFF", // last code point
  "\\udfff\\ud800", // low then high: no pair
  "x\\ud83d", // high surrogate at the end
  "",
  "\\x00a", // leading NUL is kept, trailing ones are padding
];

const MAKE = `
import sys, os, json
import numpy as np
out = sys.argv[1]
strs = [${STRINGS.map((s) => `'${s}'`).join(", ")}]
for order in '<>':
    a = np.array(strs, dtype=order + 'U4')
    np.save(os.path.join(out, f'u{order == "<"}.npy'), a)
    np.save(os.path.join(out, f'u{order == "<"}_twice.npy'), np.concatenate([a, a]).astype(a.dtype))
rec = np.zeros(len(strs), dtype=[('s', '<U3'), ('n', '<i2')])
rec['s'] = [s[:3] for s in strs]
rec['n'] = np.arange(len(strs))
np.save(os.path.join(out, 'rec.npy'), rec)
np.save(os.path.join(out, 'rec_twice.npy'), np.concatenate([rec, rec]))
print(json.dumps([[ord(c) for c in s] for s in np.load(os.path.join(out, 'uTrue.npy'))]))
`;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function codePoints(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}

test("U reader: a lone surrogate is one UTF-16 unit, past U+10FFFF is refused", () => {
  const read = elementReader(parseDType("<U2"));
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  for (const code of [0xd800, 0xdbff, 0xdc00, 0xdfff]) {
    view.setUint32(0, code, true);
    view.setUint32(4, 0x41, true);
    assert.deepEqual(codePoints(read(view, 0) as string), [code, 0x41]);
  }
  view.setUint32(0, 0x110000, true);
  assert.throws(() => read(view, 0), {
    name: "NpyFormatError",
    message: /holds the code point \\U00110000, past U\+10FFFF/,
  });
  view.setUint32(0, 0x1f600, true);
  assert.equal(read(view, 0), "\u{1f600}A");
});

test(
  "U strings with lone surrogates survive a read and an append, as np.save writes them",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const expected = JSON.parse(runPython(MAKE, [dir])) as number[][];
    for (const name of ["uTrue", "uFalse", "rec"]) {
      const bytes = new Uint8Array(readFileSync(join(dir, `${name}.npy`)));
      const arr = readNpySync(new MemoryFile(bytes));
      if (name === "uTrue") {
        assert.deepEqual((arr.data as string[]).map(codePoints), expected);
      }
      // Append onto the NumPy file itself.
      const file = new MemoryFile(bytes.slice());
      const w = NpyAppendArraySync.open(file);
      w.append({ data: arr.data as unknown[], shape: arr.shape });
      w.close();
      assert.equal(
        hex(file.bytes()),
        hex(readFileSync(join(dir, `${name}_twice.npy`))),
        name,
      );
      // A new file of the same dtype.
      const fresh = new MemoryFile();
      const n = NpyAppendArraySync.open(fresh, { dtype: arr.dtype });
      n.append({ data: arr.data as unknown[], shape: arr.shape });
      n.close();
      assert.equal(hex(fresh.bytes()), hex(bytes), `${name} anew`);
    }
  },
);

test(
  "strings with lone surrogates infer U<n> counting code points, as NumPy does",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    runPython(
      `import sys, numpy as np; np.save(sys.argv[1] + '/s.npy', np.array(['\\ud800\\U0001F600', 'ab\\udc00']))`,
      [dir],
    );
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file);
    w.append([
      String.fromCharCode(0xd800) + "\u{1f600}",
      "ab" + String.fromCharCode(0xdc00),
    ]);
    w.close();
    assert.equal(hex(file.bytes()), hex(readFileSync(join(dir, "s.npy"))));
  },
);

test("the CLI's concat keeps lone surrogates", {
  ...numpyTestOptions(),
  timeout: 120_000,
}, () => {
  const dir = tempDir();
  runPython(
    `
import sys, os
import numpy as np
d = sys.argv[1]
a = np.array(['\\ud800', 'a\\udfffb', '\\U0001F600'], dtype='<U3')
b = np.array(['x\\udbff', '\\udc00'], dtype='>U2')
np.save(os.path.join(d, 'a.npy'), a)
np.save(os.path.join(d, 'b.npy'), b)
np.save(os.path.join(d, 'want.npy'), np.concatenate([a, b]))
`,
    [dir],
  );
  const [exe, pre] = scriptCommand(
    new URL("../cli.ts", import.meta.url),
    ["-R", "-W", "--no-lock"],
  );
  const out = join(dir, "out.npy");
  const res = spawnSync(
    exe,
    [...pre, "concat", out, join(dir, "a.npy"), join(dir, "b.npy")],
    { encoding: "utf8" },
  );
  assert.equal(res.status, 0, res.stderr);
  assert.equal(
    hex(readFileSync(out)),
    hex(readFileSync(join(dir, "want.npy"))),
  );
});
