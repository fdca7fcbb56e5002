/**
 * The writer of a stack's `info` pickle (`{'chunks': tuple of tuples of
 * ints, 'dtype': numpy.dtype(...), 'axis': int}`, as Dask's
 * `to_npy_stack` writes it): protocol 2 exactly as Python's C pickler
 * writes it (same opcodes, same memo, dicts in batches of 1,000, strings
 * with `surrogatepass`). The reader is `_pickle.ts`.
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import { encodeUtf8Pass } from "./_utf8_pass.ts";

class Pickler {
  readonly out: number[] = [];
  readonly #memo = new Map<string, number>();
  #next = 0;

  bytes(...b: number[]): void {
    for (const x of b) this.out.push(x);
  }

  u32(n: number): void {
    this.bytes(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255);
  }

  /** BINPUT/LONG_BINPUT of the object just written, remembered under `key`. */
  put(key?: string): void {
    const i = this.#next++;
    if (key !== undefined) this.#memo.set(key, i);
    if (i < 256) this.bytes(0x71, i);
    else {
      this.bytes(0x72);
      this.u32(i);
    }
  }

  /** BINGET of an object remembered under `key`; `false` if there is none. */
  get(key: string): boolean {
    const i = this.#memo.get(key);
    if (i === undefined) return false;
    if (i < 256) this.bytes(0x68, i);
    else {
      this.bytes(0x6a);
      this.u32(i);
    }
    return true;
  }

  /** A str; `shared` strings are the same Python object wherever they occur. */
  str(s: string, shared = true): void {
    const key = `s:${s}`;
    if (shared && this.get(key)) return;
    // surrogatepass, as pickle: a lone surrogate is not U+FFFD.
    const utf8 = encodeUtf8Pass(s);
    this.bytes(0x58);
    this.u32(utf8.length);
    for (const b of utf8) this.out.push(b);
    this.put(shared ? key : undefined);
  }

  int(n: number): void {
    if (n >= 0 && n < 256) this.bytes(0x4b, n);
    else if (n >= 0 && n < 65536) this.bytes(0x4d, n & 255, n >> 8);
    else if (n >= -0x80000000 && n < 0x80000000) {
      this.bytes(0x4a);
      this.u32(n);
    } else {
      // LONG1: little-endian two's complement, as Python's encode_long.
      let v = BigInt(n);
      const out: number[] = [];
      const nbytes = Math.floor((v < 0n ? -v - 1n : v).toString(2).length / 8) +
        1;
      for (let i = 0; i < nbytes; i++) {
        out.push(Number(BigInt.asUintN(8, v)));
        v >>= 8n;
      }
      this.bytes(0x8a, nbytes, ...out);
    }
  }

  /** A tuple whose items `items` writes; memoized unless empty. */
  tuple(count: number, items: () => void, key?: string): void {
    if (count === 0) return this.bytes(0x29);
    if (count > 3) this.bytes(0x28);
    items();
    this.bytes(count > 3 ? 0x74 : 0x84 + count);
    this.put(key);
  }

  /**
   * A dict whose entries `pairs` write (key, then value), as the C pickler
   * batches them: one entry is SETITEM; more are MARK ... SETITEMS in
   * batches of 1,000, and a full batch is followed by another (empty when
   * nothing is left).
   */
  dict(pairs: readonly (() => void)[]): void {
    this.bytes(0x7d);
    this.put();
    if (pairs.length === 1) {
      pairs[0]!();
      return this.bytes(0x73);
    }
    if (pairs.length === 0) return;
    let at = 0;
    let full: boolean;
    do {
      const batch = pairs.slice(at, at + 1000);
      at += batch.length;
      full = batch.length === 1000;
      this.bytes(0x28);
      batch.forEach((pair) => pair());
      this.bytes(0x75);
    } while (full);
  }

  global(module: string, name: string): void {
    if (this.get(`g:${module}.${name}`)) return;
    const text = new TextEncoder().encode(`${module}\n${name}\n`);
    this.bytes(0x63, ...text);
    this.put(`g:${module}.${name}`);
  }
}

/** A dtype as NumPy pickles it: a plain or structured dtype, or a sub-array. */
interface Node {
  dtype: DType;
  shape?: readonly number[];
  /**
   * A sub-array of a sub-array: each level's shape, outermost first (a
   * field's `levels`); NumPy pickles the outer level around the inner.
   */
  levels?: readonly (readonly number[])[] | undefined;
}

const FROM_FIELDS = 0x1b;

function flagsOf(n: Node): number {
  const d = n.dtype;
  if (d.fields !== undefined) {
    let f = 0x10;
    for (const x of d.fields) {
      f |= flagsOf({ dtype: x.dtype, shape: x.shape }) & FROM_FIELDS;
    }
    return f;
  }
  return d.kind === "U" ? 8 : 0;
}

function alignmentOf(d: DType): number {
  if (d.fields !== undefined) return 1;
  switch (d.kind) {
    case "U":
      return 4;
    case "S":
    case "V":
      return 1;
    case "c":
      return d.itemsize / 2;
    default:
      return d.itemsize;
  }
}

function isSubarray(n: Node): n is Required<Node> {
  return n.shape !== undefined && n.shape.length > 0;
}

function saveDType(p: Pickler, n: Node): void {
  const d = n.dtype;
  const sub = isSubarray(n);
  const time = !sub && (d.kind === "M" || d.kind === "m");
  // Built-in dtypes (numbers, and S, V and U of size 0, native or no byte
  // order) are singletons in NumPy, so Python's pickler refers back to
  // their first occurrence.
  const singleton = !sub && d.fields === undefined && d.byteOrder !== ">" &&
    ("biufc".includes(d.kind) || (d.itemsize === 0 && "SVU".includes(d.kind)));
  if (singleton && p.get(`d:${d.str}`)) return;
  if (d.hasObject) {
    throw new TypeError(
      `Cannot write a stack info for dtype "${d.str}": it holds Python objects`,
    );
  }
  const size = sub ? d.itemsize * n.shape.reduce((a, b) => a * b, 1) : 0;
  p.global("numpy", "dtype");
  const typestr = sub || d.fields !== undefined
    ? `V${sub ? size : d.itemsize}`
    : time
    ? `${d.kind}8`
    : d.str.slice(1);
  p.str(typestr, false);
  p.bytes(0x89, 0x88, 0x87);
  p.put();
  p.bytes(0x52);
  // Built-in dtypes are remembered as the object the REDUCE made.
  p.put(singleton ? `d:${d.str}` : undefined);
  // The state tuple (numpy's arraydescr_reduce).
  p.bytes(0x28);
  p.int(time ? 4 : 3);
  p.str(sub || d.fields !== undefined ? "|" : d.byteOrder);
  if (sub) {
    const levels = n.levels !== undefined && n.levels.length > 1
      ? n.levels
      : undefined;
    const outer = levels?.[0] ?? n.shape;
    p.tuple(2, () => {
      saveDType(
        p,
        levels === undefined ? { dtype: d } : {
          dtype: d,
          shape: levels.slice(1).flat(),
          levels: levels.slice(1),
        },
      );
      p.tuple(outer.length, () => outer.forEach((x) => p.int(x)));
    });
  } else p.bytes(0x4e);
  const fields = sub ? undefined : d.fields;
  if (fields !== undefined) {
    p.tuple(fields.length, () => fields.forEach((f) => p.str(f.name)));
    const pairs: (() => void)[] = [];
    for (const f of fields) {
      const key = `t:${f.name}`;
      pairs.push(() => {
        p.str(f.name);
        p.tuple(f.title === undefined ? 2 : 3, () => {
          saveDType(p, { dtype: f.dtype, shape: f.shape, levels: f.levels });
          p.int(f.offset);
          if (f.title !== undefined) p.str(f.title);
        }, key);
      });
      const title = f.title;
      if (title !== undefined) {
        pairs.push(() => {
          p.str(title);
          p.get(key);
        });
      }
    }
    p.dict(pairs);
  } else p.bytes(0x4e, 0x4e);
  const flexible = sub || "USV".includes(d.kind);
  p.int(flexible ? sub ? size : d.itemsize : -1);
  p.int(flexible ? alignmentOf(d) : -1);
  p.int(flagsOf(n));
  if (time) {
    const m = /^(\d*)(.+)$/.exec(d.unit ?? "generic")!;
    p.dict([]);
    p.bytes(0x28);
    // The unit's bytes: NumPy makes them anew for each dtype, and Python
    // keeps one object of each single byte, so only a one-letter unit
    // ("s", "D") is the same object again (a BINGET); its text, decoded
    // anew, is no name's or title's object.
    const one = m[2]!.length === 1;
    if (!one || !p.get(`b:${m[2]}`)) {
      p.global("_codecs", "encode");
      p.tuple(2, () => {
        p.str(m[2]!, false);
        p.str("latin1");
      });
      p.bytes(0x52);
      p.put(one ? `b:${m[2]}` : undefined);
    }
    p.int(m[1] === "" ? 1 : Number(m[1]));
    p.int(1);
    p.int(1);
    p.bytes(0x74);
    p.put();
    p.bytes(0x86);
    p.put();
  }
  p.bytes(0x74);
  p.put();
  p.bytes(0x62);
}

/** The key marking an `info` as a stack being cleared; Dask ignores it. */
export const CLEARING = "npy_append_array_clearing";

/**
 * The bytes of a stack's `info` file: `pickle.dumps({'chunks': chunks,
 * 'dtype': dtype, 'axis': axis}, protocol=2)`, with `clearing` also
 * `'npy_append_array_clearing': True`.
 *
 * @param info The chunks, dtype and axis, and whether it is cleared.
 * @returns The pickle.
 */
export function pickleStackInfo(
  info: {
    chunks: readonly (readonly number[])[];
    dtype: DType;
    axis: number;
    clearing?: boolean;
  },
): Uint8Array {
  const p = new Pickler();
  p.bytes(0x80, 2);
  p.dict([
    () => {
      p.str("chunks");
      p.tuple(info.chunks.length, () => {
        for (const c of info.chunks) {
          p.tuple(c.length, () => c.forEach((x) => p.int(x)));
        }
      });
    },
    () => {
      p.str("dtype");
      saveDType(p, { dtype: info.dtype });
    },
    () => {
      p.str("axis");
      p.int(info.axis);
    },
    ...(info.clearing
      ? [() => {
        p.str(CLEARING);
        p.bytes(0x88); // NEWTRUE
      }]
      : []),
  ]);
  p.bytes(0x2e);
  return new Uint8Array(p.out);
}
