/**
 * The pickle of a stack's `info` file, as Dask's `to_npy_stack` writes
 * it: `{'chunks': tuple of tuples of ints, 'dtype': numpy.dtype(...),
 * 'axis': int}`. The reader runs the few opcodes such a file uses in
 * protocols 0 to 5 (Python 2's `str` opcodes too) and builds nothing but
 * tuples, lists, dicts, strings, ints, floats and the two globals
 * `numpy.dtype` and `_codecs.encode`; the writer is
 * `_pickle_write.ts` (re-exported here).
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import { dtypeFromDescr } from "./dtype.ts";
import { latin1Text, PyTuple, type PyValue } from "./py_literal.ts";
import { NpyFormatError } from "./errors.ts";
import { decodeUtf8Pass } from "./_utf8_pass.ts";

import { CLEARING } from "./_pickle_write.ts";

export { pickleStackInfo } from "./_pickle_write.ts";

/** The contents of a stack's `info` file. */
export interface StackInfo {
  /** Chunk lengths per axis; the growth axis lists one per sealed shard. */
  chunks: number[][];
  /** The dtype (`undefined` when the reader could not rebuild it). */
  dtype: DType | undefined;
  /** The growth axis. */
  axis: number;
  /** Marked by a replacing open as being cleared (see `clearStack`). */
  clearing: boolean;
}

// ---------------------------------------------------------------- reader

class Global {
  constructor(readonly name: string) {}
}

class Reduced {
  state: unknown = undefined;
  constructor(readonly fn: string, readonly args: unknown[]) {}
}

/**
 * A Python float: read where a key of its own holds one (Dask ignores
 * such keys), never taken as a chunk or the axis (not a `number`).
 */
class PyFloat {
  constructor(readonly value: number) {}
}

const MARK = Symbol("mark");

function bad(path: string, why: string): never {
  throw new NpyFormatError(
    "damaged-stack",
    `${why}; remove it and run recoverStack, which writes it again from the shards`,
    { file: path, verb: "read the stack info", label: `"${path}"` },
  );
}

/** Runs the pickle VM over `bytes` for the opcodes a stack info uses. */
function unpickle(bytes: Uint8Array, label: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo: unknown[] = [];
  // ignoreBOM: a string that starts with U+FEFF keeps it, as pickle.load
  // keeps it (a field name lost its mark, and the stack was refused).
  const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let i = 0;
  const need = (n: number): number => {
    if (i + n > bytes.length) bad(label, "it ends early");
    const at = i;
    i += n;
    return at;
  };
  const popMark = (): unknown[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) bad(label, "a MARK is missing");
    const items = stack.splice(k);
    items.shift();
    return items;
  };
  const lineBytes = (): Uint8Array => {
    const end = bytes.indexOf(10, i);
    if (end < 0) bad(label, `the line at byte ${i} is cut off`);
    const b = bytes.subarray(i, end);
    i = end + 1;
    return b;
  };
  const line = (): string => dec.decode(lineBytes());
  // Protocols 0 and 1 write ints, memo keys and strs as text lines.
  const int = (): number | boolean => {
    const s = line().replace(/L$/, "");
    if (s === "00" || s === "01") return s === "01"; // INT's False, True
    if (!/^-?[0-9]+$/.test(s)) bad(label, `"${s}" is not an int`);
    return Number(s);
  };
  const memoKey = (): number => {
    const k = int();
    if (typeof k !== "number" || k < 0) {
      bad(label, "a memo key is not an index");
    }
    return k;
  };
  const str = (n: number): void => {
    const at = need(n);
    // surrogatepass, as pickle.load: lone surrogates are taken.
    const s = decodeUtf8Pass(bytes.subarray(at, at + n));
    if (s === undefined) bad(label, `the string at byte ${at} is not UTF-8`);
    stack.push(s);
  };
  // Python 2's str, which Python 3's pickle.load (Dask's) reads as ASCII.
  const py2 = (b: Uint8Array, at: number): void => {
    const k = b.findIndex((c) => c >= 128);
    if (k >= 0) {
      bad(
        label,
        `the Python 2 string at byte ${at} is not ASCII (byte 0x${
          b[k]!.toString(16)
        }), which Python 3's pickle.load refuses too`,
      );
    }
    stack.push(latin1Text(b));
  };
  const top = (): unknown => {
    if (stack.length === 0) bad(label, "the stack is empty");
    return stack[stack.length - 1];
  };
  for (;;) {
    const op = bytes[need(1)]!;
    switch (op) {
      case 0x80: // PROTO
        need(1);
        break;
      case 0x95: // FRAME
        need(8);
        break;
      case 0x2e: // STOP
        return stack.pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map<unknown, unknown>());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push(op === 0x88);
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: { // LONG1
        const n = bytes[need(1)]!;
        const at = need(n);
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k]!);
        if (n > 0 && bytes[at + n - 1]! >= 128) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x58: // BINUNICODE
        str(view.getUint32(need(4), true));
        break;
      case 0x8c: // SHORT_BINUNICODE
        str(bytes[need(1)]!);
        break;
      case 0x43: { // SHORT_BINBYTES
        const n = bytes[need(1)]!;
        const at = need(n);
        stack.push(bytes.slice(at, at + n));
        break;
      }
      case 0x42: { // BINBYTES
        const n = view.getUint32(need(4), true);
        const at = need(n);
        stack.push(bytes.slice(at, at + n));
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(new PyFloat(view.getFloat64(need(8))));
        break;
      case 0x46: { // FLOAT: repr text, one line
        const t = line().trim().toLowerCase().replace(
          /^([+-]?)inf(inity)?$/,
          "$1Infinity",
        );
        const v = t === "nan" || t === "-nan" || t === "+nan" ? NaN : Number(t);
        if (t === "" || (Number.isNaN(v) && !/nan$/.test(t))) {
          bad(label, `"${t}" is not a float`);
        }
        stack.push(new PyFloat(v));
        break;
      }
      case 0x55: // SHORT_BINSTRING (Python 2's str)
      case 0x54: { // BINSTRING
        const n = op === 0x55 ? bytes[need(1)]! : view.getInt32(need(4), true);
        if (n < 0) {
          bad(label, `a string at byte ${i - 4} has a negative length`);
        }
        const at = need(n);
        py2(bytes.subarray(at, at + n), at);
        break;
      }
      case 0x53: { // STRING: a quoted Python 2 str literal, one line
        const at = i;
        const b = lineBytes();
        const q = b[0];
        if (b.length < 2 || (q !== 0x22 && q !== 0x27) || b.at(-1) !== q) {
          bad(label, `the string at byte ${at} is not quoted`);
        }
        py2(escapeDecode(b.subarray(1, -1), label, at), at);
        break;
      }
      case 0x64: // DICT
      case 0x6c: { // LIST
        const items = popMark();
        if (op === 0x6c) {
          stack.push(items);
          break;
        }
        const d = new Map<unknown, unknown>();
        for (let k = 0; k + 1 < items.length; k += 2) {
          d.set(items[k], items[k + 1]);
        }
        stack.push(d);
        break;
      }
      case 0x49: // INT
      case 0x4c: // LONG
        stack.push(int());
        break;
      case 0x56: { // UNICODE: raw-unicode-escape, one line
        const raw = latin1Text(lineBytes());
        stack.push(
          raw.replace(
            /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
            (_, u, w) => String.fromCodePoint(parseInt(u ?? w, 16)),
          ),
        );
        break;
      }
      case 0x70: // PUT
        memo[memoKey()] = top();
        break;
      case 0x67: { // GET
        const k = memoKey();
        if (!(k in memo)) bad(label, `memo ${k} is unset`);
        stack.push(memo[k]);
        break;
      }
      case 0x71: // BINPUT
        memo[bytes[need(1)]!] = top();
        break;
      case 0x72: // LONG_BINPUT
        memo[view.getUint32(need(4), true)] = top();
        break;
      case 0x94: // MEMOIZE
        memo.push(top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const k = op === 0x68 ? bytes[need(1)]! : view.getUint32(need(4), true);
        if (!(k in memo)) bad(label, `memo ${k} is unset`);
        stack.push(memo[k]);
        break;
      }
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: { // TUPLE3
        const n = op - 0x84;
        if (stack.length < n) bad(label, "the stack is too short");
        stack.push(new PyTuple(stack.splice(stack.length - n) as PyValue[]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark() as PyValue[]));
        break;
      case 0x61: { // APPEND
        const v = stack.pop();
        (top() as unknown[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        (top() as unknown[]).push(...items);
        break;
      }
      case 0x73: // SETITEM
      case 0x75: { // SETITEMS
        const items = op === 0x73 ? stack.splice(stack.length - 2) : popMark();
        const d = top();
        if (!(d instanceof Map)) bad(label, "SETITEM outside a dict");
        for (let k = 0; k + 1 < items.length; k += 2) {
          d.set(items[k], items[k + 1]);
        }
        break;
      }
      case 0x63: // GLOBAL
        stack.push(new Global(`${line()}.${line()}`));
        break;
      case 0x93: { // STACK_GLOBAL
        const name = stack.pop(), module = stack.pop();
        stack.push(new Global(`${module}.${name}`));
        break;
      }
      case 0x52: { // REDUCE
        const args = stack.pop(), fn = stack.pop();
        if (!(fn instanceof Global) || !(args instanceof PyTuple)) {
          bad(label, "a REDUCE has no callable");
        }
        if (fn.name === "_codecs.encode") {
          // Python pickles bytes (protocols 0 to 2) as their latin-1 text.
          const text = String(args.items[0]);
          stack.push(
            args.items[1] === "latin1"
              ? Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)
              : new TextEncoder().encode(text),
          );
        } else if (/^numpy\._?core\.multiarray\.scalar$/.test(fn.name)) {
          stack.push(intScalar(args.items, label));
        } else if (fn.name === "numpy.dtype") {
          stack.push(new Reduced(fn.name, args.items));
        } else {bad(
            label,
            `it calls "${fn.name}", which a stack info never does`,
          );}
        break;
      }
      case 0x62: { // BUILD
        const state = stack.pop();
        const obj = top();
        if (!(obj instanceof Reduced)) bad(label, "BUILD of a non-dtype");
        obj.state = state;
        break;
      }
      default:
        bad(
          label,
          `opcode 0x${op.toString(16)} at byte ${i - 1} is not supported`,
        );
    }
  }
}

const ESCAPES: Record<string, number> = {
  "\\": 0x5c,
  "'": 0x27,
  '"': 0x22,
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
};

/**
 * Python's `codecs.escape_decode`, which `pickle.load` runs on a
 * `STRING` argument: `\n`, `\xhh`, octal `\ooo`, ... (an unknown escape
 * keeps its backslash, a backslash-newline is dropped).
 */
function escapeDecode(b: Uint8Array, label: string, at: number): Uint8Array {
  const out: number[] = [];
  for (let k = 0; k < b.length; k++) {
    const c = b[k]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (++k >= b.length) bad(label, `the string at byte ${at} ends in "\\"`);
    const e = String.fromCharCode(b[k]!);
    if (e in ESCAPES) out.push(ESCAPES[e]!);
    else if (e === "\n") continue;
    else if (/[0-7]/.test(e)) {
      let v = 0, n = 0;
      while (
        n < 3 && k < b.length && /[0-7]/.test(String.fromCharCode(b[k]!))
      ) {
        v = v * 8 + b[k++]! - 0x30;
        n++;
      }
      k--;
      out.push(v & 0xff);
    } else if (e === "x") {
      const hex = String.fromCharCode(b[k + 1] ?? 0, b[k + 2] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        bad(label, `the string at byte ${at} has a bad \\x escape`);
      }
      out.push(parseInt(hex, 16));
      k += 2;
    } else out.push(0x5c, b[k]!);
  }
  return Uint8Array.from(out);
}

/**
 * The value of a pickled NumPy integer scalar (`np.int64(4)`: its dtype
 * and its bytes), as `tuple(np.diff(bounds))` puts in chunks. Others
 * (floats, bools) are refused.
 */
function intScalar(args: unknown[], label: string): number {
  const [d, b] = args;
  const state = d instanceof Reduced ? d.state : undefined;
  const m = /^([iu])([1248])$/.exec(
    String(d instanceof Reduced ? d.args[0] : ""),
  );
  if (
    !(state instanceof PyTuple) || m === null || !(b instanceof Uint8Array) ||
    b.length !== Number(m[2])
  ) bad(label, "it holds a NumPy scalar that is not an integer");
  const big = String(state.items[1]) === ">";
  let v = 0n;
  for (let k = 0; k < b.length; k++) {
    v = (v << 8n) | BigInt(b[big ? k : b.length - 1 - k]!);
  }
  if (m[1] === "i") v = BigInt.asIntN(8 * b.length, v);
  return Number(v);
}

/** The descr (as `numpy.lib.format.dtype_to_descr` gives it) of a pickled dtype. */
function descrOf(d: unknown, label: string): PyValue {
  if (!(d instanceof Reduced) || !(d.state instanceof PyTuple)) {
    bad(label, "its dtype is not a numpy.dtype");
  }
  const s = d.state.items as unknown[];
  const sub = s[2];
  if (sub instanceof PyTuple && sub.items[1] instanceof PyTuple) {
    // A sub-array dtype (the base of a field whose type is a sub-array of
    // a sub-array): its descr is the tuple (base descr, shape).
    return new PyTuple([descrOf(sub.items[0], label), sub.items[1]]);
  }
  const typestr = String(d.args[0]);
  const order = String(s[1]) === "=" ? "<" : String(s[1]);
  const names = s[3], fields = s[4];
  if (names instanceof PyTuple && fields instanceof Map) {
    const list: { off: number; entry: PyValue }[] = [];
    for (const name of names.items) {
      const f = fields.get(name);
      if (!(f instanceof PyTuple)) {
        bad(label, `field "${String(name)}" is missing`);
      }
      const [fd, off, title] = f.items as unknown[];
      const key: PyValue = typeof title === "string"
        ? new PyTuple([title, name])
        : name;
      const fs = fd instanceof Reduced && fd.state instanceof PyTuple
        ? fd.state.items[2]
        : null;
      const entry = fs instanceof PyTuple
        ? new PyTuple([key, descrOf(fs.items[0], label), fs.items[1]!])
        : new PyTuple([key, descrOf(fd, label)]);
      list.push({ off: Number(off), entry });
    }
    list.sort((a, b) => a.off - b.off);
    const out: PyValue[] = [];
    let at = 0;
    const size = Number(s[5]);
    const sizeOf = (e: PyValue): number => dtypeFromDescr([e]).itemsize;
    for (const { off, entry } of list) {
      if (off > at) out.push(new PyTuple(["", `|V${off - at}`]));
      out.push(entry);
      at = off + sizeOf(entry);
    }
    if (size > at) out.push(new PyTuple(["", `|V${size - at}`]));
    return out;
  }
  let text = typestr;
  if (/^[Mm]8$/.test(typestr)) {
    const meta = (s[8] as PyTuple | undefined)?.items[1] as PyTuple | undefined;
    const unit = meta?.items[0];
    const num = Number(meta?.items[1] ?? 1);
    // bytes; a str in a Python 2 pickle (NumPy takes both).
    const u = unit instanceof Uint8Array
      ? new TextDecoder().decode(unit)
      : typeof unit === "string"
      ? unit
      : "generic";
    if (u !== "generic") text += `[${num === 1 ? "" : num}${u}]`;
  }
  return (/^[biufcMmUSV]/.test(text) ? order : "") + text;
}

/**
 * Reads a stack's `info` file.
 *
 * @param bytes The file's bytes.
 * @param label The file name for messages.
 * @returns The chunks, dtype and axis.
 * @throws {NpyFormatError} when it is not such a pickle.
 */
export function unpickleStackInfo(bytes: Uint8Array, label: string): StackInfo {
  let v: unknown;
  try {
    v = unpickle(bytes, label);
  } catch (e) {
    if (e instanceof NpyFormatError) throw e;
    bad(label, String((e as Error).message));
  }
  if (!(v instanceof Map)) bad(label, "it is not a dict");
  // Tuples as Dask writes them, or lists (Dask reads both).
  const seq = (x: unknown): unknown[] | undefined =>
    x instanceof PyTuple ? x.items : Array.isArray(x) ? x : undefined;
  const chunks = seq(v.get("chunks"))?.map(seq), axis = v.get("axis");
  if (
    chunks === undefined ||
    !chunks.every((c) =>
      c !== undefined &&
      c.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0)
    )
  ) bad(label, "its chunks are not a tuple of tuples of ints");
  // A negative axis counts from the end, as Dask's chunks[axis] takes it.
  const rank = chunks.length;
  if (
    typeof axis !== "number" || !Number.isInteger(axis) || axis < -rank ||
    axis >= rank
  ) bad(label, "its axis is not an axis of the chunks");
  let dtype: DType | undefined;
  try {
    dtype = dtypeFromDescr(descrOf(v.get("dtype"), label));
  } catch {
    dtype = undefined;
  }
  return {
    chunks: chunks as number[][],
    dtype,
    axis: axis < 0 ? axis + rank : axis,
    clearing: v.get(CLEARING) === true,
  };
}
