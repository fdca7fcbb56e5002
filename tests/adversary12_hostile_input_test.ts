/**
 * Adversary round 12, hostile values given to `append` and `encodeHeader`
 * that rounds 6 and 11 did not try: typed arrays over a resizable buffer
 * that shrank below them, Proxies over typed arrays (and objects made
 * from a typed array's prototype), subclasses with a hostile
 * `Symbol.species`, an input whose own `dtype` is no dtype, and shapes
 * NumPy calls too big. Each must end in a `TypeError`/`RangeError` of the
 * library naming the file and the fix, with the file's bytes unchanged
 * and the writer still usable.
 *
 * Found before the fix:
 * - a typed array past the end of its shrunk resizable buffer reads as
 *   empty: appended bare it was a silent no-op, acknowledged; in a nested
 *   array it was "shape (1, 0)"; shrunk while its append waited in the
 *   queue of an async file object, the append was acknowledged and its
 *   rows were missing (a detached buffer was refused there already);
 * - a Proxy over a typed array as `data`, a strided `data` or the result
 *   of `dataSync()` was the engine's "Method get TypedArray.prototype.length
 *   called on incompatible receiver", naming no file; as a row of a nested
 *   array it was "needs numbers";
 * - `{ data, shape, dtype: "bogus" }` was `Cannot use dtype "bogus"`,
 *   naming no file;
 * - a strided input of a typed array subclass whose `Symbol.species` is
 *   `Float32Array` was written as 2 float32s under a header of 2 float64s
 *   (a file that needed `recover`): its view was taken with `subarray`;
 * - a byte item (`S`, `V`, a record, a record's field) that was a
 *   `Uint8Array` subclass lying about its length, detached, over a shrunk
 *   buffer or a Proxy was the engine's "offset is out of bounds", "Cannot
 *   perform %TypedArray%.prototype.set on a detached ArrayBuffer" or
 *   "incompatible receiver", naming no file;
 * - `encodeHeader` wrote headers `np.load` refuses: 33 dimensions, and
 *   empty arrays whose other axes NumPy calls too big (`(0, 2**40,
 *   2**40)` of `<f8`), which the writers wrote as files too.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  type FileLike,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
  NpyStackWriterSync,
  parseDType,
  parseHeader,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

/** A `<f8` file of shape (1, 2) holding 1 and 2. */
function start(): Uint8Array {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
  w.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
  w.close();
  return file.bytes();
}

/** A resizable buffer of `bytes` bytes (up to 64). */
function resizable(bytes: number): ArrayBuffer & { resize(n: number): void } {
  const Ctor = ArrayBuffer as unknown as new (
    n: number,
    o: { maxByteLength: number },
  ) => ArrayBuffer & { resize(n: number): void };
  return new Ctor(bytes, { maxByteLength: 64 });
}

/** Two float64s over a resizable buffer that then shrank to `to` bytes. */
function shrunk(to = 0): Float64Array {
  const buffer = resizable(16);
  const view = new Float64Array(buffer, 0, 2);
  view.set([3, 4]);
  buffer.resize(to);
  return view;
}

/** A length-tracking view at byte 8 of a buffer that shrank to 0. */
function shrunkTracking(): Float64Array {
  const buffer = resizable(32);
  const view = new Float64Array(buffer, 8);
  buffer.resize(0);
  return view;
}

const proxy = (): Float64Array => new Proxy(new Float64Array([3, 4]), {});

interface Case {
  name: string;
  input: () => unknown;
  message: string;
}

const SHRUNK =
  "its buffer was resized to end before the view, so it holds no data; pass a built-in typed array over a buffer that is not detached or shrunk";
const POSES =
  "only poses as a typed array (a Proxy, or an object made from its prototype); pass the typed array itself";

const CASES: Case[] = [
  { name: "a shrunk view, bare", input: () => shrunk(), message: SHRUNK },
  {
    name: "a shrunk view as data",
    input: () => ({ data: shrunk(8), shape: [1, 2] }),
    message: SHRUNK,
  },
  {
    name: "a length-tracking view past the end",
    input: () => ({ data: shrunkTracking(), shape: [0, 2] }),
    message: SHRUNK,
  },
  {
    name: "a shrunk view as a row of a nested array",
    input: () => [shrunk()],
    message: SHRUNK,
  },
  {
    name: "a shrunk view from dataSync()",
    input: () => ({ shape: [1, 2], dataSync: () => shrunk() }),
    message: SHRUNK,
  },
  {
    name: "a shrunk view as strided data",
    input: () => ({ data: shrunk(), shape: [1, 2], stride: [2, 1], offset: 0 }),
    message: SHRUNK,
  },
  { name: "a Proxy over a typed array, bare", input: proxy, message: POSES },
  {
    name: "a Proxy over a typed array as data",
    input: () => ({ data: proxy(), shape: [1, 2] }),
    message: POSES,
  },
  {
    name: "Proxies over typed arrays as rows of a nested array",
    input: () => [proxy(), proxy()],
    message: POSES,
  },
  {
    name: "a Proxy over a typed array as strided data",
    input: () => ({ data: proxy(), shape: [1, 2], stride: [2, 1], offset: 0 }),
    message: POSES,
  },
  {
    name: "a Proxy over a typed array from dataSync()",
    input: () => ({ shape: [1, 2], dataSync: proxy }),
    message: POSES,
  },
  {
    name: "an object made from Float64Array.prototype as data",
    input: () => ({
      data: Object.create(Float64Array.prototype),
      shape: [1, 2],
    }),
    message: POSES,
  },
  {
    name: "an input dtype that is no dtype",
    input: () => ({ data: [3, 4], shape: [1, 2], dtype: "bogus" }),
    message: 'Cannot use dtype "bogus": unknown type; use a type string',
  },
  {
    name: "an input dtype that is a number",
    input: () => ({ data: [3, 4], shape: [1, 2], dtype: 8 }),
    message: 'Cannot use dtype "8": not a dtype',
  },
];

function check(c: Case, e: unknown, label: string): boolean {
  assert.ok(e instanceof TypeError, `${c.name}: ${e}`);
  const { message } = e as Error;
  assert.ok(message.includes(c.message), `${c.name}: ${message}`);
  assert.ok(message.startsWith(`Cannot append to ${label}: `), message);
  assert.doesNotMatch(message, /\.$/);
  return true;
}

/** The values of a `<f8` file of rows of 2. */
function values(bytes: Uint8Array): number[] {
  return [...readNpySync(new MemoryFile(bytes)).data as Float64Array];
}

describe("adversary 12: shrunk buffers, Proxies over typed arrays, bad input dtypes", () => {
  for (const c of CASES) {
    test(`${c.name}: a TypeError naming the file and the fix, no byte changed`, async () => {
      const before = start();
      const sync = new MemoryFile(before.slice());
      const w = NpyAppendArraySync.open(sync);
      assert.throws(
        () => w.append(c.input() as never),
        (e) => check(c, e, "the file object"),
      );
      assert.deepEqual(sync.bytes(), before);
      w.append({ data: new Float64Array([5, 6]), shape: [1, 2] });
      w.close();
      assert.deepEqual(values(sync.bytes()), [1, 2, 5, 6]);

      const async = new MemoryFile(before.slice());
      const a = await NpyAppendArray.open(async);
      await assert.rejects(
        a.append(c.input() as never),
        (e) => check(c, e, "the file object"),
      );
      assert.deepEqual(async.bytes(), before);
      await a.append({ data: new Float64Array([5, 6]), shape: [1, 2] });
      await a.close();
      assert.deepEqual(values(async.bytes()), [1, 2, 5, 6]);
    });
  }

  test("on a path and in a stack the message names the path", () => {
    const dir = tempDir();
    const path = join(dir, "x.npy");
    writeFileSync(path, start());
    try {
      const w = NpyAppendArraySync.open(path);
      for (const c of CASES) {
        assert.throws(
          () => w.append(c.input() as never),
          (e) => check(c, e, JSON.stringify(path)),
        );
      }
      w.close();
      assert.deepEqual(new Uint8Array(readFileSync(path)), start());

      const stack = join(dir, "stack");
      const s = NpyStackWriterSync.open(stack, { dtype: "<f8", shardRows: 4 });
      s.append({ data: new Float64Array([1, 2]), shape: [1, 2] });
      for (const c of CASES) {
        assert.throws(() => s.append(c.input() as never), (e) => {
          assert.ok(e instanceof TypeError, `${c.name}: ${e}`);
          assert.ok((e as Error).message.includes(c.message), c.name);
          assert.ok((e as Error).message.includes(stack), c.name);
          return true;
        });
      }
      s.close();
      assert.deepEqual(
        [...readNpyStackSync(stack).data as Float64Array],
        [1, 2],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a view shrunk while its append waits on an async file object is refused, not acknowledged", async () => {
    const mem = new MemoryFile(start());
    // An async-only file object: appends queue and run when their turn
    // comes, so the input is read then.
    const tick = () => new Promise((r) => setTimeout(r, 1));
    const file: FileLike = {
      read: async (b, p) => (await tick(), mem.readSync(b, p)),
      write: async (b, p) => {
        await tick();
        mem.writeSync(b, p);
      },
      size: () => Promise.resolve(mem.sizeSync()),
      truncate: (n) => Promise.resolve(mem.truncateSync(n)),
      sync: async () => {},
      close: async () => {},
    };
    const w = await NpyAppendArray.open(file);
    for (const shrink of [0, 8]) {
      const buffer = resizable(16);
      const view = new Float64Array(buffer, 0, 2);
      view.set([3, 4]);
      const first = w.append({ data: view, shape: [1, 2] });
      const second = w.append({
        data: new Float64Array([5, 6]),
        shape: [1, 2],
      });
      buffer.resize(shrink);
      await assert.rejects(first, (e) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match(e.message, /resized to end before the view/);
        return true;
      });
      await second;
    }
    await w.close();
    assert.deepEqual(values(mem.bytes()), [1, 2, 5, 6, 5, 6]);
  });

  test("views over resizable and growable buffers that hold their items still work", () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    const buffer = resizable(16);
    const tracking = new Float64Array(buffer);
    tracking.set([1, 2]);
    w.append(tracking);
    buffer.resize(32);
    tracking.set([3, 4, 5, 6]);
    w.append(tracking);
    buffer.resize(0);
    w.append(tracking); // empty, in bounds: a valid no-op
    const shared = new Float64Array(new SharedArrayBuffer(16));
    shared.set([7, 8]);
    w.append(shared);
    w.close();
    assert.deepEqual(
      [...readNpySync(file).data as Float64Array],
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });
});

describe("adversary 12: a subclass's Symbol.species plays no part", () => {
  // `subarray` builds its result with the class's species: a strided
  // input whose view was taken so was written as 2 float32s under a
  // header of 2 float64s (a file that needed recover), or refused for
  // the species' length.
  class AsFloat32 extends Float64Array {
    static get [Symbol.species](): Float32ArrayConstructor {
      return Float32Array;
    }
  }
  class AsOther extends Float64Array {
    static get [Symbol.species](): unknown {
      return function () {
        return new Float64Array([9, 9, 9, 9, 9, 9]);
      };
    }
  }
  for (const Ctor of [AsFloat32, AsOther]) {
    test(`${Ctor.name}: strided, bare and as data, the items NumPy would take`, () => {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
      const data = () => new Ctor([1, 2, 3, 4]);
      w.append({ data: data(), shape: [2], stride: [1], offset: 1 });
      w.append({ data: data(), shape: [2], stride: [2], offset: 0 });
      w.append(data());
      w.append({ data: data(), shape: [4] });
      w.close();
      assert.deepEqual(
        [...readNpySync(file).data as Float64Array],
        [2, 3, 1, 3, 1, 2, 3, 4, 1, 2, 3, 4],
      );
    });
  }
});

describe("adversary 12: byte items (S, V, records) that are unusable views", () => {
  class Liar extends Uint8Array {
    override get length(): number {
      return 2;
    }
  }
  class Species extends Uint8Array {
    static get [Symbol.species](): unknown {
      return function () {
        return [1, 2, 3, 4, 5, 6, 7, 8, 9];
      };
    }
  }
  const detached = (): Uint8Array => {
    const a = new Uint8Array([1, 2, 3]);
    const b = a.buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
    if (typeof b.transfer === "function") b.transfer();
    else structuredClone(b, { transfer: [b] });
    return a;
  };
  const shrunkBytes = (): Uint8Array => {
    const buffer = resizable(3);
    const a = new Uint8Array(buffer, 0, 3);
    buffer.resize(0);
    return a;
  };
  const ITEMS: [string, () => unknown, string][] = [
    [
      "a subclass lying about its length",
      () => new Liar([65, 66, 67, 68, 69]),
      'its class "Liar" redefines "length"',
    ],
    ["a detached one", detached, "its buffer is detached"],
    ["one over a shrunk buffer", shrunkBytes, "resized to end before the view"],
    [
      "a Proxy over one",
      () => new Proxy(new Uint8Array([1, 2, 3]), {}),
      "only poses as a typed array",
    ],
  ];
  const TARGETS: [string, (item: unknown) => unknown][] = [
    ["|S3", (item) => ({ data: [item], shape: [1] })],
    ["|V3", (item) => ({ data: [item], shape: [1] })],
    ["[('a', 'u1'), ('b', '<u2')]", (item) => ({ data: [item], shape: [1] })],
    ["[('a', 'S3')]", (item) => [{ a: item }]],
    ["[('a', 'u1', (3,))]", (item) => [{ a: item }]],
  ];
  for (const [dtype, wrap] of TARGETS) {
    test(`into ${dtype}: a TypeError naming the item, the file and the fix, no byte changed`, () => {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype });
      w.append({ data: [new Uint8Array(3)], shape: [1] });
      const before = file.bytes().slice();
      for (const [name, item, message] of ITEMS) {
        assert.throws(() => w.append(wrap(item()) as never), (e: unknown) => {
          assert.ok(e instanceof TypeError, `${name}: ${e}`);
          assert.match(e.message, /^Cannot append .*the file object/, name);
          assert.ok(e.message.includes(message), `${name}: ${e.message}`);
          assert.match(e.message, /; pass (a built-in|the typed array)/, name);
          return true;
        });
        assert.deepEqual(file.bytes(), before, name);
      }
      w.close();
    });
  }

  test("a species subclass under unsafe is cut to the item, as its bytes", () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, {
      dtype: "|S3",
      casting: "unsafe",
    });
    w.append({ data: [new Species([65, 66, 67, 68, 69])], shape: [1] });
    w.close();
    assert.deepEqual([...(readNpySync(file).data as Uint8Array[])[0]!], [
      65,
      66,
      67,
    ]);
  });
});

describe("adversary 12: encodeHeader writes no header that np.load refuses", () => {
  const CASES: [string, unknown[], string][] = [
    [
      "33 dimensions",
      new Array(33).fill(1),
      "shape has 33 dimensions, more than NumPy's 32",
    ],
    [
      "8 x 2**60 bytes in an empty array",
      [0, 2 ** 50, 2 ** 10],
      "shape (0, 1125899906842624, 1024) with itemsize 8 is larger than NumPy's largest array (2**63 - 1 bytes, counting the non-zero axes)",
    ],
    ["a bigint entry", [1n], "shape entry 1n is not a non-negative integer"],
  ];
  for (const [name, shape, message] of CASES) {
    test(`${name}: a RangeError saying why`, () => {
      assert.throws(
        () =>
          encodeHeader({
            dtype: "<f8",
            fortranOrder: false,
            shape: shape as number[],
          }),
        (e: unknown) => {
          assert.ok(e instanceof RangeError, String(e));
          assert.equal(e.message, `Cannot write header: ${message}`);
          return true;
        },
      );
    });
  }

  test(
    "np.load refuses 33 dimensions too (the oracle); 32 round-trip",
    numpyTestOptions(),
    () => {
      const ones = (n: number) => new Array(n).fill(1);
      const bytes = encodeHeader({
        dtype: "<f8",
        fortranOrder: false,
        shape: ones(32),
      });
      assert.deepEqual(parseHeader(bytes).shape, ones(32));
      const dir = tempDir();
      try {
        const path = join(dir, "d32.npy");
        writeFileSync(path, new Uint8Array([...bytes, ...new Uint8Array(8)]));
        assert.equal(
          runPython(
            `import io, sys
import numpy as np
print(np.load(sys.argv[1]).ndim)
f = io.BytesIO()
np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (1,) * 33})
f.write(bytes(8))
f.seek(0)
try:
    np.load(f)
    print("read")
except ValueError:
    print("refused")`,
            [path],
          ),
          "32\nrefused\n",
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("adversary 12: empty arrays that np.load calls too big", () => {
  // NumPy counts itemsize times the non-zero axes against 2**63 - 1 bytes,
  // also for an array that a zero axis leaves empty.
  const TOO_BIG: [string, number[]][] = [
    ["<f8", [0, 2 ** 50, 2 ** 10]],
    ["<f8", [0, 2 ** 40, 2 ** 40]],
    ["|u1", [2 ** 40, 0, 2 ** 40]],
    ["<U3", [0, 2 ** 31, 2 ** 31]],
  ];
  const FITS: [string, number[]][] = [
    ["<f8", [0, 2 ** 53 - 1]],
    ["<f8", [0, 2 ** 50, 2 ** 10 - 1]],
    ["|u1", [0, 2 ** 40, 2 ** 22]],
    ["|V0", [0, 2 ** 40, 2 ** 40]],
  ];
  const opts = numpyTestOptions();

  test("NumPy refuses and reads them so (the oracle)", opts, () => {
    const out = runPython(
      `import io, json, sys
import numpy as np
for descr, shape in json.loads(sys.argv[1]):
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    f.seek(0)
    try:
        np.load(f)
        print("read")
    except ValueError:
        print("refused")`,
      [JSON.stringify([...TOO_BIG, ...FITS])],
    );
    assert.equal(
      out,
      [...TOO_BIG.map(() => "refused"), ...FITS.map(() => "read"), ""].join(
        "\n",
      ),
    );
  });

  for (const [dtype, shape] of TOO_BIG) {
    test(`${dtype} ${JSON.stringify(shape)}: a first append is a RangeError, no file left`, () => {
      const dir = tempDir();
      try {
        const path = join(dir, "x.npy");
        const w = NpyAppendArraySync.open(path, { dtype });
        assert.throws(
          () => w.append({ data: [], shape }),
          (e: unknown) => {
            assert.ok(e instanceof RangeError, String(e));
            assert.match(
              e.message,
              /^Cannot append to ".*x\.npy": the file would have shape \(.*\), larger than NumPy's largest array \(2\*\*63 - 1 bytes, counting the non-zero axes\), which np\.load refuses; make the other axes smaller$/,
            );
            return true;
          },
        );
        w.close();
        assert.throws(() => readFileSync(path), { code: "ENOENT" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test(`${dtype} ${JSON.stringify(shape)}: a header saying so is an NpyFormatError, as np.load's refusal`, () => {
      const header = new TextEncoder().encode(
        `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${
          shape.join(", ")
        }), }`.padEnd(117) + "\n",
      );
      const bytes = new Uint8Array([
        0x93,
        ...new TextEncoder().encode("NUMPY"),
        1,
        0,
        header.length,
        0,
        ...header,
      ]);
      assert.throws(() => parseHeader(bytes), {
        name: "NpyFormatError",
        message: /larger than NumPy's largest array/,
      });
      assert.throws(
        () => encodeHeader({ dtype, fortranOrder: false, shape }),
        RangeError,
      );
    });
  }

  test("growing an empty file past the limit is refused, nothing written", () => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    w.append({ data: [], shape: [2 ** 19, 0, 2 ** 40] });
    const before = file.bytes().slice();
    assert.throws(
      () => w.append({ data: [], shape: [2 ** 19, 0, 2 ** 40] }),
      /the file would have shape \(1048576, 0, 1099511627776\), larger than NumPy's largest array/,
    );
    assert.deepEqual(file.bytes(), before);
    w.append({ data: [], shape: [2 ** 19 - 1, 0, 2 ** 40] });
    w.close();
    assert.deepEqual(readNpySync(file).shape, [2 ** 20 - 1, 0, 2 ** 40]);
  });

  test("shapes NumPy reads are still written and read", opts, () => {
    for (const [dtype, shape] of FITS) {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype });
      w.append({ data: [], shape });
      w.close();
      assert.deepEqual(readNpySync(file).shape, shape, `${dtype} ${shape}`);
    }
  });
});

describe("adversary 12: readInto a buffer that is an unusable view", () => {
  // Before: a detached or shrunk buffer was "the buffer holds 0" (true,
  // but no word of why), a Proxy "got object", and a subclass lying about
  // its byteLength the engine's "Invalid typed array length: 32".
  class Liar extends Float64Array {
    override get byteLength(): number {
      return 1000;
    }
  }
  const BUFFERS: [string, () => ArrayBufferView, string][] = [
    ["a detached buffer", () => {
      const a = new Float64Array(4);
      const b = a.buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
      if (typeof b.transfer === "function") b.transfer();
      else structuredClone(b, { transfer: [b] });
      return a;
    }, "its buffer is detached"],
    [
      "a view past the end of a shrunk buffer",
      () => shrunk(),
      "resized to end before the view",
    ],
    ["a Proxy over a typed array", proxy, "only poses as a typed array"],
    [
      "a subclass lying about its byteLength",
      () => new Liar(1),
      'its class "Liar" redefines "byteLength"',
    ],
  ];
  for (const [name, make, message] of BUFFERS) {
    test(`${name}: a TypeError naming the file and the fix`, async () => {
      const file = new MemoryFile(start());
      const reader = NpyReader.openSync(file);
      const check = (e: unknown): boolean => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match(
          e.message,
          /^Cannot read the file object into the buffer: .*; pass (a built-in typed array|the typed array itself)/,
        );
        assert.ok(e.message.includes(message), e.message);
        return true;
      };
      assert.throws(() => reader.readIntoSync(make(), 0, 1), check);
      await assert.rejects(reader.readInto(make(), 0, 1), check);
      const ok = new Float64Array(2);
      assert.equal(reader.readIntoSync(ok, 0, 1), 16);
      assert.deepEqual([...ok], [1, 2]);
      reader.closeSync();
    });
  }
});

describe("adversary 12: DType objects whose parts disagree", () => {
  // Before: a DType object was trusted as given. `{ ...parseDType("<f8"),
  // itemsize: 3 }` wrote a "<f8" header over 3-byte items (a file np.load
  // refuses, and readNpy too), `str: "<f4"` over 8-byte ones; a record
  // dtype whose itemsize or field offsets disagree was the engine's
  // "Offset is outside the bounds of the DataView".
  const f8 = parseDType("<f8");
  const rec = parseDType("[('a', '<f8'), ('b', '|u1')]");
  const FAKES: [string, () => unknown][] = [
    ["itemsize 3 under str <f8", () => ({ ...f8, itemsize: 3 })],
    ["str <f4 over itemsize 8", () => ({ ...f8, str: "<f4" })],
    ["kind O under str <f8", () => ({ ...f8, kind: "O" })],
    ["a record of itemsize 2", () => ({ ...rec, itemsize: 2 })],
    ["a field at offset 100", () => ({
      ...rec,
      fields: [{ ...rec.fields![0]!, offset: 100 }, rec.fields![1]!],
    })],
    ["a field whose dtype lies", () => ({
      ...rec,
      fields: [
        { ...rec.fields![0]!, dtype: { ...f8, itemsize: 2 } },
        rec
          .fields![1]!,
      ],
    })],
  ];
  const check = (e: unknown): boolean => {
    assert.ok(e instanceof TypeError, String(e));
    assert.match(
      e.message,
      /Cannot use dtype ".*": its parts (disagree with its descr .*|make no dtype); pass a descr text or a dtype made by parseDType$/,
    );
    return true;
  };
  for (const [name, fake] of FAKES) {
    test(`${name}: a TypeError at open, in encodeHeader and as an input's dtype`, () => {
      const file = new MemoryFile();
      assert.throws(
        () => NpyAppendArraySync.open(file, { dtype: fake() as never }),
        (e: unknown) =>
          check(e) &&
          /^Cannot open the file object: /.test((e as Error).message),
      );
      assert.equal(file.bytes().length, 0);
      assert.throws(
        () =>
          encodeHeader({
            dtype: fake() as never,
            fortranOrder: false,
            shape: [1],
          }),
        check,
      );
      const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
      assert.throws(
        () => w.append({ data: [1], shape: [1], dtype: fake() as never }),
        (e: unknown) =>
          check(e) &&
          /^Cannot append to the file object: /.test((e as Error).message),
      );
      w.close();
      assert.equal(file.bytes().length, 0);
    });
  }

  test("DType objects made by parseDType (copies too) are still taken", () => {
    for (
      const text of [
        "<f8",
        ">M8[10ms]",
        "[('a', '<f8'), ('', '|V3'), ('b', '>i2', (2, 3))]",
        "[(('t', 'a'), '<f4'), ('b', [('c', '|S2')], (2,))]",
      ]
    ) {
      const dtype = parseDType(text);
      assert.equal(parseDType(dtype).str, dtype.str, text);
      assert.equal(parseDType({ ...dtype }).str, dtype.str, text);
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype });
      w.close();
      assert.equal(w.dtype, dtype.str);
    }
  });
});
