/**
 * Stop 19 (h2), NumPy-made files and hostile headers, with NumPy 1.24 as
 * the oracle.
 *
 * Found before the fixes:
 * - An NPY 3.0 header that starts with a UTF-8 byte order mark
 *   (EF BB BF) was read as if the mark were not there: `TextDecoder`
 *   drops a leading BOM unless told not to, while NumPy decodes it to
 *   U+FEFF, which Python's parser refuses (`np.load` raises "Cannot parse
 *   header"). The file was read and appended to.
 * - A stack's `info` pickle lost the same mark at the start of a string:
 *   a field name that starts with U+FEFF made the stack refused by its own
 *   reader (`pickle.load` keeps the mark).
 * - A field whose type is a sub-array of a sub-array (NumPy's
 *   `('a', ('<f8', (2,)), (3,))`) in a stack's `info` pickle: the writer
 *   pickled it as the one-level `('a', '<f8', (3, 2))`, another dtype to
 *   NumPy, and the reader read NumPy's pickle of it as `('a', '|V16', (3,))`;
 *   either way the stack was refused against its own shards.
 * - Stack info pickles of dtypes Python pickles differently: a field name
 *   with a lone surrogate (`'\ud800'`, which `pickle` writes with
 *   `surrogatepass`) was written as U+FFFD, and Python's bytes of it were
 *   refused as bad UTF-8; a dict of more than 1,000 entries (fields) is
 *   written in batches of 1,000, as `pickle` writes it (the bytes differed).
 * - An append past 2**53 - 1 items on the growth axis (a NumPy-made file of
 *   shape `(2**53 - 1, 0)`) said only "the array grows too large"; it now
 *   says where the limit is and what to do.
 * - `NpyReader`'s `readSync` (and `batchesSync`), and `read` on an
 *   asynchronous file, threw the decoder's refusals (items that would make
 *   too many values, from a hostile header) without the file's name.
 *
 * Held (swept, not kept here: the sweep generated about 1,900 NumPy-made
 * files and 300 hand-made headers; see DECISIONS, stop 19 (h2)).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type FileLike,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  NpyStackWriterSync,
  parseDType,
  parseHeader,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { encodeHeader } from "../src/header.ts";
import { unpickleStackInfo } from "../src/_pickle.ts";

/** A `.npy` file of version `major` whose header bytes are `body` (padded). */
function handMade(major: 1 | 2 | 3, body: Uint8Array, data: Uint8Array) {
  const prefix = major === 1 ? 10 : 12;
  const pad = 63 - ((prefix + body.length) % 64);
  const hlen = body.length + pad + 1;
  const out = new Uint8Array(prefix + hlen + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, hlen, true);
  else view.setUint32(8, hlen, true);
  out.set(body, prefix);
  out.fill(0x20, prefix + body.length, prefix + hlen - 1);
  out[prefix + hlen - 1] = 0x0a;
  out.set(data, prefix + hlen);
  return out;
}

/** Whether `np.load` reads each file (true) or raises (false). */
function npLoads(paths: string[]): boolean[] {
  return JSON.parse(runPython(
    `import json, sys
import numpy as np
out = []
for p in sys.argv[1:]:
    try:
        np.load(p)
        out.append(True)
    except Exception:
        out.append(False)
print(json.dumps(out))`,
    paths,
  ));
}

describe("an NPY 3.0 header with a byte order mark", () => {
  const opts = numpyTestOptions();
  const utf8 = new TextEncoder();
  const header =
    "{'descr': [('\u03a9', '<f8')], 'fortran_order': False, 'shape': (2,), }";
  const data = new Uint8Array(new Float64Array([1.5, -2]).buffer);
  const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
  const withBom = (text: string) => {
    const t = utf8.encode(text);
    const out = new Uint8Array(bom.length + t.length);
    out.set(bom);
    out.set(t, bom.length);
    return out;
  };
  const cases: [string, Uint8Array][] = [
    ["bom.npy", handMade(3, withBom(header), data)],
    [
      "bom_ascii.npy",
      handMade(
        3,
        withBom("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"),
        data,
      ),
    ],
  ];

  test(
    "is refused as np.load refuses it, and the file is left as it was",
    opts,
    () => {
      const dir = tempDir();
      const paths = cases.map(([name, bytes]) => {
        const p = join(dir, name);
        writeFileSync(p, bytes);
        return p;
      });
      // The same header without the mark: read by both (the control).
      const plain = join(dir, "plain.npy");
      writeFileSync(plain, handMade(3, utf8.encode(header), data));
      assert.deepEqual(npLoads([...paths, plain]), [false, false, true]);
      assert.deepEqual(readNpySync(plain).data, [{ "\u03a9": 1.5 }, {
        "\u03a9": -2,
      }]);
      for (const [i, p] of paths.entries()) {
        const bytes = cases[i]![1];
        assert.throws(
          () => parseHeader(bytes),
          (e: Error) =>
            e instanceof NpyFormatError && e.code === "bad-header" &&
            /U\+FEFF|byte order mark/.test(e.message),
        );
        assert.throws(
          () => readNpySync(p),
          (e: Error) =>
            e instanceof NpyFormatError && e.message.includes(p) &&
            /byte order mark/.test(e.message),
        );
        assert.throws(
          () => NpyAppendArraySync.open(p),
          (e: Error) => e instanceof NpyFormatError && e.message.includes(p),
        );
        assert.deepEqual(new Uint8Array(readFileSync(p)), bytes);
      }
    },
  );
});

describe("a stack's info file: a field name that starts with U+FEFF", () => {
  test("is read back as pickle.load reads it", numpyTestOptions(), () => {
    const dir = join(tempDir(), "stack");
    const name = "\ufeffa";
    const w = NpyStackWriterSync.open(dir, { dtype: [[name, "<i4"]] });
    w.append({ data: [{ [name]: 1 }, { [name]: 2 }], shape: [2] });
    w.close();
    const info = runPython(
      `import pickle, sys
print(ascii(pickle.load(open(sys.argv[1], "rb"))["dtype"].names))`,
      [join(dir, "info")],
    );
    assert.equal(info.trim(), "('\\ufeffa',)");
    // The pickle reader dropped the mark (TextDecoder's default), and the
    // stack was refused: its info disagreed with its shard.
    const r = readNpyStackSync(dir);
    assert.equal(r.dtype, "[('\\ufeffa', '<i4')]");
    assert.deepEqual(r.data, [{ [name]: 1 }, { [name]: 2 }]);
  });
});

describe("NpyReader: the decoder's refusals name the file", () => {
  // Three items of a zero-byte record whose sub-array has 2**32 x 0
  // values: NumPy refuses it; here the decoder refuses to make the values.
  const bytes = encodeHeader({
    dtype: "[('a', '|u1', (4294967296, 0))]",
    fortranOrder: false,
    shape: [3],
  });
  const named = (name: string) => (e: Error) =>
    e instanceof NpyFormatError && e.code === "too-large" &&
    e.message.includes(name);

  test("readSync and batchesSync", () => {
    const p = join(tempDir(), "zero_values.npy");
    writeFileSync(p, bytes);
    const reader = NpyReader.openSync(p);
    try {
      assert.throws(() => reader.readSync(), named(p));
      assert.throws(() => [...reader.batchesSync()], named(p));
    } finally {
      reader.closeSync();
    }
  });

  test("read on an asynchronous file", async () => {
    const file: FileLike = {
      read: (buffer, position) => {
        const part = bytes.subarray(position, position + buffer.length);
        buffer.set(part);
        return new Promise((ok) => setTimeout(() => ok(part.length), 1));
      },
      write: () => Promise.reject(new Error("read only")),
      size: () => Promise.resolve(bytes.length),
    };
    const reader = await NpyReader.open(file);
    try {
      await assert.rejects(reader.read(), named("the file object"));
    } finally {
      await reader.close();
    }
  });
});

describe("a stack of a field that is a sub-array of a sub-array", () => {
  const descr = "[('a', ('<f8', (2,)), (3,)), ('b', ('<i2', (2, 1)), (1,))]";
  const rows = [
    { a: [[1, 2], [3, 4], [5, 6]], b: [[[7], [8]]] },
    { a: [[-1, -2], [-3, -4], [-5, -6]], b: [[[9], [10]]] },
  ];

  test(
    "the info pickle is Python's, and the stack reads back",
    numpyTestOptions(),
    () => {
      const dir = join(tempDir(), "stack");
      const w = NpyStackWriterSync.open(dir, { dtype: descr });
      w.append({ data: rows, shape: [2] });
      w.close();
      const same = runPython(
        `import pickle, sys
import numpy as np
info = open(sys.argv[1] + "/info", "rb").read()
want = pickle.dumps({"chunks": ((2,),), "dtype": np.dtype(eval(sys.argv[2])), "axis": 0}, protocol=2)
print(info == want, pickle.loads(info)["dtype"].descr)`,
        [dir, descr],
      );
      assert.equal(same.trim(), `True ${descr}`);
      const r = readNpyStackSync(dir);
      assert.equal(r.dtype, descr);
      assert.deepEqual(r.data, rows);
    },
  );

  test(
    "NumPy's pickle of it, in every protocol, is read",
    numpyTestOptions(),
    () => {
      const base = tempDir();
      runPython(
        `import os, pickle, sys
import numpy as np
dt = np.dtype(eval(sys.argv[2]))
a = np.zeros(2, dt)
a["a"] = np.arange(12).reshape(2, 3, 2)
a["b"] = np.arange(4).reshape(2, 1, 2, 1)
for proto in (2, 3, 4, 5):
    d = os.path.join(sys.argv[1], "p%d" % proto)
    os.makedirs(d)
    np.save(os.path.join(d, "0.npy"), a)
    with open(os.path.join(d, "info"), "wb") as f:
        pickle.dump({"chunks": ((2,),), "dtype": dt, "axis": 0}, f, protocol=proto)`,
        [base, descr],
      );
      for (const proto of [2, 3, 4, 5]) {
        const r = readNpyStackSync(join(base, `p${proto}`));
        assert.equal(r.dtype, descr, `protocol ${proto}`);
        assert.deepEqual(r.data, [
          { a: [[0, 1], [2, 3], [4, 5]], b: [[[0], [1]]] },
          { a: [[6, 7], [8, 9], [10, 11]], b: [[[2], [3]]] },
        ]);
      }
    },
  );
});

describe("stack info pickles byte for byte as Python's", () => {
  const cases: [string, string, unknown[]][] = [
    ["surrogate", "[('\\ud800', '|u1'), ('b\\udfffc', '<i2')]", [
      { "\ud800": 1, "b\udfffc": -2 },
    ]],
    [
      "many",
      `[${
        Array.from({ length: 1001 }, (_, i) => `('f${i}', '|u1')`).join(", ")
      }]`,
      [Object.fromEntries(
        Array.from({ length: 1001 }, (_, i) => [`f${i}`, i % 256]),
      )],
    ],
    [
      "exactly 1000",
      `[${
        Array.from({ length: 1000 }, (_, i) => `('f${i}', '|u1')`).join(", ")
      }]`,
      [Object.fromEntries(
        Array.from({ length: 1000 }, (_, i) => [`f${i}`, i % 256]),
      )],
    ],
  ];
  for (const [name, descr, rows] of cases) {
    test(name, numpyTestOptions(), () => {
      const base = tempDir();
      const dir = join(base, "ours");
      const w = NpyStackWriterSync.open(dir, {
        dtype: descr,
        maxHeaderSize: 1 << 20,
      });
      w.append({ data: rows, shape: [1] });
      w.close();
      const same = runPython(
        `import os, pickle, sys
import numpy as np
dt = np.dtype(eval(sys.argv[2]))
info = open(sys.argv[1] + "/ours/info", "rb").read()
print(info == pickle.dumps({"chunks": ((1,),), "dtype": dt, "axis": 0}, protocol=2))
a = np.load(sys.argv[1] + "/ours/0.npy", max_header_size=1 << 20)
for proto in (2, 5):
    d = os.path.join(sys.argv[1], "p%d" % proto)
    os.makedirs(d)
    np.save(os.path.join(d, "0.npy"), a)
    with open(os.path.join(d, "info"), "wb") as f:
        pickle.dump({"chunks": ((1,),), "dtype": dt, "axis": 0}, f, protocol=proto)`,
        [base, descr],
      );
      assert.equal(same.trim(), "True");
      for (const sub of ["ours", "p2", "p5"]) {
        const info = unpickleStackInfo(
          new Uint8Array(readFileSync(join(base, sub, "info"))),
          sub,
        );
        assert.equal(info.dtype?.str, parseDType(descr).str, sub);
        // The stack readers take no maxHeaderSize: the long header of the
        // 1,000 fields is past their 10,000 characters.
        if (name !== "surrogate") continue;
        const r = readNpyStackSync(join(base, sub));
        assert.deepEqual(r.data, rows, sub);
      }
    });
  }
});

test("an append past 2**53 - 1 items names the limit and the fix", () => {
  const file = new MemoryFile(
    encodeHeader({
      dtype: "<f8",
      fortranOrder: false,
      shape: [2 ** 53 - 1, 0],
    }),
  );
  const before = file.bytes().slice();
  const w = NpyAppendArraySync.open(file);
  try {
    assert.throws(
      () => w.append({ data: new Float64Array(0), shape: [1, 0] }),
      (e: Error) =>
        e instanceof RangeError && /2\*\*53 - 1/.test(e.message) &&
        /another file/.test(e.message) && e.message.includes("file object"),
    );
  } finally {
    w.close();
  }
  assert.deepEqual(file.bytes(), before);
});
