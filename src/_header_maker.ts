/**
 * The headers a writer rewrites after its appends: one file's dtype and
 * order, a fixed header length, only the growth axis changing. A cached
 * template makes each one without re-encoding the whole header.
 *
 * @module
 */

import {
  GROWTH_AXIS_MAX_DIGITS,
  headerText,
  wrapHeaderText,
} from "./header.ts";
import { growthAxis } from "./_layout.ts";

/** Bytes allocated at once for the headers of appends. */
const SLAB_BYTES = 1 << 16;

/** A header with blank growth digits, for {@linkcode HeaderMaker.header}. */
interface HeaderTemplate {
  rank: number;
  /** The shape it was made for (only the growth axis may differ). */
  shape: number[];
  /** Offset of the growth axis digits. */
  at: number;
  /** The bytes after the digits, up to the closing brace. */
  after: Uint8Array;
  bytes: Uint8Array;
}

/** Makes the headers of one file, all of its header length. */
export class HeaderMaker {
  readonly #descrText: string;
  readonly #fortranOrder: boolean;
  readonly #headerLength: number;
  /** The file's format version (major), kept on every rewrite. */
  readonly #version: number;
  /** See {@linkcode HeaderMaker.header}; `false` when it cannot be used. */
  #template: HeaderTemplate | null | false = null;
  #slab: Uint8Array = new Uint8Array(0);
  #slabBuffer: ArrayBuffer = this.#slab.buffer as ArrayBuffer;
  #slabAt = 0;
  #slabOf: HeaderTemplate | null = null;

  constructor(
    descrText: string,
    fortranOrder: boolean,
    headerLength: number,
    version: number,
  ) {
    this.#descrText = descrText;
    this.#fortranOrder = fortranOrder;
    this.#headerLength = headerLength;
    this.#version = version;
  }

  /** The header for `shape`, padded to the file's header length. */
  header(shape: readonly number[]): Uint8Array {
    const fast = this.#quickHeader(shape);
    if (fast !== undefined) return fast;
    return wrapHeaderText(
      headerText(this.#descrText, this.#fortranOrder, shape),
      this.#headerLength,
      this.#version,
    );
  }

  /**
   * The header from a cached template, re-encoding only the growth axis
   * digits (appends rewrite it every time); `undefined` when the template
   * does not apply. Only the growth axis changes once the file exists, and
   * the growth space keeps the text length constant, so the template is
   * the header for a growth length of 0 with the digits blanked.
   */
  #quickHeader(shape: readonly number[]): Uint8Array | undefined {
    let t = this.#template;
    if (t === false) return undefined;
    if (t === null) {
      const made = this.#makeTemplate(shape);
      this.#template = made;
      if (made === false) return undefined;
      t = made;
    }
    const axis = growthAxis(this.#fortranOrder, shape.length);
    if (shape.length !== t.rank) return undefined;
    for (let i = 0; i < shape.length; i++) {
      if (i !== axis && shape[i] !== t.shape[i]) return undefined;
    }
    const n = shape[axis]!;
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    if (digits > GROWTH_AXIS_MAX_DIGITS) return undefined;
    // Headers come from a slab filled with copies of the template:
    // allocating each one costs more than encoding it on some runtimes,
    // and each write still gets bytes of its own.
    const size = t.bytes.length;
    let slab = this.#slab;
    if (this.#slabOf !== t || this.#slabAt + size > slab.length) {
      slab = new Uint8Array(Math.max(1, Math.floor(SLAB_BYTES / size)) * size);
      slab.set(t.bytes);
      for (let filled = size; filled < slab.length; filled *= 2) {
        slab.copyWithin(filled, 0, Math.min(filled, slab.length - filled));
      }
      this.#slab = slab;
      this.#slabBuffer = slab.buffer as ArrayBuffer;
      this.#slabOf = t;
      this.#slabAt = 0;
    }
    const start = this.#slabAt;
    this.#slabAt = start + size;
    let m = n;
    for (let i = start + t.at + digits - 1; i >= start + t.at; i--) {
      const q = Math.floor(m / 10);
      slab[i] = 48 + m - q * 10;
      m = q;
    }
    const after = t.after;
    const to = start + t.at + digits;
    for (let i = 0; i < after.length; i++) slab[to + i] = after[i]!;
    // A view made directly: `subarray` asks the species protocol first
    // (a twentieth of a small append's time on Bun).
    return new Uint8Array(this.#slabBuffer, start, size);
  }

  #makeTemplate(shape: readonly number[]): HeaderTemplate | false {
    const axis = growthAxis(this.#fortranOrder, shape.length);
    const slow = (n: number) => {
      const s = [...shape];
      s[axis] = n;
      return wrapHeaderText(
        headerText(this.#descrText, this.#fortranOrder, s),
        this.#headerLength,
        this.#version,
      );
    };
    let zero: Uint8Array, one: Uint8Array;
    try {
      zero = slow(0);
      one = slow(1);
    } catch {
      return false;
    }
    let at = 0;
    while (at < zero.length && zero[at] === one[at]) at++;
    let close = zero.length - 1;
    while (close > at && zero[close] !== 0x7d) close--;
    if (at >= zero.length || close <= at) return false;
    const after = zero.slice(at + 1, close + 1);
    const bytes = zero.slice();
    bytes.fill(0x20, at, bytes.length - 1);
    const t: HeaderTemplate = {
      rank: shape.length,
      shape: [...shape],
      at,
      after,
      bytes,
    };
    // Check the template against the slow path once.
    const saved = this.#template;
    this.#template = t;
    const probe = this.#quickHeader(shape);
    this.#template = saved;
    const want = slow(shape[axis]!);
    if (probe === undefined || probe.length !== want.length) return false;
    for (let i = 0; i < want.length; i++) {
      if (probe[i] !== want[i]) return false;
    }
    return t;
  }
}
