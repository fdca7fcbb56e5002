// The bad-input table of SPEC sections 4, 5 and 10: one named test per
// input, each checking the error class, the key words of the message, and
// that the file's bytes are unchanged afterwards.
//
// Writer rows: a valid file is written, opened again, the bad append (or
// open) fails; the sync writer, the async writer on a FileLikeSync and
// the async writer's queue (an async-only FileLike) must all agree.
// Header rows: a malformed file goes through parseHeader (where the
// header is at fault), readNpySync, readNpy and both writers' open.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ArrayInput,
  encodeHeader,
  type FileLike,
  MemoryFile,
  NpyAppendArray,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupWriter,
  NpyStackReader,
  NpyStackWriterSync,
  parseHeader,
  readNpy,
  readNpySync,
  recoverGroupSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

type ErrorClass =
  | typeof TypeError
  | typeof RangeError
  | typeof NpyFormatError;

function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
    truncate: (n) => file.truncate(n),
  };
}

/** A valid file written by our writer. */
function validFile(
  dtype: string,
  input: ArrayInput,
  options: NpyAppendArrayOptions = {},
): Uint8Array {
  const file = new MemoryFile();
  const w = NpyAppendArraySync.open(file, { dtype, ...options });
  w.append(input);
  w.close();
  return file.bytes();
}

function matches(cls: ErrorClass, message: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(
      e instanceof cls,
      `expected ${cls.name}, got ${(e as Error)?.name}: ${
        (e as Error)?.message
      }`,
    );
    // NpyFormatError extends Error, so only an exact class is right.
    if (cls !== NpyFormatError) {
      assert.ok(!(e instanceof NpyFormatError), "not an NpyFormatError");
    }
    assert.match((e as Error).message, message);
    // Messages: sentence case, no final period.
    assert.match((e as Error).message, /^[A-Z]/);
    assert.doesNotMatch((e as Error).message, /\.$/);
    return true;
  };
}

interface AppendRow {
  /** The file's dtype and first contents. */
  dtype: string;
  initial: ArrayInput;
  /** Options of the first open (creating the file). */
  create?: NpyAppendArrayOptions;
  /** Options of the second open. */
  options?: NpyAppendArrayOptions;
  /** The bad input. */
  input: ArrayInput;
  error: ErrorClass;
  message: RegExp;
}

/** A bad append to an existing file: every writer path throws the same. */
function badAppend(name: string, row: AppendRow): void {
  test(name, async () => {
    const bytes = validFile(row.dtype, row.initial, row.create);
    const check = matches(row.error, row.message);

    const file = new MemoryFile(bytes);
    const w = NpyAppendArraySync.open(file, row.options);
    assert.throws(() => w.append(row.input), check);
    assert.deepEqual(file.bytes(), bytes, "sync writer: bytes unchanged");
    w.close();
    assert.deepEqual(file.bytes(), bytes, "sync writer: close changed bytes");

    const file2 = new MemoryFile(bytes);
    const a = await NpyAppendArray.open(file2, row.options);
    await assert.rejects(a.append(row.input), check);
    await a.close();
    assert.deepEqual(file2.bytes(), bytes, "async writer: bytes unchanged");

    const file3 = new MemoryFile(bytes);
    const q = await NpyAppendArray.open(asyncOnly(file3), row.options);
    await assert.rejects(q.append(row.input), check);
    await q.close();
    assert.deepEqual(file3.bytes(), bytes, "queued writer: bytes unchanged");

    // The file still reads as before.
    assert.deepEqual(
      readNpySync(file).shape,
      readNpySync(bytes2file(bytes)).shape,
    );
  });
}

function bytes2file(bytes: Uint8Array): MemoryFile {
  return new MemoryFile(bytes);
}

/** A bad first append to a new file: nothing is written. */
function badFirstAppend(
  name: string,
  row: {
    options?: NpyAppendArrayOptions;
    input: ArrayInput;
    error: ErrorClass;
    message: RegExp;
  },
): void {
  test(name, async () => {
    const check = matches(row.error, row.message);
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, row.options);
    assert.throws(() => w.append(row.input), check);
    assert.equal(file.sizeSync(), 0);
    const file2 = new MemoryFile();
    const q = await NpyAppendArray.open(asyncOnly(file2), row.options);
    await assert.rejects(q.append(row.input), check);
    assert.equal(file2.sizeSync(), 0);
  });
}

/** A bad option or target: open throws, the file is untouched. */
function badOpen(
  name: string,
  row: {
    bytes?: Uint8Array;
    target?: unknown;
    options?: NpyAppendArrayOptions;
    error: ErrorClass;
    message: RegExp;
  },
): void {
  test(name, async () => {
    const check = matches(row.error, row.message);
    const bytes = row.bytes ?? new Uint8Array(0);
    const file = new MemoryFile(bytes);
    const target = (row.target ?? file) as MemoryFile;
    assert.throws(() => NpyAppendArraySync.open(target, row.options), check);
    assert.deepEqual(file.bytes(), bytes);
    const file2 = new MemoryFile(bytes);
    const target2 = (row.target ?? asyncOnly(file2)) as FileLike;
    await assert.rejects(NpyAppendArray.open(target2, row.options), check);
    assert.deepEqual(file2.bytes(), bytes);
  });
}

// ---------------------------------------------------------------------------

describe("bad input: appends (SPEC 4 and 10)", () => {
  const f8 = { dtype: "<f8", initial: [[1, 2, 3], [4, 5, 6]] };
  const u1 = { dtype: "|u1", initial: [1, 2] };

  badAppend("wrong rank", {
    ...f8,
    input: [1, 2, 3],
    error: RangeError,
    message: /shape \(3,\).*must be \(n, 3\)/,
  });
  badAppend("wrong shape", {
    ...f8,
    input: [[1, 2]],
    error: RangeError,
    message: /shape \(1, 2\).*must be \(n, 3\)/,
  });
  badAppend("wrong shape in Fortran order (growth on the last axis)", {
    dtype: "<f8",
    initial: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] },
    create: { fortranOrder: true },
    input: { data: [1, 2, 3], shape: [3, 1] },
    error: RangeError,
    message: /shape \(3, 1\).*must be \(2, n\).*axis 1/,
  });
  badAppend("ragged nested arrays", {
    ...f8,
    input: [[1, 2, 3], [4, 5]],
    error: RangeError,
    message: /ragged/,
  });
  badAppend("NaN into u1", {
    ...u1,
    input: [NaN],
    error: RangeError,
    message: /NaN.*"\|u1".*"unsafe"/,
  });
  badAppend("3.5 into u1", {
    ...u1,
    input: [3.5],
    error: RangeError,
    message: /3\.5.*"\|u1"/,
  });
  badAppend("300 into u1", {
    ...u1,
    input: [300],
    error: RangeError,
    message: /300.*"\|u1"/,
  });
  badAppend("-1 into u1", {
    ...u1,
    input: [-1],
    error: RangeError,
    message: /-1.*"\|u1"/,
  });
  badAppend("Infinity into i4", {
    dtype: "<i4",
    initial: [1],
    input: [Infinity],
    error: RangeError,
    message: /Infinity.*"<i4"/,
  });
  badAppend("2**53 into i8 as a number (not a safe integer)", {
    dtype: "<i8",
    initial: [1],
    input: [2 ** 53],
    error: RangeError,
    message: /9007199254740992.*not a safe integer.*bigint/,
  });
  badAppend("2**63 into i8 as a bigint", {
    dtype: "<i8",
    initial: [1],
    input: [2n ** 63n],
    error: RangeError,
    message: /9223372036854775808n.*"<i8"/,
  });
  badAppend("Int32Array holding 70000 into i2", {
    dtype: "<i2",
    initial: [1],
    input: new Int32Array([1, 70000]),
    error: RangeError,
    message: /70000.*"<i2"/,
  });
  badAppend("string too long for U3", {
    dtype: "<U3",
    initial: ["abc"],
    input: ["abcd"],
    error: RangeError,
    message: /"abcd".*"<U3"/,
  });
  badAppend("non-ASCII string into S4", {
    dtype: "|S4",
    initial: ["ab"],
    input: ["名"],
    error: RangeError,
    message: /ASCII text only.*"U" dtype.*Uint8Array/,
  });
  badAppend("bytes too long for S2", {
    dtype: "|S2",
    initial: ["ab"],
    input: { data: [new Uint8Array([1, 2, 3])], shape: [1] },
    error: RangeError,
    message: /"\|S2"/,
  });
  badAppend("0-d input", {
    ...u1,
    input: { data: [1], shape: [] },
    error: RangeError,
    message: /shape \(\).*must be \(n,\)/,
  });
  badAppend("Float64Array into an int file under same_kind", {
    dtype: "<i4",
    initial: [1],
    input: new Float64Array([1]),
    error: TypeError,
    message: /cast.*"<f8".*"<i4".*"same_kind"/,
  });
  badAppend("Float64Array into f4 under casting safe", {
    dtype: "<f4",
    initial: [1],
    options: { casting: "safe" },
    input: new Float64Array([1]),
    error: TypeError,
    message: /cast.*"<f8".*"<f4".*"safe"/,
  });
  badAppend("Float32Array into f8 under casting no", {
    dtype: "<f8",
    initial: [1],
    options: { casting: "no" },
    input: new Float32Array([1]),
    error: TypeError,
    message: /cast.*"<f4".*"<f8".*"no"/,
  });
  badAppend("typed array length not matching shape", {
    ...f8,
    input: { data: new Float64Array(5), shape: [1, 3] },
    error: RangeError,
    message: /5 elements.*\(1, 3\).*3/,
  });
  badAppend("plain array length not matching shape", {
    ...f8,
    input: { data: [1, 2, 3, 4], shape: [1, 3] },
    error: RangeError,
    message: /4 elements.*\(1, 3\)/,
  });
  badAppend("negative dim in shape", {
    ...u1,
    input: { data: [], shape: [-1] },
    error: RangeError,
    message: /shape \(-1\).*non-negative integers/,
  });
  badAppend("fractional dim in shape", {
    ...u1,
    input: { data: [1], shape: [1.5] },
    error: RangeError,
    message: /shape \(1\.5\).*non-negative integers/,
  });
  badAppend("complex typed array of odd length", {
    dtype: "<c16",
    initial: { data: [1, 2], shape: [1] },
    input: new Float64Array(3),
    error: RangeError,
    message: /complex.*"<c16".*odd/,
  });
  badAppend("structured record missing a field", {
    dtype: "[('a', '<f4'), ('b', '<i8')]",
    initial: { data: [{ a: 1, b: 2n }], shape: [1] },
    input: { data: [{ a: 1 }], shape: [1] },
    error: TypeError,
    message: /field "b" is missing/,
  });
  badAppend("string into a float file", {
    ...u1,
    dtype: "<f8",
    input: ["a"],
    error: TypeError,
    message: /"a".*"<f8" needs numbers/,
  });
  badAppend("number too long for a string file", {
    dtype: "<U3",
    initial: ["abc"],
    input: [1234],
    error: RangeError,
    message: /value 1234.*does not fit dtype "<U3"/,
  });
  badAppend("not an array at all", {
    ...u1,
    input: 42 as unknown as ArrayInput,
    error: TypeError,
    message: /Cannot append 42.*pass a typed array/,
  });

  badFirstAppend("0-d input to a new file", {
    input: { data: [1], shape: [] },
    error: RangeError,
    message: /0-d array.*at least one axis/,
  });
  badFirstAppend("ragged nested arrays to a new file", {
    input: [[1], [2, 3]],
    error: RangeError,
    message: /ragged/,
  });

  test("appending after close", async () => {
    const bytes = validFile("|u1", [1, 2]);
    const file = new MemoryFile(bytes);
    const w = NpyAppendArraySync.open(file);
    w.close();
    assert.throws(() => w.append([3]), matches(TypeError, /closed/));
    const q = await NpyAppendArray.open(asyncOnly(file));
    await q.close();
    await assert.rejects(q.append([3]), matches(TypeError, /closed/));
    assert.deepEqual(file.bytes(), bytes);
  });
});

describe("bad input: open options and files (SPEC 3 and 10)", () => {
  const f8 = validFile("<f8", [1, 2]);

  badOpen("bad dtype option", {
    options: { dtype: "float128" },
    error: TypeError,
    message: /Cannot open the file object: .*dtype "float128"/,
  });
  badOpen("unknown dtype option", {
    options: { dtype: "blah" },
    error: TypeError,
    message: /dtype "blah": unknown type; use .*"<f8"/,
  });
  badOpen("object dtype option", {
    options: { dtype: "O" },
    error: TypeError,
    message: /"\|O".*Python objects/,
  });
  badOpen("bad casting option", {
    options: { casting: "maybe" as never },
    error: TypeError,
    message: /casting "maybe".*"same_kind"/,
  });
  badOpen("fortranOrder that is not a boolean", {
    options: { fortranOrder: 1 as never },
    error: TypeError,
    message: /fortranOrder must be a boolean/,
  });
  badOpen("a target that is not a file", {
    target: 42,
    error: TypeError,
    message: /Cannot open target: pass a path/,
  });
  badOpen("dtype option not matching the file", {
    bytes: f8,
    options: { dtype: "<f4" },
    error: TypeError,
    message: /"<f4" does not match file dtype "<f8"/,
  });
  // A 1-d file's order cannot mismatch (stop 24), nor a (1, n) one's.
  badOpen("fortranOrder option not matching the file", {
    bytes: validFile("<f8", [[1, 2], [3, 4]]),
    options: { fortranOrder: true },
    error: TypeError,
    message: /fortranOrder true does not match/,
  });
  badOpen("0-d file", {
    bytes: npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8),
    error: RangeError,
    message: /0-d array.*deleteIfExists/,
  });
  badOpen("object dtype file", {
    bytes: npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8),
    error: NpyFormatError,
    message: /"\|O".*Python objects/,
  });
  badOpen("header without room to grow", {
    bytes: tightHeader(),
    error: RangeError,
    message: /no room to grow.*ensureAppendable/,
  });
  badOpen("data shorter than the header says", {
    bytes: f8.subarray(0, f8.length - 3),
    error: NpyFormatError,
    message: /header says.*recover first/,
  });
  badOpen("data longer than the header says", {
    bytes: new Uint8Array([...f8, 1, 2, 3]),
    error: NpyFormatError,
    message: /header says.*recover/,
  });

  test("0-d file reads, but cannot be appended to", () => {
    const bytes = npy(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
      8,
    );
    assert.deepEqual(readNpySync(new MemoryFile(bytes)).shape, []);
  });

  test("oversized header: > maxHeaderSize fails, raising maxHeaderSize works", async () => {
    // A structured dtype with 600 fields: a header of about 16,000 chars.
    const fields = Array.from({ length: 600 }, (_, i) => `('f${i}', '<i4')`);
    const text = `{'descr': [${
      fields.join(", ")
    }], 'fortran_order': False, 'shape': (1,), }`;
    assert.ok(text.length > 10000);
    const bytes = npy(text, 600 * 4);
    const check = matches(
      NpyFormatError,
      /maxHeaderSize \(10000\).*raise maxHeaderSize/,
    );
    assert.throws(() => parseHeader(bytes), check);
    assert.throws(() => readNpySync(new MemoryFile(bytes)), check);
    await assert.rejects(readNpy(asyncOnly(new MemoryFile(bytes))), check);
    assert.throws(() => NpyAppendArraySync.open(new MemoryFile(bytes)), check);
    const big = { maxHeaderSize: 20000 };
    assert.equal(parseHeader(bytes, big).dtype.itemsize, 2400);
    assert.deepEqual(readNpySync(new MemoryFile(bytes), big).shape, [1]);
    assert.deepEqual(
      (await readNpy(asyncOnly(new MemoryFile(bytes)), big)).shape,
      [1],
    );
    const w = NpyAppendArraySync.open(new MemoryFile(bytes), big);
    assert.deepEqual(w.shape, [1]);
  });

  test("messages name the file's path", () => {
    const dir = tempDir();
    const good = join(dir, "good.npy");
    writeFileSync(good, f8);
    const w = NpyAppendArraySync.open(good);
    assert.throws(() => w.append([[1, 2]]), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.ok(e.message.includes(good), e.message);
      return true;
    });
    w.close();
    assert.deepEqual(new Uint8Array(readFileSync(good)), f8);

    const bad = join(dir, "bad.npy");
    writeFileSync(bad, npy("{'descr': '<f8', 'fortran_order': False, }", 0));
    for (
      const [verb, run] of [
        ["read", () => readNpySync(bad)],
        ["open", () => NpyAppendArraySync.open(bad)],
      ] as const
    ) {
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof NpyFormatError);
        assert.ok(
          e.message.startsWith(`Cannot ${verb} ${JSON.stringify(bad)}: `),
          e.message,
        );
        assert.match(e.message, /keys must be/);
        return true;
      });
    }
  });
});

// ---------------------------------------------------------------------------
// Malformed headers (SPEC 5)

/** A file: framed header text (NumPy's padding) and `data` zero bytes. */
function npy(
  text: string,
  data: number,
  options: { version?: number; newline?: boolean; utf8?: boolean } = {},
): Uint8Array {
  const body = options.utf8
    ? new TextEncoder().encode(text)
    : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const version = options.version ?? 1;
  const prefix = version === 1 ? 10 : 12;
  const nl = options.newline ?? true ? 1 : 0;
  const total = Math.ceil((prefix + body.length + nl) / 64) * 64;
  const out = new Uint8Array(total + data);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, total - 10, true);
  else view.setUint32(8, total - 12, true);
  out.set(body, prefix);
  out.fill(0x20, prefix + body.length, total);
  if (nl) out[total - 1] = 0x0a;
  return out;
}

/** NumPy < 1.23 style: padding to 16 bytes and no growth space. */
function tightHeader(): Uint8Array {
  let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  while ((10 + text.length + 1) % 16 !== 0) text += " ";
  const out = new Uint8Array(10 + text.length + 1 + 16);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length + 1, 0]);
  out.set(Uint8Array.from(text, (c) => c.charCodeAt(0)), 10);
  out[10 + text.length] = 0x0a;
  return out;
}

const GOOD = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
const good = (): Uint8Array => npy(GOOD, 16);

function dictWith(replace: string, by: string): string {
  assert.ok(GOOD.includes(replace));
  return GOOD.replace(replace, by);
}

interface HeaderRow {
  bytes: () => Uint8Array;
  message: RegExp;
  /** The header itself is fine; only reading the whole file fails. */
  fileOnly?: boolean;
}

function badHeader(name: string, row: HeaderRow): void {
  test(name, async () => {
    const bytes = row.bytes();
    // The readers put "Cannot read <file>: " in front, lower-casing the
    // first word, hence "i".
    const check = matches(NpyFormatError, new RegExp(row.message.source, "i"));
    if (!row.fileOnly) assert.throws(() => parseHeader(bytes), check);
    const file = new MemoryFile(bytes);
    assert.throws(
      () => readNpySync(file),
      matches(
        NpyFormatError,
        new RegExp(
          `^Cannot read the file object: .*${row.message.source}`,
          "i",
        ),
      ),
    );
    await assert.rejects(readNpy(asyncOnly(file)), check);
    assert.throws(
      () => NpyAppendArraySync.open(file),
      (e: unknown) => e instanceof NpyFormatError || e instanceof RangeError,
    );
    await assert.rejects(
      NpyAppendArray.open(asyncOnly(file)),
      (e: unknown) => e instanceof NpyFormatError || e instanceof RangeError,
    );
    assert.deepEqual(file.bytes(), bytes, "bytes unchanged");
  });
}

describe("bad input: malformed headers (SPEC 5)", () => {
  test("the well-formed control file reads", () => {
    assert.deepEqual(readNpySync(new MemoryFile(good())).shape, [2]);
  });

  badHeader("wrong magic", {
    bytes: () => {
      const b = good();
      b[1] = 0x4f;
      return b;
    },
    message: /Not a \.npy file: the magic string/i,
  });
  badHeader("file shorter than the preamble", {
    bytes: () => good().subarray(0, 7),
    message: /only 7 bytes/,
  });
  badHeader("version 4.0", {
    bytes: () => {
      const b = good();
      b[6] = 4;
      return b;
    },
    message: /version 4\.0.*1\.0, 2\.0 and 3\.0/,
  });
  badHeader("version 1.1", {
    bytes: () => {
      const b = good();
      b[7] = 1;
      return b;
    },
    message: /version 1\.1/,
  });
  badHeader("header length past the end of the file", {
    bytes: () => good().subarray(0, 100),
    message:
      /Truncated \.npy file: the header needs 128 bytes but the file has 100/i,
  });
  badHeader("header length field larger than maxHeaderSize allows", {
    bytes: () => {
      const b = good();
      b[6] = 2;
      new DataView(b.buffer).setUint32(8, 0x7fffffff, true);
      return b;
    },
    // parseHeader, given some first bytes, names the cap; the readers,
    // which know the file holds fewer bytes, name the cut (stop 23).
    message: /(maxHeaderSize|header needs 2147483659 bytes but the file has)/,
  });
  badHeader("no trailing newline", {
    bytes: () => npy(GOOD, 16, { newline: false }),
    message: /does not end with a newline/,
  });
  badHeader("not a dict: a list", {
    bytes: () => npy("['<f8', False, (2,)]", 16),
    message: /not a dictionary/,
  });
  badHeader("not a literal at all", {
    bytes: () => npy("__import__('os').system('ls')", 16),
    message: /Cannot parse header: unexpected character at offset 0/i,
  });
  badHeader("missing key", {
    bytes: () => npy("{'descr': '<f8', 'fortran_order': False, }", 16),
    message:
      /keys must be 'descr', 'fortran_order' and 'shape', found 'descr', 'fortran_order'/,
  });
  badHeader("extra key", {
    bytes: () => npy(dictWith("}", "'extra': 1, }"), 16),
    message: /keys must be.*'extra'/,
  });
  badHeader("duplicate key", {
    bytes: () => npy(dictWith("}", "'shape': (2,), }"), 16),
    message: /duplicate key "shape"/,
  });
  badHeader("unterminated string", {
    bytes: () =>
      npy("{'descr': '<f8, 'fortran_order': False, 'shape': (2,), }", 16),
    message: /Cannot parse header: .*offset/i,
  });
  badHeader("negative dim", {
    bytes: () => npy(dictWith("(2,)", "(-2,)"), 16),
    message: /entry 0 \(-2\) is negative/,
  });
  badHeader("fractional dim", {
    bytes: () => npy(dictWith("(2,)", "(2.5,)"), 16),
    message: /unsupported number syntax/,
  });
  badHeader("bool as dim", {
    bytes: () => npy(dictWith("(2,)", "(True,)"), 16),
    message: /entry 0 is True/,
  });
  badHeader("string as dim", {
    bytes: () => npy(dictWith("(2,)", "('2',)"), 16),
    message: /entry 0 is not an integer/,
  });
  badHeader("shape is a list, not a tuple", {
    bytes: () => npy(dictWith("(2,)", "[2]"), 16),
    message: /shape must be a tuple/,
  });
  badHeader("fortran_order is not a bool", {
    bytes: () => npy(dictWith("False", "0"), 16),
    message: /fortran_order must be True or False, found 0/,
  });
  badHeader("dim larger than 2**53", {
    bytes: () => npy(dictWith("(2,)", "(1152921504606846976,)"), 16),
    message: /entry 0 \(1152921504606846976\) is too large/,
  });
  badHeader("dim of 10**400 digits", {
    bytes: () => npy(dictWith("(2,)", `(1${"0".repeat(400)},)`), 16),
    message: /integer too long/,
  });
  badHeader("shape whose element count overflows", {
    bytes: () => npy(dictWith("(2,)", "(67108864, 67108864, 67108864)"), 16),
    message: /holds too many elements/,
  });
  badHeader("shape and descr that overflow the byte count", {
    bytes: () =>
      npy(
        "{'descr': '<U100', 'fortran_order': False, 'shape': (1125899906842624,), }",
        16,
      ),
    message: /itemsize 400 overflows the byte count/,
  });
  badHeader("unknown dtype", {
    bytes: () => npy(dictWith("'<f8'", "'<q7'"), 16),
    message: /Invalid descr '<q7' in header: .*unknown type/,
  });
  badHeader("long double dtype", {
    bytes: () => npy(dictWith("'<f8'", "'<f16'"), 16),
    message: /Invalid descr '<f16'.*long double/,
  });
  badHeader("descr that is not a string or a list", {
    bytes: () => npy(dictWith("'<f8'", "3"), 16),
    message: /Invalid descr 3 in header/,
  });
  badHeader("structured descr with a duplicate field", {
    bytes: () => npy(dictWith("'<f8'", "[('a', '<f4'), ('a', '<f4')]"), 16),
    message: /duplicate field name or title "a"/,
  });
  badHeader("NPY 3.0 header that is not UTF-8", {
    bytes: () => {
      const b = npy(GOOD, 16, { version: 3 });
      b[12 + 11] = 0xff;
      return b;
    },
    message: /not valid UTF-8/,
  });
  badHeader("object dtype (pickled data)", {
    bytes: () => npy(dictWith("'<f8'", "'|O'"), 16),
    message: /"\|O".*Python objects/,
    fileOnly: true,
  });
  badHeader("data shorter than the shape says", {
    bytes: () => good().subarray(0, 128 + 12),
    message:
      /holds 12 data bytes but its header says 16.*recover.*allowIncomplete/,
    fileOnly: true,
  });

  test("an oversized header at a custom maxHeaderSize", () => {
    const bytes = good();
    assert.throws(
      () => parseHeader(bytes, { maxHeaderSize: 50 }),
      matches(NpyFormatError, /larger than maxHeaderSize \(50\)/),
    );
    assert.deepEqual(parseHeader(bytes, { maxHeaderSize: 118 }).shape, [2]);
  });

  test("a header of NumPy's own making reads (control for the table)", () => {
    const bytes = encodeHeader({
      dtype: "<f8",
      fortranOrder: false,
      shape: [2],
    });
    assert.deepEqual(parseHeader(bytes).shape, [2]);
  });
});

describe("folder entry points given neither a path nor a URL", () => {
  test("a TypeError naming the value and the fix, never `undefined` or a crash", async () => {
    const want = (what: string) => ({
      name: "TypeError",
      message: `Cannot open ${what}: pass a path or a file: URL`,
    });
    assert.throws(() => NpyStackWriterSync.open(42 as never), want("42"));
    assert.throws(() => NpyStackReader.openSync(null as never), want("null"));
    assert.throws(
      () => recoverGroupSync({} as never),
      want("an object (Object)"),
    );
    await assert.rejects(
      NpyGroupWriter.open(undefined as never, { members: { a: "<f8" } }),
      want("undefined"),
    );
  });
});
