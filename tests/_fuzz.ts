/**
 * A seeded fuzzer for everything that reads a `.npy` file: the header
 * parser, the writers' `open`, the readers and the maintenance functions.
 * Used by `scripts/fuzz.ts` (100,000 cases and more) and
 * `tests/fuzz_test.ts` (a short run in CI).
 *
 * Each case starts from a seed file (NumPy fixtures, files our writer
 * made) or a header made up from a grammar, and mutates it: bit flips,
 * byte edits, insertions, deletions, truncation, the version and length
 * fields, and token edits of the header text (digits, quotes, brackets,
 * keys, huge numbers such as 2**60 and 10**400, negative numbers, `True`
 * as a dim, unicode), usually reframed so the header stays well formed
 * enough to reach the deeper code. Case `i` of seed `s` is always the
 * same file, so a failure is replayed with `--seed s --only i`.
 *
 * The oracle: every call ends in a result, an `NpyFormatError`, or a
 * `RangeError` of the library (message starting with "Cannot"); never
 * another exception (a `TypeError`, an engine `RangeError` such as
 * "Invalid array length" or "Maximum call stack size exceeded"). On
 * success the results must agree (a file that `open` accepts reads back,
 * appending its own data doubles it; `recover` makes a file readable;
 * `ensureAppendable` keeps the data), and a failed append or maintenance
 * call leaves the bytes unchanged.
 *
 * @module
 */

import {
  encodeHeader,
  type FileLike,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  parseDType,
  parseHeader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import { readNpyRecordsSync } from "../src/read_npy_records.ts";
import { decodeCost } from "../src/dtype.ts";
import { pyReprString } from "../src/py_literal.ts";
import * as allExports from "../mod.ts";

// ---------------------------------------------------------------------------
// Random numbers

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

function caseSeed(seed: number, index: number): number {
  // Mix the seed before the index joins it: with a plain XOR, seeds 1 and
  // 2 gave the same cases in another order.
  let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x27d4eb2d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------
// Building and mutating files

const LATIN1 = (bytes: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return s;
};

/**
 * Frames header text as NumPy does: magic, version, length field, the
 * text, spaces up to a multiple of 64 and a final newline. Text outside
 * latin1 is written as UTF-8 with version 3.0.
 */
export function frameHeader(
  text: string,
  options: {
    version?: number | undefined;
    newline?: boolean;
    pad?: boolean;
  } = {},
): Uint8Array {
  let body: Uint8Array;
  const latin1 = [...text].every((c) => c.codePointAt(0)! <= 0xff);
  if (latin1) {
    body = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) body[i] = text.charCodeAt(i);
  } else body = new TextEncoder().encode(text);
  const version = options.version ?? (latin1 ? 1 : 3);
  const prefix = version === 1 ? 10 : 12;
  const newline = options.newline ?? true;
  let total = prefix + body.length + (newline ? 1 : 0);
  if (options.pad ?? true) total = Math.ceil(total / 64) * 64;
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, (total - 10) & 0xffff, true);
  else view.setUint32(8, total - 12, true);
  out.set(body, prefix);
  out.fill(0x20, prefix + body.length, total);
  if (newline) out[total - 1] = 0x0a;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The header text and the data of a file, when its preamble is readable. */
function splitFile(
  bytes: Uint8Array,
): { text: string; data: Uint8Array; version: number } | null {
  if (bytes.length < 12 || bytes[0] !== 0x93) return null;
  const version = bytes[6]!;
  const prefix = version === 1 ? 10 : 12;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const len = prefix === 10 ? view.getUint16(8, true) : view.getUint32(8, true);
  const end = prefix + len;
  if (end > bytes.length) return null;
  const raw = bytes.subarray(prefix, end);
  const text = version === 3 ? new TextDecoder().decode(raw) : LATIN1(raw);
  return { text, data: bytes.subarray(end), version };
}

const HUGE = [
  "0",
  "1",
  "2",
  "3",
  "7",
  "64",
  "255",
  "65536",
  "2147483647",
  "2147483648",
  "4294967296",
  "9007199254740991", // 2**53 - 1
  "9007199254740992", // 2**53
  "9007199254740993",
  "1152921504606846976", // 2**60
  "18446744073709551616", // 2**64
  "1" + "0".repeat(400), // 10**400
  "-1",
  "-0",
  "-9007199254740993",
  "+3",
  "007",
  "3L",
  "3l",
  "1.5",
  "1e3",
  "0x10",
  "1_000",
  "True",
  "False",
  "None",
];

const DESCRS = [
  "'<f8'",
  "'>f8'",
  "'<f4'",
  "'<f2'",
  "'|b1'",
  "'|i1'",
  "'|u1'",
  "'<i2'",
  "'>u2'",
  "'<i4'",
  "'<u8'",
  "'>i8'",
  "'<c8'",
  "'>c16'",
  "'<U5'",
  "'>U1'",
  "'<U0'",
  "'|S4'",
  "'|S0'",
  "'|V8'",
  "'|V0'",
  "'<M8[ns]'",
  "'>M8[D]'",
  "'<m8[s]'",
  "'<M8'",
  "'<M8[xx]'",
  "'|O'",
  "'<f16'",
  "'<c32'",
  "'<i3'",
  "'<f'",
  "'f8'",
  "'=f4'",
  "'float64'",
  "'<U2147483648'",
  "'|V99999999999999'",
  "'<U99999999999999999999'",
  "''",
  "'<'",
  "[]",
  "[('a', '<f4'), ('b', '<i8', (2,))]",
  "[('a', '|u1'), ('', '|V3'), ('b', '<i4')]",
  "[('p', [('x', '<i4'), ('y', '<i4')]), ('t', '<f8')]",
  "[('a', '<f8', (1152921504606846976,))]",
  "[('a', '<f8', (67108864, 67108864, 67108864))]",
  "[('a', '<f8', (-1,))]",
  "[('a', '<f8', (True,))]",
  "[('a', '|O')]",
  "[('a', '<f4'), ('a', '<f4')]",
  "[(('title', 'a'), '<f4')]",
  "[('a',)]",
  "[('a', '<f4', (2,), 1)]",
  "[(1, '<f4')]",
  "('<f4', (2,))",
  "{'names': ['a']}",
  "3",
  "True",
];

const KEYS = ["'descr'", "'fortran_order'", "'shape'", "'extra'", "''"];

const TOKENS = [
  ...HUGE,
  ...DESCRS,
  ...KEYS,
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  "'",
  '"',
  "\\",
  " ",
  "\n",
  "\t",
  "()",
  "(,)",
  "(1,)",
  "(3, 4)",
  "[]",
  "{}",
  "'\\x00'",
  "'\\u00e9'",
  "'\\U0001F600'",
  "'\\ud800'",
  "'\\q'",
  "'é'",
  "'名'",
  "'😀'",
  "\u00e9",
  "\u540d",
  "\ud800",
  "'unterminated",
  "'''",
  "b'x'",
  "u'x'",
  "r'x'",
  "...",
  "#",
  "lambda",
  "__import__('os')",
];

const TOKEN_RE =
  /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[-+]?\d+[lL]?|True|False|[{}()[\],:]|\s+|./gsu;

function mutateText(text: string, r: Rand): string {
  const tokens = text.match(TOKEN_RE) ?? [];
  if (tokens.length === 0) return r.pick(TOKENS);
  const rounds = r.chance(0.6) ? 1 : 2 + r.int(2);
  for (let k = 0; k < rounds; k++) {
    const solid = tokens
      .map((t, i) => (/^\s+$/.test(t) ? -1 : i))
      .filter((i) => i >= 0);
    const at = solid.length > 0 ? r.pick(solid) : r.int(tokens.length);
    const tok = tokens[at] ?? "";
    switch (r.int(9)) {
      case 0:
      case 1:
        tokens[at] = r.pick(TOKENS);
        break;
      case 2:
        tokens[at] = /\d/.test(tok) ? r.pick(HUGE) : r.pick(DESCRS);
        break;
      case 3:
        tokens.splice(at, 1);
        break;
      case 4:
        tokens.splice(at, 0, r.pick(TOKENS));
        break;
      case 5:
        tokens.splice(at, 0, tok);
        break;
      case 6: {
        // edit one character inside the token
        if (tok.length === 0) break;
        const i = r.int(tok.length);
        const c = r.pick(["0", "9", "'", '"', "\\", "(", "]", "é", "\u0000"]);
        tokens[at] = tok.slice(0, i) + c + tok.slice(i + 1);
        break;
      }
      case 7:
        // the dict's entries in another order, or one dropped
        return text.replace(/'shape': \([^)]*\)/, (m) => m + ", 'extra': 1");
      default:
        tokens[at] = tok.repeat(2 + r.int(3));
    }
  }
  return tokens.join("");
}

function randomDescr(r: Rand, depth: number): string {
  if (depth > 2 || r.chance(0.7)) return r.pick(DESCRS);
  const n = r.int(4);
  const fields: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.pick(["'a'", "'b'", "''", "'é'", "'名'", "'a'"]);
    const shape = r.chance(0.3)
      ? `, (${r.pick(["2", "0", "3, 4", "2**60", "1152921504606846976"])},)`
      : "";
    fields.push(`(${name}, ${randomDescr(r, depth + 1)}${shape})`);
  }
  return `[${fields.join(", ")}]`;
}

function randomShape(r: Rand): string {
  const n = r.pick([0, 1, 1, 1, 2, 2, 3, 4]);
  const dims: string[] = [];
  for (let i = 0; i < n; i++) {
    dims.push(
      r.chance(0.6) ? String(r.int(6)) : r.pick(HUGE),
    );
  }
  if (n === 1) return `(${dims[0]},)`;
  return `(${dims.join(", ")})`;
}

/** A header made up from the grammar, with some data after it. */
function grammarFile(r: Rand): Uint8Array {
  const descr = randomDescr(r, 0);
  const fortran = r.chance(0.9)
    ? (r.chance(0.5) ? "True" : "False")
    : r.pick(["1", "None", "'False'"]);
  const entries = [
    `'descr': ${descr}`,
    `'fortran_order': ${fortran}`,
    `'shape': ${randomShape(r)}`,
  ];
  if (r.chance(0.1)) entries.reverse();
  let text = `{${entries.join(", ")}, }`;
  if (r.chance(0.3)) text = mutateText(text, r);
  text += " ".repeat(r.int(22));
  const header = frameHeader(text, {
    version: r.chance(0.9) ? undefined : r.pick([1, 2, 3]),
  });
  // Try to give it the data its shape asks for, so reads get past the
  // size check.
  let want = r.int(64);
  try {
    const h = parseHeader(header);
    const bytes = h.shape.reduce((a, b) => a * b, 1) * h.dtype.itemsize;
    if (bytes <= 1 << 16) want = r.chance(0.8) ? bytes : bytes + r.int(9) - 4;
  } catch {
    // a bad header: any data will do
  }
  const data = new Uint8Array(Math.max(0, want));
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return concat(header, data);
}

const SPECIAL_BYTES = [
  0x00,
  0x0a,
  0x20,
  0x27,
  0x22,
  0x28,
  0x29,
  0x2c,
  0x30,
  0x39,
  0x3a,
  0x5b,
  0x5d,
  0x7b,
  0x7d,
  0x7f,
  0x80,
  0x93,
  0xc3,
  0xff,
];

function mutateBytes(input: Uint8Array, r: Rand): Uint8Array {
  let bytes: Uint8Array = input.slice();
  const split = splitFile(bytes);
  const headerEnd = split ? bytes.length - split.data.length : 128;
  // Most edits land in the header: that is where the parsing is.
  const where = (): number =>
    bytes.length === 0
      ? 0
      : r.chance(0.7)
      ? r.int(Math.min(bytes.length, headerEnd + 1))
      : r.int(bytes.length);
  const rounds = r.chance(0.6) ? 1 : 1 + r.int(r.chance(0.3) ? 8 : 3);
  for (let k = 0; k < rounds; k++) {
    switch (r.int(10)) {
      case 0:
      case 1: {
        if (bytes.length === 0) break;
        const at = Math.min(where(), bytes.length - 1);
        bytes[at]! ^= 1 << r.int(8);
        break;
      }
      case 2: {
        if (bytes.length === 0) break;
        const at = Math.min(where(), bytes.length - 1);
        bytes[at] = r.chance(0.5) ? r.pick(SPECIAL_BYTES) : r.int(256);
        break;
      }
      case 3: {
        const at = where();
        const n = 1 + r.int(r.chance(0.1) ? 200 : 4);
        const ins = new Uint8Array(n);
        for (let i = 0; i < n; i++) ins[i] = r.pick(SPECIAL_BYTES);
        bytes = concat(bytes.subarray(0, at), ins, bytes.subarray(at));
        break;
      }
      case 4: {
        const at = where();
        const n = 1 + r.int(8);
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + n));
        break;
      }
      case 5:
        bytes = bytes.slice(0, r.int(bytes.length + 1));
        break;
      case 6:
        // version bytes
        if (bytes.length > 7) {
          bytes[6] = r.pick([0, 1, 2, 3, 4, 255]);
          if (r.chance(0.3)) bytes[7] = r.pick([0, 1, 255]);
        }
        break;
      case 7: {
        // length field
        if (bytes.length < 12) break;
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        const v = r.pick([
          0,
          1,
          headerEnd - 9,
          headerEnd - 11,
          headerEnd + 64,
          0xffff,
          0x10000,
          0x7fffffff,
          0xffffffff,
        ]);
        if (bytes[6] === 1) view.setUint16(8, v & 0xffff, true);
        else view.setUint32(8, v >>> 0, true);
        break;
      }
      case 8: {
        // grow or cut the data
        if (r.chance(0.5)) {
          bytes = bytes.slice(0, Math.max(0, bytes.length - 1 - r.int(16)));
        } else bytes = concat(bytes, new Uint8Array(1 + r.int(16)));
        break;
      }
      default: {
        // swap two bytes in the header
        if (bytes.length < 2) break;
        const a = Math.min(where(), bytes.length - 1);
        const b = Math.min(where(), bytes.length - 1);
        const t = bytes[a]!;
        bytes[a] = bytes[b]!;
        bytes[b] = t;
      }
    }
  }
  return bytes;
}

function mutateHeaderText(input: Uint8Array, r: Rand): Uint8Array {
  const split = splitFile(input);
  if (split === null) return mutateBytes(input, r);
  const text = mutateText(split.text.replace(/\s+$/, ""), r);
  if (r.chance(0.8)) {
    // Reframed: correct length, padding and newline (mostly), so the
    // parser sees the mutated text itself.
    const header = frameHeader(text, {
      newline: r.chance(0.95),
      pad: r.chance(0.9),
      version: r.chance(0.9) ? undefined : r.pick([1, 2, 3]),
    });
    return concat(header, split.data);
  }
  // Keep the old length field: the text ends up short or long.
  const framed = frameHeader(text, { version: split.version });
  const old = input.subarray(0, input.length - split.data.length);
  const out = framed.slice(0, old.length);
  out.set(old.subarray(0, 12));
  return concat(out, split.data);
}

/**
 * Keeps the header well formed but changes what it says: another descr,
 * shape or order, with the data kept, cut, grown or fitted to the shape.
 */
function mutateSemantics(input: Uint8Array, r: Rand): Uint8Array {
  const split = splitFile(input);
  if (split === null) return mutateBytes(input, r);
  let text = split.text;
  switch (r.int(4)) {
    case 0:
      text = text.replace(
        /'descr': (\[.*\]|'[^']*')/s,
        () => `'descr': ${randomDescr(r, 0)}`,
      );
      break;
    case 1:
      text = text.replace(
        /'shape': \([^)]*\)/,
        () => `'shape': ${randomShape(r)}`,
      );
      break;
    case 2:
      text = text.replace(
        /'shape': \(([^)]*)\)/,
        (_m, dims: string) => {
          const parts = dims.split(",").map((d) => d.trim()).filter((d) => d);
          if (parts.length === 0) return "'shape': ()";
          parts[r.int(parts.length)] = r.pick(HUGE);
          return `'shape': (${parts.join(", ")}${
            parts.length === 1 ? "," : ""
          })`;
        },
      );
      break;
    default:
      text = text.replace(
        /True|False/,
        (m) => (m === "True" ? "False" : "True"),
      );
  }
  const header = frameHeader(text.replace(/\s+$/, ""));
  let data = split.data;
  if (r.chance(0.5)) {
    try {
      const h = parseHeader(header);
      const want = h.shape.reduce((a, b) => a * b, 1) * h.dtype.itemsize;
      if (want <= 1 << 16) {
        data = new Uint8Array(want);
        data.set(split.data.subarray(0, want));
      }
    } catch {
      // keep the data
    }
  } else if (r.chance(0.3)) {
    data = data.subarray(0, r.int(data.length + 1));
  }
  return concat(header, data);
}

// ---------------------------------------------------------------------------
// Record dtypes: sub-array fields (nested levels, of records), zero-size
// dimensions, zero-byte items, names that repr escapes, several records

const NAME_CHARS = [
  "a",
  "b",
  "c",
  "\u00a0",
  "\u200b",
  "\u2028",
  "\ufeff",
  "\ue000",
  "\u0378",
  "\x85",
  "\x00",
  "\u{e0001}",
  "\ud800",
  "'",
  '"',
  "\\",
  "\t",
  "\u00e9",
  "\u540d",
  "\u{1f600}",
];

const RECORD_BASES = [
  "'<f8'",
  "'>i2'",
  "'|u1'",
  "'|b1'",
  "'|S0'",
  "'|S3'",
  "'<U0'",
  "'<U2'",
  "'|V0'",
  "'|V2'",
  "'<M8[10ms]'",
  "'>m8[25us]'",
  "'<M8[7D]'",
  "'>c8'",
];

const RECORD_DIMS = ["0", "1", "2", "3", "0", "2147483647", "1099511627776"];

function recordName(r: Rand): string {
  let name = "";
  const n = r.int(4);
  for (let i = 0; i < n; i++) name += r.pick(NAME_CHARS);
  return name;
}

function dimsText(r: Rand): string {
  const n = 1 + r.int(2);
  const dims: string[] = [];
  for (let i = 0; i < n; i++) dims.push(r.pick(RECORD_DIMS));
  return n === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
}

function recordType(r: Rand, depth: number): string {
  let type = depth < 2 && r.chance(0.25)
    ? recordDescr(r, depth + 1)
    : r.pick(RECORD_BASES);
  // Sub-array levels wrapped around the type: ('<f8', (5,)) and deeper.
  const levels = r.chance(0.6) ? 0 : 1 + r.int(2);
  for (let i = 0; i < levels; i++) type = `(${type}, ${dimsText(r)})`;
  return type;
}

function recordDescr(r: Rand, depth: number): string {
  const n = 1 + r.int(3);
  const fields: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    let name = recordName(r);
    while (used.has(name)) name += "a";
    used.add(name);
    const shape = r.chance(0.4) ? `, ${dimsText(r)}` : "";
    fields.push(`(${pyReprString(name)}, ${recordType(r, depth)}${shape})`);
  }
  return `[${fields.join(", ")}]`;
}

function recordShape(r: Rand): string {
  return r.pick([
    "(3,)",
    "(0,)",
    "(2, 2)",
    "()",
    "(1099511627776, 0)",
    "(0, 1099511627776)",
    "(4, 0)",
    "(2147483647,)",
  ]);
}

/** One record: a header from the record grammar and (about) its data. */
function recordRecord(r: Rand): Uint8Array {
  const descr = recordDescr(r, 0);
  const shape = recordShape(r);
  const fortran = r.chance(0.2) ? "True" : "False";
  let text =
    `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  text += " ".repeat(21);
  let header: Uint8Array;
  try {
    // As NumPy would frame it (version by content) when the header is valid.
    const h = parseHeader(frameHeader(text), { maxHeaderSize: 1 << 20 });
    header = encodeHeader({
      dtype: h.dtype,
      fortranOrder: h.fortranOrder,
      shape: h.shape,
    });
  } catch {
    header = frameHeader(text);
  }
  let want = r.int(64);
  try {
    const dt = parseDType(descr);
    const count = shape === "()" ? 1 : shape.slice(1, -1).split(",")
      .filter((d) => d.trim() !== "").reduce((a, d) => a * Number(d), 1);
    const bytes = count * dt.itemsize;
    if (bytes <= 1 << 16) want = r.chance(0.85) ? bytes : bytes + r.int(9) - 4;
  } catch {
    // an invalid dtype: any data will do
  }
  const data = new Uint8Array(Math.max(0, want));
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return concat(header, data);
}

/** A record file; sometimes several records back to back, as np.save
 * called repeatedly on one file writes them. */
function recordFile(r: Rand): Uint8Array {
  const first = recordRecord(r);
  if (r.chance(0.75)) return first;
  const more = [first, recordRecord(r)];
  if (r.chance(0.3)) more.push(recordRecord(r));
  if (r.chance(0.1)) more.push(new Uint8Array([1, 2, 3]));
  return concat(...more);
}

/** Files our own writer makes, as extra seeds (no NumPy needed). */
export function writerSeeds(): Uint8Array[] {
  const inputs: Array<[unknown, Record<string, unknown>]> = [
    [[[1, 2, 3], [4, 5, 6]], {}],
    [new Float32Array([1.5, -2, NaN]), {}],
    [new Int16Array([1, -2, 3, 4]), { dtype: ">i2" }],
    [{ data: [1, 2, 3, 4, 5, 6], shape: [2, 3] }, { fortranOrder: true }],
    [["a", "bc", "名😀"], {}],
    [[true, false], {}],
    [[1n, -2n], {}],
    [{ data: [1, 2, 3, 4], shape: [2, 2] }, { dtype: "<c8" }],
    [{ data: [1n, 2n], shape: [2] }, { dtype: "<M8[ns]" }],
    [
      { data: [{ a: 1, b: [2n, 3n] }], shape: [1] },
      { dtype: "[('a', '<f4'), ('b', '<i8', (2,))]" },
    ],
    [{ data: [], shape: [0, 3] }, { dtype: "<f8" }],
    [{ data: [new Uint8Array([1, 2])], shape: [1] }, { dtype: "|S3" }],
    [{ data: [{ é: 1, b: 2 }], shape: [1] }, {
      dtype: "[('é', '<i4'), ('b', '<i4')]",
    }],
  ];
  return inputs.map(([input, options]) => {
    const file = new MemoryFile();
    const w = NpyAppendArraySync.open(file, options);
    w.append(input as never);
    w.close();
    return file.bytes();
  });
}

/** Case `index` of a run with `seed`: the file bytes to try. */
export function makeCase(
  seeds: readonly Uint8Array[],
  seed: number,
  index: number,
): Uint8Array {
  const r = new Rand(caseSeed(seed, index));
  const kind = r.int(13);
  if (kind >= 10) return recordFile(r);
  if (kind <= 1) return grammarFile(r);
  let base = r.pick(seeds);
  // Big seeds (the 80 kB NPY 2.0 header) are slow to mutate: use them
  // rarely.
  if (base.length > 1 << 14 && r.chance(0.9)) base = r.pick(seeds);
  if (kind <= 3) return mutateSemantics(base, r);
  if (kind <= 6) return mutateHeaderText(base, r);
  if (kind <= 8) return mutateBytes(base, r);
  return mutateBytes(mutateHeaderText(base, r), r);
}

// ---------------------------------------------------------------------------
// The oracle

/** One broken promise. */
export interface FuzzFailure {
  /** The case index (replay with the same seed). */
  index: number;
  /** Which call failed. */
  what: string;
  /** The error, or what property did not hold. */
  error: string;
  /** The file, base64. */
  file: string;
}

/** The outcome of a run. */
export interface FuzzReport {
  seed: number;
  cases: number;
  elapsedMs: number;
  slowestMs: number;
  slowestIndex: number;
  /** The largest growth of the resident set size during one case, bytes. */
  maxCaseRssGrowth: number;
  /** The largest resident set size seen after a case, bytes. */
  peakRss: number;
  /** How many calls ended each way, per call: "readNpySync: NpyFormatError". */
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
}

const ENGINE_RANGE =
  /invalid (typed )?array length|array buffer allocation|call stack|out of memory|invalid string length|out of bounds|outside the bounds|offset is out|invalid dataview/i;

/** Whether a thrown value is one the library may throw for a hostile file. */
export function isAllowedError(e: unknown): boolean {
  if (e instanceof NpyFormatError) return true;
  if (e instanceof RangeError) {
    return /^Cannot /.test(e.message) && !ENGINE_RANGE.test(e.message);
  }
  return false;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-error thrown: ${String(e)}`;
}

function base64(bytes: Uint8Array): string {
  return btoa(LATIN1(bytes));
}

/** A `FileLike` without the sync methods: the writer's queue path. */
export function asyncOnly(file: MemoryFile): FileLike {
  return {
    read: (b, p) => file.read(b, p),
    write: (b, p) => file.write(b, p),
    size: () => file.size(),
    truncate: (n) => file.truncate(n),
  };
}

type Fn = (...args: never[]) => unknown;

/** Maintenance functions, when `src/maintenance.ts` exists. */
export interface Maintenance {
  recover?: Fn;
  recoverSync?: Fn;
  ensureAppendableSync?: Fn;
  isAppendableSync?: Fn;
  needsRecoverySync?: Fn;
}

/** Loads the maintenance functions from mod.ts, where they exist. */
export function loadMaintenance(): Promise<Maintenance> {
  const m = allExports as unknown as Record<string, unknown>;
  const out: Maintenance = {};
  for (
    const k of [
      "recover",
      "recoverSync",
      "ensureAppendableSync",
      "isAppendableSync",
      "needsRecoverySync",
    ] as const
  ) {
    if (typeof m[k] === "function") out[k] = m[k] as Fn;
  }
  return Promise.resolve(out);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether `readNpy` must read a file with a valid header: not an empty
 * file (a new one for the writers), not Python objects, not items of zero
 * bytes (read only up to a cap).
 */
function readable(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  try {
    const h = parseHeader(bytes);
    const count = h.shape.reduce((a, b) => a * b, 1);
    return !h.dtype.hasObject && h.dtype.itemsize > 0 &&
      count * decodeCost(h.dtype) <= 1 << 16 && !unreadableText(bytes);
  } catch {
    return false;
  }
}

/**
 * Whether the file's `U` data holds what no JS string holds (a code point
 * past U+10FFFF, a surrogate pair stored as two code points): refused by
 * readers, as stop 18 decided, though the header is sound.
 */
function unreadableText(bytes: Uint8Array): boolean {
  try {
    readNpySync(new MemoryFile(bytes));
    return false;
  } catch (e) {
    return e instanceof NpyFormatError && e.code === "unsupported-dtype" &&
      / string holds (the code point|the surrogates) /.test(e.reason);
  }
}

function dataLength(data: unknown): number {
  return (data as ArrayLike<unknown>).length;
}

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  seeds: readonly Uint8Array[];
  cases: number;
  seed: number;
  /** Run the async paths on every n-th case (default 4). */
  asyncEvery?: number;
  /** Report a case slower than this as a failure (hang guard; off if unset). */
  slowMs?: number;
  /** Report a case that grows the resident set by more than this (bytes). */
  maxCaseBytes?: number;
  /** Run only this case. */
  only?: number;
  maintenance?: Maintenance;
  /** Called every 10,000 cases. */
  progress?: (done: number) => void;
  /** Called before each case (to find a case that crashes the process). */
  trace?: (index: number) => void;
  /** Stop after this many failures (default 20). */
  maxFailures?: number;
}

/** Runs the fuzzer. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  const m = options.maintenance ?? {};
  const asyncEvery = options.asyncEvery ?? 4;
  const maxFailures = options.maxFailures ?? 20;
  let slowestMs = 0;
  let slowestIndex = -1;
  let maxCaseRssGrowth = 0;
  let peakRss = 0;
  const rss = (): number => {
    const g = globalThis as {
      process?: { memoryUsage?: { rss?: () => number } };
    };
    const f = g.process?.memoryUsage?.rss;
    return typeof f === "function" ? f() : 0;
  };
  const start = performance.now();
  const first = options.only ?? 0;
  const last = options.only !== undefined ? options.only + 1 : options.cases;

  for (let index = first; index < last; index++) {
    if (failures.length >= maxFailures) break;
    const bytes = makeCase(options.seeds, options.seed, index);
    options.trace?.(index);
    const rss0 = rss();
    const t0 = performance.now();
    const fail = (what: string, error: string): void => {
      failures.push({ index, what, error, file: base64(bytes) });
    };
    const count = (what: string, e?: unknown): void => {
      const key = `${what}: ${e === undefined ? "ok" : (e as Error).name}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    };
    // Runs one call; returns its result, or undefined after an error
    // (recorded as a failure when it is not an allowed one).
    const attempt = <T>(what: string, run: () => T): T | undefined => {
      try {
        const v = run();
        count(what);
        return v;
      } catch (e) {
        count(what, e);
        if (!isAllowedError(e)) fail(what, errorText(e));
        return undefined;
      }
    };
    const attemptAsync = async <T>(
      what: string,
      run: () => Promise<T>,
    ): Promise<T | undefined> => {
      try {
        const v = await run();
        count(what);
        return v;
      } catch (e) {
        count(what, e);
        if (!isAllowedError(e)) fail(what, errorText(e));
        return undefined;
      }
    };

    // 1. The header codec, and its round trip.
    const header = attempt("parseHeader", () => parseHeader(bytes));
    if (header !== undefined) {
      attempt("encodeHeader(parsed)", () => {
        const again = parseHeader(
          encodeHeader({
            dtype: header.dtype,
            fortranOrder: header.fortranOrder,
            shape: header.shape,
          }),
          { maxHeaderSize: 1 << 20 },
        );
        if (
          again.dtype.str !== header.dtype.str ||
          again.shape.join() !== header.shape.join() ||
          again.fortranOrder !== header.fortranOrder
        ) {
          fail("encodeHeader(parsed)", "the re-encoded header differs");
        }
      });
    }

    // 2. The readers.
    const read = attempt(
      "readNpySync",
      () => readNpySync(new MemoryFile(bytes)),
    );
    attempt(
      "readNpySync(allowIncomplete)",
      () => readNpySync(new MemoryFile(bytes), { allowIncomplete: true }),
    );
    if (read !== undefined) {
      const n = read.shape.reduce((a, b) => a * b, 1) *
        (header?.dtype.kind === "c" ? 2 : 1);
      if (dataLength(read.data) !== n) {
        fail(
          "readNpySync",
          `data has ${dataLength(read.data)} items, not ${n}`,
        );
      }
    }

    // 2b. NpyReader: the header only, then the whole range and the last item.
    const records = attempt(
      "readNpyRecordsSync",
      () => readNpyRecordsSync(new MemoryFile(bytes)),
    );
    if (records !== undefined && read !== undefined) {
      const first = records[0]!;
      if (
        first.dtype !== read.dtype || first.shape.join() !== read.shape.join()
      ) {
        fail("readNpyRecordsSync", "its first record differs from readNpySync");
      }
    }

    const reader = attempt(
      "NpyReader.openSync",
      () => NpyReader.openSync(new MemoryFile(bytes)),
    );
    if (reader !== undefined) {
      const all = attempt("NpyReader.readSync()", () => reader.readSync());
      if (all !== undefined && read !== undefined) {
        if (all.shape.join() !== read.shape.join()) {
          fail("NpyReader.readSync()", "shape differs from readNpySync");
        }
      }
      if (reader.length > 0) {
        attempt(
          "NpyReader.readSync(last)",
          () => reader.readSync(reader.length - 1, reader.length),
        );
      }
      attempt("NpyReader.closeSync", () => reader.closeSync());
    }

    // 3. The sync writer: open, append the file's own data, read back.
    const file = new MemoryFile(bytes);
    const writer = attempt(
      "NpyAppendArraySync.open",
      () => NpyAppendArraySync.open(file),
    );
    if (writer !== undefined) {
      if (read === undefined && readable(bytes)) {
        fail(
          "NpyAppendArraySync.open",
          "opened a file that readNpySync refuses",
        );
      } else if (read !== undefined && bytes.length <= 1 << 16) {
        const before = file.bytes();
        const ok = attempt("append(own data)", () => {
          writer.append({
            data: read.data as ArrayLike<unknown>,
            shape: read.shape,
            dtype: read.dtype,
            fortranOrder: read.fortranOrder,
          });
          return true;
        });
        if (ok === undefined) {
          if (!sameBytes(before, file.bytes())) {
            fail("append(own data)", "a failed append changed the file");
          }
        } else {
          const axis = read.fortranOrder ? read.shape.length - 1 : 0;
          const back = attempt(
            "readNpySync(after append)",
            () => readNpySync(file),
          );
          if (back === undefined) {
            if (readable(file.bytes())) {
              fail(
                "append(own data)",
                "the file is unreadable after an append",
              );
            }
          } else if (back.shape[axis] !== 2 * read.shape[axis]!) {
            fail(
              "append(own data)",
              `growth axis is ${back.shape[axis]}, not ${
                2 * read.shape[axis]!
              }`,
            );
          }
        }
      }
      attempt("close", () => writer.close());
    }

    // 4. Maintenance, when it exists.
    if (m.isAppendableSync) {
      attempt(
        "isAppendableSync",
        () => m.isAppendableSync!(new MemoryFile(bytes) as never),
      );
    }
    if (m.needsRecoverySync) {
      attempt(
        "needsRecoverySync",
        () => m.needsRecoverySync!(new MemoryFile(bytes) as never),
      );
    }
    if (m.recoverSync) {
      const f = new MemoryFile(bytes);
      const zerofill = index % 2 === 0;
      const ok = attempt(
        "recoverSync",
        () =>
          m.recoverSync!(f as never, { zerofillIncomplete: zerofill } as never),
      );
      if (ok === undefined) {
        if (!sameBytes(f.bytes(), bytes)) {
          fail("recoverSync", "a failed recover changed the file");
        }
      } else {
        if (readable(f.bytes())) {
          try {
            readNpySync(f);
          } catch (e) {
            fail(
              "recoverSync",
              `recovered file is unreadable: ${errorText(e)}`,
            );
          }
        }
        if (m.needsRecoverySync && m.needsRecoverySync(f as never) !== false) {
          fail("recoverSync", "the file still needs recovery");
        }
      }
    }
    if (m.ensureAppendableSync) {
      const f = new MemoryFile(bytes);
      const ok = attempt(
        "ensureAppendableSync(inplace)",
        () => m.ensureAppendableSync!(f as never, { inplace: true } as never),
      );
      if (ok === undefined) {
        if (!sameBytes(f.bytes(), bytes)) {
          fail("ensureAppendableSync", "a failed call changed the file");
        }
      } else if (read !== undefined) {
        try {
          const after = readNpySync(f);
          if (
            after.shape.join() !== read.shape.join() ||
            after.dtype !== read.dtype
          ) fail("ensureAppendableSync", "the array changed");
        } catch (e) {
          fail(
            "ensureAppendableSync",
            `file unreadable after: ${errorText(e)}`,
          );
        }
      }
    }

    // 5. The async paths (queue writer on an async-only file, async read).
    if (index % asyncEvery === 0) {
      const af = new MemoryFile(bytes);
      const aread = await attemptAsync(
        "readNpy(async-only)",
        () => readNpy(asyncOnly(af)),
      );
      if ((aread === undefined) !== (read === undefined)) {
        fail("readNpy(async-only)", "disagrees with readNpySync");
      }
      const aw = await attemptAsync(
        "NpyAppendArray.open(async-only)",
        () => NpyAppendArray.open(asyncOnly(af)),
      );
      if ((aw === undefined) !== (writer === undefined)) {
        fail("NpyAppendArray.open(async-only)", "disagrees with the sync open");
      }
      if (aw !== undefined) {
        if (aread !== undefined && bytes.length <= 1 << 16) {
          const before = af.bytes();
          const ok = await attemptAsync("append(async-only)", async () => {
            await aw.append({
              data: aread.data as ArrayLike<unknown>,
              shape: aread.shape,
              dtype: aread.dtype,
              fortranOrder: aread.fortranOrder,
            });
            return true;
          });
          if (ok === undefined && !sameBytes(before, af.bytes())) {
            fail("append(async-only)", "a failed append changed the file");
          }
        }
        await attemptAsync("close(async-only)", () => aw.close());
      }
      if (m.recover) {
        const rf = new MemoryFile(bytes);
        const ok = await attemptAsync("recover(async-only)", async () => {
          await m.recover!(asyncOnly(rf) as never);
          return true;
        });
        if (ok === undefined && !sameBytes(rf.bytes(), bytes)) {
          fail("recover(async-only)", "a failed recover changed the file");
        }
        if (ok !== undefined && m.recoverSync) {
          // Same result as the sync twin (without zero-fill).
          const sf = new MemoryFile(bytes);
          try {
            m.recoverSync(sf as never);
            if (!sameBytes(sf.bytes(), rf.bytes())) {
              fail("recover(async-only)", "differs from recoverSync");
            }
          } catch (e) {
            fail("recover(async-only)", `recoverSync threw ${errorText(e)}`);
          }
        }
      }
    }

    const ms = performance.now() - t0;
    const rss1 = rss();
    maxCaseRssGrowth = Math.max(maxCaseRssGrowth, rss1 - rss0);
    peakRss = Math.max(peakRss, rss1);
    if (
      options.maxCaseBytes !== undefined && rss1 - rss0 > options.maxCaseBytes
    ) {
      fail("(whole case)", `grew the resident set by ${rss1 - rss0} bytes`);
    }
    if (ms > slowestMs) {
      slowestMs = ms;
      slowestIndex = index;
    }
    if (options.slowMs !== undefined && ms > options.slowMs) {
      fail("(whole case)", `took ${ms.toFixed(0)} ms`);
    }
    if (options.progress && (index + 1) % 10000 === 0) {
      options.progress(index + 1);
    }
  }
  return {
    seed: options.seed,
    cases: last - first,
    elapsedMs: performance.now() - start,
    slowestMs,
    slowestIndex,
    maxCaseRssGrowth,
    peakRss,
    outcomes,
    failures,
  };
}
