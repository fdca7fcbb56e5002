/**
 * Adversary round 6, hostile values given to `append`: each must end in a
 * `TypeError` or `RangeError` of the library (naming the file, sentence
 * case, no final period) within a second, with the file's bytes unchanged
 * and the writer still usable; never an engine error, a stack overflow, a
 * hang, or a header that promises rows the data does not hold.
 *
 * - `null` and `undefined` (an engine `TypeError` about a symbol before);
 * - nested arrays deeper than NumPy's 32 dimensions, and arrays that hold
 *   themselves (a stack overflow, or a loop without end);
 * - sparse arrays with a huge length (a 30-second walk, then
 *   "Invalid array length");
 * - typed arrays whose class or own properties lie about `length` or
 *   `byteLength` (a header of 1,000,000 rows over 2 rows of data);
 * - typed arrays over a detached buffer (an engine message).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeHeader,
  inspectNpySync,
  isAppendableSync,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
  parseDType,
  parseHeader,
  readNpy,
  readNpySync,
  recoverSync,
} from "../mod.ts";

/** A file of dtype `dtype` holding `first`. */
function start(dtype: string, first: unknown): Uint8Array {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype });
  w.append(first as Float64Array);
  w.close();
  return file.bytes();
}

function detach(buffer: ArrayBuffer): void {
  // `transfer` where the runtime has it (Deno, Bun, Node 22), else
  // structuredClone's transfer list (Node 20).
  const b = buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
  if (typeof b.transfer === "function") b.transfer();
  else structuredClone(buffer, { transfer: [buffer] });
}

interface Case {
  name: string;
  dtype: string;
  first: unknown;
  input: () => unknown;
  error: typeof TypeError | typeof RangeError;
  message: RegExp;
}

const self = (): unknown[] => {
  const a: unknown[] = [];
  a.push(a);
  return a;
};

const CASES: Case[] = [
  {
    name: "null",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => null,
    error: TypeError,
    message: /^Cannot append null to the file object: pass a typed array/,
  },
  {
    name: "undefined",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => undefined,
    error: TypeError,
    message: /^Cannot append undefined to the file object: pass a typed array/,
  },
  {
    name: "nested 100,000 levels deep",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      let a: unknown = [1];
      for (let i = 0; i < 100_000; i++) a = [a];
      return a;
    },
    error: RangeError,
    message: /^Cannot append to the file object: .*more than NumPy's 32/,
  },
  {
    name: "nested 33 levels deep",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      let a: unknown = [1];
      for (let i = 0; i < 32; i++) a = [a];
      return a;
    },
    error: RangeError,
    message: /more than NumPy's 32/,
  },
  {
    name: "an array holding itself",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: self,
    error: RangeError,
    message: /more than NumPy's 32/,
  },
  {
    name: "an array holding itself, one level down",
    dtype: "<f8",
    first: [[1, 2]],
    input: () => [self(), [1]],
    error: RangeError,
    message: /more than NumPy's 32/,
  },
  {
    name: "a sparse array of length 2**32 - 1",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      const a: number[] = [];
      a.length = 2 ** 32 - 1;
      return a;
    },
    error: TypeError,
    message: /^Cannot append to the file object: item\[0\] is an empty slot/,
  },
  {
    name: "a sparse row of length 2**31 in a nested array",
    dtype: "<f8",
    first: [[1, 2]],
    input: () => {
      const row: number[] = [];
      row.length = 2 ** 31;
      return [row];
    },
    error: TypeError,
    message: /item\[0\]\[0\] is an empty slot/,
  },
  {
    name: "a sparse array with a hole in the middle",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    // deno-lint-ignore no-sparse-arrays
    input: () => [1, , 3],
    error: TypeError,
    message: /item\[1\] is an empty slot/,
  },
  {
    name: "a Float64Array subclass whose length lies",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      class Lying extends Float64Array {
        override get length(): number {
          return 1_000_000;
        }
      }
      return new Lying([3, 4]);
    },
    error: TypeError,
    message: /^Cannot append to the file object: its class "Lying" redefines/,
  },
  {
    name: "a Float64Array with an own length property",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      const a = new Float64Array([3, 4]);
      Object.defineProperty(a, "length", { value: 1_000_000 });
      return a;
    },
    error: TypeError,
    message: /redefines "length"/,
  },
  {
    name: "{ data, shape } over an Int32Array subclass whose byteLength lies",
    dtype: "<i4",
    first: new Int32Array([1, 2]),
    input: () => {
      class Lying extends Int32Array {
        override get byteLength(): number {
          return 8_000_000;
        }
      }
      return { data: new Lying([3, 4]), shape: [2] };
    },
    error: TypeError,
    message: /redefines "byteLength"/,
  },
  {
    name: "a typed array over a detached buffer",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      const a = new Float64Array([3, 4]);
      detach(a.buffer as ArrayBuffer);
      return a;
    },
    error: TypeError,
    message: /^Cannot append to the file object: .*detached/,
  },
  {
    name: "{ data, shape } over a detached buffer",
    dtype: "<f8",
    first: new Float64Array([1, 2]),
    input: () => {
      const a = new Float64Array([3, 4]);
      detach(a.buffer as ArrayBuffer);
      return { data: a, shape: [2] };
    },
    error: TypeError,
    message: /detached/,
  },
  {
    name: "a Uint8Array over a detached buffer, into |S2",
    dtype: "|S2",
    first: ["ab"],
    input: () => {
      const a = new Uint8Array([1, 2]);
      detach(a.buffer as ArrayBuffer);
      return a;
    },
    error: TypeError,
    message: /detached/,
  },
];

function check(c: Case, e: unknown): true {
  assert.ok(
    e instanceof c.error,
    `expected ${c.error.name}, got ${(e as Error)?.name}: ${
      (e as Error)?.message
    }`,
  );
  const message = (e as Error).message;
  assert.match(message, c.message);
  assert.match(message, /the file object/);
  assert.match(message, /^[A-Z]/);
  assert.doesNotMatch(message, /\.$/);
  return true;
}

describe("adversary 6: hostile values given to append", () => {
  for (const c of CASES) {
    test(`${c.name}: a typed error, no byte changed, the writer goes on`, async () => {
      const before = start(c.dtype, c.first);
      const rows = readNpySync(new MemoryFile(before)).shape[0]!;

      const sync = new MemoryFile(before.slice());
      const w = NpyAppendArraySync.open(sync);
      const t0 = Date.now();
      assert.throws(
        () => w.append(c.input() as Float64Array),
        (e) => check(c, e),
      );
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      assert.deepEqual(sync.bytes(), before);
      // Still usable: its own first rows append.
      w.append(c.first as Float64Array);
      w.close();
      assert.equal(readNpySync(sync).shape[0], 2 * rows);

      const async = new MemoryFile(before.slice());
      const a = await NpyAppendArray.open(async);
      await assert.rejects(
        a.append(c.input() as Float64Array),
        (e) => check(c, e),
      );
      assert.deepEqual(async.bytes(), before);
      await a.append(c.first as Float64Array);
      await a.close();
      assert.equal(readNpySync(async).shape[0], 2 * rows);
    });
  }

  test("a plain subclass of a typed array (no getter redefined) is accepted", () => {
    class Tagged extends Float64Array {
      tag = "x";
    }
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    w.append(new Tagged([1, 2]));
    w.append({ data: new Tagged([3, 4]), shape: [2] });
    w.close();
    assert.deepEqual([...readNpySync(file).data as Float64Array], [1, 2, 3, 4]);
  });

  test("32 levels of nesting are still accepted", () => {
    let a: unknown = [1];
    for (let i = 0; i < 31; i++) a = [a];
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
    w.append(a as number[]);
    w.close();
    assert.equal(readNpySync(file).shape.length, 32);
  });
});

describe("adversary 6: writer options that are not an object", () => {
  for (const options of [null, 5, "<f8"]) {
    test(`open(file, ${JSON.stringify(options)}): a TypeError naming the file and the fix`, async () => {
      const bytes = start("<f8", new Float64Array([1, 2]));
      const want = (e: unknown): boolean => {
        assert.ok(e instanceof TypeError, String(e));
        assert.equal(
          e.message,
          `Cannot open the file object: options must be an object such as { dtype: "<f4" }, not ${
            options === null ? "null" : JSON.stringify(options)
          }`,
        );
        return true;
      };
      const sync = new MemoryFile(bytes.slice());
      assert.throws(
        () => NpyAppendArraySync.open(sync, options as never),
        want,
      );
      await assert.rejects(
        NpyAppendArray.open(new MemoryFile(bytes.slice()), options as never),
        want,
      );
      // An async-only file object takes the other path.
      const mem = new MemoryFile(bytes.slice());
      const asyncOnly = {
        read: (b: Uint8Array, p: number) => mem.read(b, p),
        write: (b: Uint8Array, p: number) => mem.write(b, p),
        size: () => mem.size(),
      };
      await assert.rejects(
        NpyAppendArray.open(asyncOnly, options as never),
        want,
      );
      assert.deepEqual(sync.bytes(), bytes);
      assert.deepEqual(mem.bytes(), bytes);
    });
  }
});

describe("adversary 6: hostile values given to the header and dtype codecs", () => {
  const typeError = (message: RegExp) => (e: unknown): boolean => {
    assert.ok(e instanceof TypeError, String(e));
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /Cannot read properties|circular/);
    return true;
  };

  test("parseDType of a field list holding itself: its own message, not JSON's", () => {
    const spec: unknown[] = [["a", "<f8"]];
    (spec[0] as unknown[])[1] = spec;
    assert.throws(
      () => parseDType(spec as never),
      typeError(
        /^Cannot use dtype "an array of 1": it nests more than 99 levels, which np.load cannot read; flatten the inner fields$/,
      ),
    );
  });

  test("parseDType of a list holding a bigint names it", () => {
    assert.throws(
      () => parseDType([["a", 5n]] as never),
      typeError(
        /^Cannot use dtype "\[\[\\"a\\",\\"5n\\"\]\]": not a dtype: pass a type string such as "<f4" or "float32", or a list of fields$/,
      ),
    );
  });

  test("parseHeader of something that is not bytes", () => {
    for (const v of [null, undefined, "abc", [0x93]]) {
      assert.throws(
        () => parseHeader(v as never),
        typeError(
          /^Cannot parse header: pass the file's first bytes as a Uint8Array, not /,
        ),
      );
    }
  });

  test("encodeHeader of null, a shape that is no array, no fortranOrder", () => {
    for (
      const v of [
        null,
        { dtype: "<f8", fortranOrder: false, shape: 3 },
        { dtype: "<f8", shape: [3] },
      ]
    ) {
      assert.throws(
        () => encodeHeader(v as never),
        typeError(
          /^Cannot write header: pass \{ dtype, fortranOrder, shape \}/,
        ),
      );
    }
  });
});

describe("adversary 6: maxHeaderSize that is no positive integer", () => {
  // A version 2.0 file whose header length field says 4 GiB: with
  // maxHeaderSize NaN the cap was off, and that number sized a buffer.
  const hostile = new Uint8Array(64);
  hostile.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(hostile.buffer).setUint32(8, 0xfffffff0, true);

  for (const max of [NaN, Infinity, -5, 0, 1.5, "10"]) {
    test(`maxHeaderSize ${String(max)}: RangeError from every reader, no byte changed`, async () => {
      const want = (e: unknown): boolean => {
        assert.ok(e instanceof RangeError, String(e));
        assert.match(
          e.message,
          // (Stop 20: named the file, checked with the other options.)
          /^Cannot (read the file object|recover the file object|parse header): maxHeaderSize must be a positive integer, not .+$/,
        );
        return true;
      };
      const options = { maxHeaderSize: max as number };
      const file = new MemoryFile(hostile.slice());
      assert.throws(() => readNpySync(file, options), want);
      await assert.rejects(readNpy(file, options), want);
      assert.throws(() => NpyReader.openSync(file, options), want);
      assert.throws(() => inspectNpySync(file, options), want);
      assert.throws(() => isAppendableSync(file, options), want);
      assert.throws(() => recoverSync(file, options), want);
      assert.throws(() => parseHeader(hostile, options), want);
      assert.deepEqual(file.bytes(), hostile);
    });
  }
});
