/**
 * The header codec against NumPy: the version NumPy picks (1.0, 2.0 when
 * over 65535 bytes, 3.0 only for characters outside latin1 after repr's
 * escapes), the version an existing file keeps when its header is
 * rewritten, the `maxHeaderSize` cap in characters, Python 2 `L` suffixes.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  ensureAppendableSync,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  parseHeader,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { mulberry32 } from "./_fuzz.ts";
import {
  fixtureBytes,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";

// Characters from every class repr treats apart.
const POOL = [
  0x61,
  0x7a,
  0x20,
  0x27,
  0x22,
  0x5c,
  0x09,
  0x0a,
  0x00,
  0x7f,
  0x85,
  0xa0,
  0xad,
  0xe9,
  0xff,
  0x100,
  0x378,
  0x540d,
  0x200b,
  0x200e,
  0x2028,
  0x2029,
  0x3000,
  0xd800,
  0xdfff,
  0xe000,
  0xfeff,
  0xffff,
  0x1f600,
  0x1d400,
  0xe0001,
  0xf0000,
  0x10ffff,
];

function randomNames(seed: number, count: number): number[][] {
  const rand = mulberry32(seed);
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const name: number[] = [];
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) {
      const c = POOL[Math.floor(rand() * POOL.length)]!;
      // A high surrogate right before a low one would pair up in JS.
      const prev = name[name.length - 1];
      if (
        prev !== undefined && prev >= 0xd800 && prev <= 0xdbff &&
        c >= 0xdc00 && c <= 0xdfff
      ) continue;
      name.push(c);
    }
    out.push(name);
  }
  return out;
}

test(
  "encodeHeader equals np.save's header for names repr escapes, version included",
  numpyTestOptions(),
  () => {
    const names = randomNames(11, 120);
    const want = JSON.parse(runPython(
      `import io, json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for cps in json.loads(sys.argv[1]):
    name = "".join(chr(c) for c in cps)
    f = io.BytesIO()
    np.save(f, np.zeros(2, dtype=[(name, "<f4"), ("z", "u1")]))
    out.append(list(f.getvalue()[:-10]))
print(json.dumps(out))`,
      [JSON.stringify(names)],
    )) as number[][];
    const versions = new Set<number>();
    for (const [i, cps] of names.entries()) {
      const name = String.fromCodePoint(...cps);
      const ours = encodeHeader({
        dtype: [[name, "<f4"], ["z", "u1"]],
        fortranOrder: false,
        shape: [2],
      });
      assert.deepEqual([...ours], want[i], JSON.stringify(name));
      versions.add(ours[6]!);
    }
    // Both 1.0 (escaped, latin1) and 3.0 (printable beyond latin1) occur.
    assert.deepEqual([...versions].sort(), [1, 3]);
  },
);

test("escaping decides the version: 1.0 for escaped, 3.0 for printable non-latin1", () => {
  const v = (name: string) =>
    encodeHeader({
      dtype: [[name, "<f4"]],
      fortranOrder: false,
      shape: [1],
    })[6];
  assert.equal(v("a\u00a0b"), 1);
  assert.equal(v("\u200b"), 1);
  assert.equal(v("\u{e0001}"), 1);
  assert.equal(v("\ue000"), 1);
  assert.equal(v("\u0100"), 3);
  assert.equal(v("\u{1f600}"), 3);
  // Long enough once escaped: 2.0, still latin1.
  const many = Array.from(
    { length: 3000 },
    (_, i) => [`\u200b${i}`, "u1"] as [string, string],
  );
  assert.equal(
    encodeHeader({ dtype: many, fortranOrder: false, shape: [1] })[6],
    2,
  );
});

function pyWrite(version: string, expr: string, path: string): void {
  runPython(
    `import sys, warnings
import numpy as np
from numpy.lib import format
warnings.simplefilter("ignore")
with open(sys.argv[1], "wb") as f:
    format.write_array(f, ${expr}, version=${version})`,
    [path],
  );
}

test(
  "appending to a NumPy 2.0 or 3.0 file with a short header keeps its version",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const cases: Array<[string, string, string, unknown]> = [
      ["(2, 0)", "np.arange(3.0)", "np.arange(3.0).tolist() * 2", [0, 1, 2]],
      [
        "(3, 0)",
        "np.arange(6, dtype='<i2').reshape(3, 2)",
        "",
        { data: new Int16Array([0, 1, 2, 3, 4, 5]), shape: [3, 2] },
      ],
      [
        "(2, 0)",
        "np.array([(1, 2.5)], dtype=[('a\\u00a0', '<i4'), ('b', '>f8')])",
        "",
        [{ "a\u00a0": 1, b: 2.5 }],
      ],
      [
        "(3, 0)",
        "np.array(['x', 'yz'], dtype='<U2')",
        "",
        ["x", "yz"],
      ],
    ];
    for (const [i, [version, expr, , again]] of cases.entries()) {
      const path = join(dir, `v${i}.npy`);
      const expected = join(dir, `v${i}_expected.npy`);
      pyWrite(version, expr, path);
      // concatenate normalises field byte orders: keep the file's dtype.
      pyWrite(
        version,
        `np.concatenate([${expr}, ${expr}]).astype((${expr}).dtype)`,
        expected,
      );
      const before = readFileSync(path);
      {
        using npy = NpyAppendArraySync.open(path);
        npy.append(again as never);
      }
      const after = readFileSync(path);
      assert.equal(after[6], before[6], `${version} ${expr}`);
      assert.deepEqual(after, readFileSync(expected), `${version} ${expr}`);
    }
  },
);

test(
  "recover and ensureAppendable keep a 2.0 or 3.0 file's version",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    for (const version of ["(2, 0)", "(3, 0)"]) {
      const path = join(dir, `r${version[1]}.npy`);
      pyWrite(version, "np.arange(4.0)", path);
      const full = readFileSync(path);
      // Half a row more: recover cuts it and rewrites the header.
      writeFileSync(path, Buffer.concat([full, Buffer.alloc(4)]));
      const base = readFileSync(path);
      const extra = new Uint8Array(8);
      new DataView(extra.buffer).setFloat64(0, 9, true);
      writeFileSync(
        path,
        Buffer.concat([base.subarray(0, full.length), extra]),
      );
      recoverSync(path);
      const expected = join(dir, `r${version[1]}_expected.npy`);
      pyWrite(version, "np.array([0, 1, 2, 3, 9.0])", expected);
      assert.deepEqual(readFileSync(path), readFileSync(expected), version);
    }
    // ensureAppendable on a 2.0 header with no growth space.
    const text = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    const hlen = Math.ceil((12 + text.length + 1) / 16) * 16;
    const header = new Uint8Array(hlen).fill(0x20);
    header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(header.buffer).setUint32(8, hlen - 12, true);
    header.set(new TextEncoder().encode(text), 12);
    header[hlen - 1] = 0x0a;
    const file = new MemoryFile(
      new Uint8Array([
        ...header,
        ...new Uint8Array(new Float64Array([1, 2, 3]).buffer),
      ]),
    );
    ensureAppendableSync(file);
    const grown = file.bytes();
    assert.equal(grown[6], 2);
    const expected = join(dir, "grown_expected.npy");
    pyWrite("(2, 0)", "np.array([1, 2, 3.0])", expected);
    assert.deepEqual(grown, new Uint8Array(readFileSync(expected)));
  },
);

test("a NumPy 1.0 file with escaped names stays 1.0 after an append", () => {
  const file = new MemoryFile(fixtureBytes("header_v1_escaped_names"));
  const array = readNpySync(file);
  const npy = NpyAppendArraySync.open(file);
  npy.append(array);
  npy.close();
  const bytes = file.bytes();
  assert.equal(bytes[6], 1);
  assert.equal(parseHeader(bytes).shape[0], 6);
  assert.equal(
    parseHeader(bytes).headerLength,
    parseHeader(fixtureBytes("header_v1_escaped_names")).headerLength,
  );
});

function rawHeader(version: number, text: string): Uint8Array {
  const body = version === 3
    ? new TextEncoder().encode(text)
    : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, body.length, true);
  else view.setUint32(8, body.length, true);
  out.set(body, prefix);
  return out;
}

/** Whether np.load reads each file (as bytes). */
function numpyLoads(files: Uint8Array[], maxHeaderSize = 10000): boolean[] {
  const dir = tempDir();
  const paths = files.map((f, i) => {
    const p = join(dir, `h${i}.npy`);
    writeFileSync(p, f);
    return p;
  });
  return JSON.parse(runPython(
    `import json, sys
import numpy as np
out = []
for p in sys.argv[2:]:
    try:
        np.load(p, max_header_size=int(sys.argv[1]))
        out.append(True)
    except ValueError:
        out.append(False)
print(json.dumps(out))`,
    [String(maxHeaderSize), ...paths],
  )) as boolean[];
}

function ours(file: Uint8Array, maxHeaderSize = 10000): boolean {
  try {
    readNpySync(new MemoryFile(file), { maxHeaderSize });
    return true;
  } catch (e) {
    assert.ok(e instanceof NpyFormatError, String(e));
    return false;
  }
}

test(
  "Python 2 L suffixes: read in 1.0 and 2.0 headers, refused in 3.0, as NumPy",
  numpyTestOptions(),
  () => {
    const files: Uint8Array[] = [];
    for (const version of [1, 2, 3]) {
      for (
        const shape of ["(3L,)", "(3L, 2L)", "(3,)", "(3l,)"]
      ) {
        const text =
          `{'descr': '|u1', 'fortran_order': False, 'shape': ${shape}, }          \n`;
        const n = shape.includes("2") ? 6 : 3;
        files.push(
          new Uint8Array([...rawHeader(version, text), ...new Uint8Array(n)]),
        );
      }
    }
    const want = numpyLoads(files);
    assert.deepEqual(files.map((f) => ours(f)), want);
    // The cases that matter are there: 3L read in 1.0, refused in 3.0.
    assert.equal(want[0], true);
    assert.equal(want[8], false);
  },
);

test(
  "maxHeaderSize counts characters (code points), as NumPy's max_header_size",
  numpyTestOptions(),
  () => {
    const files: Uint8Array[] = [];
    const sizes: number[] = [];
    for (const name of ["\u{1f600}", "\u{1f600}\u{1f601}", "\u00e9", "ab"]) {
      const version = name.codePointAt(0)! > 0xff ? 3 : 1;
      const start =
        `{'descr': [('${name}', '<f4')], 'fortran_order': False, 'shape': (1,), }`;
      for (const total of [9999, 10000, 10001]) {
        const chars = [...start].length;
        const text = start + " ".repeat(total - chars - 1) + "\n";
        files.push(
          new Uint8Array([...rawHeader(version, text), ...new Uint8Array(4)]),
        );
        sizes.push(total);
      }
    }
    const want = numpyLoads(files);
    assert.deepEqual(files.map((f) => ours(f)), want);
    assert.deepEqual(want, sizes.map((n) => n <= 10000));
    // The same cap given explicitly.
    assert.deepEqual(
      files.map((f) => ours(f, 9999)),
      numpyLoads(files, 9999),
    );
  },
);

test("encodeHeader's version option: the lowest version written", () => {
  const h = { dtype: "<f8", fortranOrder: false, shape: [3] } as const;
  assert.equal(encodeHeader(h)[6], 1);
  assert.equal(encodeHeader(h, { version: 2 })[6], 2);
  assert.equal(encodeHeader(h, { version: 3 })[6], 3);
  assert.equal(encodeHeader(h, { version: 2 }).length % 64, 0);
  for (const bad of [0, 4, 255, 1.5]) {
    assert.throws(() => encodeHeader(h, { version: bad }), RangeError);
  }
  // A 1.0 request that cannot hold the header gets 2.0, as NumPy's guess.
  const wide = encodeHeader({
    dtype: [["x".repeat(256 * 256), "<i8"]],
    fortranOrder: false,
    shape: [],
  });
  assert.equal(wide[6], 2);
  assert.equal(parseHeader(wide, { maxHeaderSize: 1 << 20 }).dtype.itemsize, 8);
  assert.equal(parseDType([["x", "<i8"]]).itemsize, 8);
});
