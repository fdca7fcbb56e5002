/**
 * Reading a group: aligned rows of every member, following a group being
 * written, and time ranges found by binary search.
 *
 * @module
 */

import { checkOptions } from "./_options_check.ts";
import { refuseNew } from "./_no_new.ts";
import { HEADER_OPTIONS } from "./_option_kinds.ts";
import type { ParseHeaderOptions } from "./header.ts";
import type { NpyReader } from "./npy_reader.ts";
import type { NpyStackReader } from "./npy_stack_reader.ts";
import { openMember } from "./_group_stack.ts";
import type { NpyArray } from "./read_npy.ts";
import { decodeItems } from "./decode.ts";
import { parseDType } from "./dtype.ts";
import { toPath } from "./_path_fs.ts";
import { settle } from "./_settle.ts";
import { showArg } from "./_reader_layout.ts";
import { type GroupInfo, pathOf } from "./_group_layout.ts";
import { memberState, refuseLost, refuseUnlike } from "./_group_cut.ts";
import { checkGroupFolder, requireGroupJson } from "./_group_rebuild.ts";
import {
  checkBound,
  dateAttoseconds,
  type TimeBound,
  toAttoseconds,
} from "./_datetime_key.ts";
import { NAT, splitTimeUnit } from "./_time_units.ts";

function clamp(value: number, length: number, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `Cannot read group rows: ${name} must be an integer, got ${
        showArg(value)
      }`,
    );
  }
  return value < 0 ? Math.max(0, length + value) : Math.min(value, length);
}

/**
 * Reads a group written by {@linkcode NpyGroupWriter}: rows `[start, end)`
 * of every member at once. `length` is the number of rows that every
 * member's header covers, so a reader only ever sees whole rows of every
 * member, also while a writer appends (follow it with `refresh()`).
 *
 * @example Read rows of every member
 * ```ts
 * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * const w = NpyGroupWriterSync.open(dir, { members: { x: "<f8", y: "<i8" } });
 * w.append({ x: [[1, 2], [3, 4], [5, 6]], y: [10n, 20n, 30n] });
 * w.close();
 *
 * using reader = NpyGroupReader.openSync(dir);
 * assert.equal(reader.length, 3);
 * const rows = reader.readSync(1, 3);
 * assert.deepEqual(rows.x!.shape, [2, 2]);
 * assert.deepEqual([...rows.y!.data as BigInt64Array], [20n, 30n]);
 * ```
 */
export class NpyGroupReader implements AsyncDisposable, Disposable {
  readonly #dir: string;
  readonly #info: GroupInfo;
  readonly #options: ParseHeaderOptions;
  readonly #readers: (NpyReader | NpyStackReader | null)[];
  #length = 0;
  #closed = false;

  private constructor(
    dir: string,
    info: GroupInfo,
    options: ParseHeaderOptions,
  ) {
    refuseNew(
      Array.isArray(info?.members),
      "await NpyGroupReader.open(dir, options)",
    );
    this.#dir = dir;
    this.#info = info;
    this.#options = options;
    this.#readers = info.members.map(() => null);
    try {
      this.#update(false);
    } catch (e) {
      this.closeSync();
      throw e;
    }
  }

  /**
   * Opens a group folder and reads its `group.json` and member headers.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const w = await NpyGroupWriter.open(dir, { members: { a: "<i4", b: "<f4" } });
   * await w.append({ a: [1, 2], b: [0.5, 1.5] });
   * await w.close();
   * await using reader = await NpyGroupReader.open(dir);
   * assert.deepEqual(reader.members, ["a", "b"]);
   * assert.equal(reader.length, 2);
   * ```
   *
   * @param dir The group folder: a path or a `file:` URL.
   * @param options `maxHeaderSize`.
   * @returns The reader.
   * @throws {NpyFormatError} when the folder has no valid `group.json`, a member is not a valid `.npy` file, or a member is lost (missing, empty or not a file) while another holds rows.
   * @throws {TypeError} when the path is missing, not a folder (a `.npy` file) or a stack's folder.
   */
  static open(
    dir: string | URL,
    options: ParseHeaderOptions = {},
  ): Promise<NpyGroupReader> {
    try {
      return Promise.resolve(NpyGroupReader.openSync(dir, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Opens a group folder synchronously; see {@linkcode NpyGroupReader.open}.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyGroupWriterSync.open(dir, { members: { a: "<i4" } }).close();
   * using reader = NpyGroupReader.openSync(dir);
   * assert.equal(reader.length, 0);
   * ```
   *
   * @param dir The group folder: a path or a `file:` URL.
   * @param options `maxHeaderSize`.
   * @returns The reader.
   * @throws {NpyFormatError} when the folder has no valid `group.json`, a member is not a valid `.npy` file, or a member is lost (missing, empty or not a file) while another holds rows.
   * @throws {TypeError} when the path is missing, not a folder (a `.npy` file) or a stack's folder.
   */
  static openSync(
    dir: string | URL,
    options: ParseHeaderOptions = {},
  ): NpyGroupReader {
    options = checkOptions(options, "read", dir, HEADER_OPTIONS);
    const path = toPath(dir);
    checkGroupFolder(path, "read", false);
    return new NpyGroupReader(path, requireGroupJson(path, "read"), options);
  }

  /** Rows that every member holds (whole rows, covered by every header). */
  get length(): number {
    return this.#length;
  }

  /** The member names, in `group.json` order. */
  get members(): string[] {
    return this.#info.members.map((m) => m.name);
  }

  /**
   * Each member's dtype descr text (`""` for a member whose dtype is not
   * known yet: no append so far).
   */
  get dtypes(): Record<string, string> {
    return Object.fromEntries(
      this.#info.members.map((
        m,
        i,
      ) => [m.name, this.#readers[i]?.dtype ?? m.dtype ?? ""]),
    );
  }

  /**
   * Each member's `path` (its `.npy` file, or its stack folder in a group
   * of stacks), `axis` (`0`, or `-1` in Fortran order), `stack` (a stack
   * member's rotation; `null` for a file) and `shape` (what its header
   * covers; `null` before its first append), in `group.json` order.
   *
   * @example Members' files
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyGroupWriterSync.open(dir, { members: { x: "<f8" } }).append({ x: [[1, 2]] });
   * const { x } = NpyGroupReader.openSync(dir).layout;
   * assert.deepEqual(x, { path: `${dir}/x.npy`, axis: 0, stack: null, shape: [1, 2] });
   * ```
   */
  get layout(): Record<string, {
    path: string;
    axis: 0 | -1;
    stack: { shardRows?: number; shardBytes?: number } | null;
    shape: number[] | null;
  }> {
    return Object.fromEntries(
      this.#info.members.map((m, i) => [m.name, {
        path: pathOf(this.#dir, m),
        axis: m.axis,
        stack: m.stack === undefined ? null : { ...m.stack },
        shape: this.#readers[i]?.shape ?? null,
      }]),
    );
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new TypeError(
        `Cannot read group "${this.#dir}": the reader is closed; open a new one`,
      );
    }
  }

  /** Re-reads every member's header; the length is the smallest. */
  #update(later = true): number {
    const lost = this.#info.members.map(() => false);
    const rows = this.#info.members.map((m, i) => {
      let r = this.#readers[i] ?? null;
      if (r === null) {
        const state = memberState(this.#dir, m);
        lost[i] = state === "lost";
        if (state !== "present") return 0;
        r = this.#readers[i] = openMember(this.#dir, m, this.#options);
        r?.refreshSync();
      } else r.refreshSync();
      if (r !== null) refuseUnlike(this.#dir, m, r, later);
      return r?.length ?? 0;
    });
    refuseLost(this.#dir, this.#info, lost, rows, "read");
    this.#length = rows.reduce((a, b) => Math.min(a, b), Infinity);
    return this.#length;
  }

  #range(start: number, end: number | undefined): [number, number] {
    const s = clamp(start, this.#length, "start");
    const e = end === undefined
      ? this.#length
      : clamp(end, this.#length, "end");
    return [s, Math.max(s, e)];
  }

  /**
   * Reads rows `[start, end)` of every member synchronously; see
   * {@linkcode NpyGroupReader.read}.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const w = NpyGroupWriterSync.open(dir, { members: { a: "<i4", s: "<U3" } });
   * w.append({ a: [1, 2, 3], s: ["one", "two", "six"] });
   * w.close();
   * using reader = NpyGroupReader.openSync(dir);
   * assert.deepEqual(reader.readSync(-1).s!.data, ["six"]);
   * ```
   *
   * @param start First row (default 0); negative counts from the end.
   * @param end End of the range, exclusive (default: `length`).
   * @returns `{ name: { data, shape, dtype, fortranOrder } }` for every member.
   * @throws {TypeError} for a bound that is not an integer, or a closed reader.
   */
  readSync(start: number = 0, end?: number): Record<string, NpyArray> {
    this.#checkOpen();
    const [s, e] = this.#range(start, end);
    const out: Record<string, NpyArray> = {};
    this.#info.members.forEach((m, i) => {
      const r = this.#readers[i]!;
      out[m.name] = r === null
        ? {
          data: decodeItems(new Uint8Array(0), parseDType(m.dtype ?? "<f8"), 0),
          shape: [0],
          dtype: m.dtype ?? "<f8",
          fortranOrder: m.fortranOrder,
        }
        : r.readSync(s, e);
    });
    return out;
  }

  /**
   * Reads rows `[start, end)` of every member, reading just their bytes.
   * Bounds work like Python slices (negative ones count from the end,
   * out-of-range ones are clamped to `length`).
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const w = NpyGroupWriterSync.open(dir, { members: { x: "<f4", y: "|u1" } });
   * w.append({ x: [[1, 2], [3, 4]], y: [7, 8] });
   * w.close();
   * await using reader = await NpyGroupReader.open(dir);
   * const { x, y } = await reader.read(1);
   * assert.deepEqual([...x!.data as Float32Array], [3, 4]);
   * assert.deepEqual([...y!.data as Uint8Array], [8]);
   * ```
   *
   * @param start First row (default 0); negative counts from the end.
   * @param end End of the range, exclusive (default: `length`).
   * @returns `{ name: { data, shape, dtype, fortranOrder } }` for every member.
   * @throws {TypeError} for a bound that is not an integer, or a closed reader.
   */
  read(start: number = 0, end?: number): Promise<Record<string, NpyArray>> {
    try {
      return Promise.resolve(this.readSync(start, end));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Re-reads the member headers synchronously; see
   * {@linkcode NpyGroupReader.refresh}.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using w = NpyGroupWriterSync.open(dir, { members: { a: "<i4", b: "<i4" } });
   * using reader = NpyGroupReader.openSync(dir);
   * w.append({ a: [1, 2], b: [3, 4] });
   * assert.equal(reader.length, 0);
   * assert.equal(reader.refreshSync(), 2);
   * ```
   *
   * @returns The new length.
   * @throws {NpyFormatError} when a member no longer matches (dtype or row shape changed) or is lost while another holds rows.
   */
  refreshSync(): number {
    this.#checkOpen();
    return this.#update();
  }

  /**
   * Re-reads the member headers, to follow a group that a writer is still
   * appending to. `length` becomes the rows that every member's header
   * covers: the writer writes every member's data before any header, so
   * these rows are whole in every member.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using w = NpyGroupWriterSync.open(dir, { members: { a: "<i4" } });
   * await using reader = await NpyGroupReader.open(dir);
   * w.append({ a: [1, 2, 3] });
   * assert.equal(await reader.refresh(), 3);
   * ```
   *
   * @returns The new length.
   * @throws {NpyFormatError} when a member no longer matches or is lost.
   */
  refresh(): Promise<number> {
    try {
      return Promise.resolve(this.refreshSync());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Finds rows by time synchronously; see {@linkcode NpyGroupReader.timeRange}.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const w = NpyGroupWriterSync.open(dir, { members: { t: "M8[s]", v: "<f4" } });
   * w.append({ t: new BigInt64Array([10n, 20n, 30n, 40n]), v: [1, 2, 3, 4] });
   * w.close();
   * using reader = NpyGroupReader.openSync(dir);
   * assert.deepEqual(reader.timeRangeSync("t", 20n, 40n), [1, 3]);
   * assert.deepEqual(reader.timeRangeSync("t", new Date(25_000)), [2, 4]);
   * ```
   *
   * @param member A `datetime64` (or `timedelta64`, with bigint bounds) member with one axis.
   * @param t0 The first time, inclusive (`undefined`: from the first row).
   * @param t1 The end time, exclusive (`undefined`: to the last row).
   * @returns `[start, end]`.
   * @throws {RangeError} for an unknown member, a member that is not one-dimensional `datetime64`, or an invalid `Date`.
   * @throws {TypeError} for a bound that is not a `Date` or a `bigint`.
   */
  timeRangeSync(
    member: string,
    t0?: Date | bigint,
    t1?: Date | bigint,
  ): [number, number] {
    this.#checkOpen();
    const i = this.#info.members.findIndex((m) => m.name === member);
    if (i < 0) {
      throw new RangeError(
        `Cannot search group "${this.#dir}": it has no member "${member}"; its members are ${
          this.members.join(", ")
        }`,
      );
    }
    const r = this.#readers[i]!;
    const n = this.#length;
    const text = r?.dtype ?? this.#info.members[i]!.dtype;
    const dtype = text === null ? null : parseDType(text);
    const rank = r?.shape.length ?? 1;
    if (
      dtype !== null &&
      ((dtype.kind !== "M" && dtype.kind !== "m") || rank !== 1)
    ) {
      throw new RangeError(
        `Cannot search member "${member}" of group "${this.#dir}" by time: it is ${rank}-d "${dtype.str}"; timeRange needs a one-dimensional datetime64 member`,
      );
    }
    if (r === null || dtype === null) {
      // No rows yet: only the bounds' kinds can be checked.
      const dates = dtype?.kind === "M" && dtype.unit !== "generic";
      checkBound(this.#dir, member, t0, dates);
      checkBound(this.#dir, member, t1, dates);
      return [0, 0];
    }
    const unit = splitTimeUnit(dtype.unit ?? "generic");
    const at = (row: number): bigint =>
      (r.readSync(row, row + 1).data as BigInt64Array)[0]!;
    const lower = (bound: TimeBound, whenOpen: number): number => {
      if (bound === undefined) return whenOpen;
      const dated = checkBound(
        this.#dir,
        member,
        bound,
        dtype.kind === "M" && unit.base !== "generic",
      );
      const q = dated ? dateAttoseconds(bound as Date) : bound as bigint;
      // np.searchsorted(t, q, "left"): the first row with t >= q, NaT
      // sorting after every time (as NumPy sorts it).
      const less = (v: bigint): boolean => {
        if (v === NAT) return false;
        if (!dated) return q === NAT || v < q;
        return toAttoseconds(v, unit)! < q;
      };
      let lo = 0, hi = n;
      while (lo < hi) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (less(at(mid))) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return [lower(t0, 0), lower(t1, n)];
  }

  /**
   * Finds the rows `[start, end)` of a sorted `datetime64` member whose
   * times are `t0 <= t < t1`, by binary search on the file: about
   * `2 * log2(length)` single-row reads, never a full read. The result
   * equals NumPy's `np.searchsorted(t, t0, "left")` and
   * `np.searchsorted(t, t1, "left")`: `t1` is exclusive, and NaT sorts
   * after every time (`t1 = undefined` includes trailing NaT rows). A `Date`
   * is compared exactly with the member's unit (as NumPy casts both to the
   * finer one); a `bigint` is a raw count in the member's unit. For rows in
   * a time window, pass the range to `read`.
   *
   * @example Readings of one hour
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const w = NpyGroupWriterSync.open(dir, { members: { t: "M8[m]", v: "<f8" } });
   * const t0 = BigInt(Date.UTC(2024, 0, 1) / 60_000);
   * for (let i = 0n; i < 180n; i++) w.append({ t: new BigInt64Array([t0 + i]), v: [Number(i)] });
   * w.close();
   *
   * await using reader = await NpyGroupReader.open(dir);
   * const [start, end] = await reader.timeRange(
   *   "t",
   *   new Date("2024-01-01T01:00Z"),
   *   new Date("2024-01-01T02:00Z"),
   * );
   * assert.deepEqual([start, end], [60, 120]);
   * const { v } = await reader.read(start, end);
   * assert.equal((v!.data as Float64Array)[0], 60);
   * ```
   *
   * @param member A `datetime64` (or `timedelta64`, with bigint bounds) member with one axis.
   * @param t0 The first time, inclusive (`undefined`: from the first row).
   * @param t1 The end time, exclusive (`undefined`: to the last row).
   * @returns `[start, end]`, the row range.
   * @throws {RangeError} for an unknown member, a member that is not one-dimensional `datetime64`, or an invalid `Date`.
   * @throws {TypeError} for a bound that is not a `Date` or a `bigint`.
   */
  timeRange(
    member: string,
    t0?: Date | bigint,
    t1?: Date | bigint,
  ): Promise<[number, number]> {
    try {
      return Promise.resolve(this.timeRangeSync(member, t0, t1));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Closes every member file synchronously. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyGroupWriterSync.open(dir, { members: { a: "<i4" } }).close();
   * const reader = NpyGroupReader.openSync(dir);
   * reader.closeSync();
   * assert.throws(() => reader.readSync(), TypeError);
   * ```
   */
  closeSync(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#readers) r?.closeSync();
  }

  /**
   * Closes every member file.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyGroupWriterSync.open(dir, { members: { a: "<i4" } }).close();
   * const reader = await NpyGroupReader.open(dir);
   * await reader.close();
   * await assert.rejects(reader.read(), TypeError);
   * ```
   *
   * @returns A promise that settles when the files are closed.
   */
  close(): Promise<void> {
    return settle(() => this.closeSync());
  }

  /**
   * Closes the reader at the end of an `await using` block.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyGroupWriterSync.open(dir, { members: { a: "<i4" } }).close();
   * await using reader = await NpyGroupReader.open(dir);
   * ```
   *
   * @returns A promise that settles when the files are closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Closes the reader at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { NpyGroupReader, NpyGroupWriterSync } from "@x/npy-append-array";
   *
   * const dir = Deno.makeTempDirSync();
   * NpyGroupWriterSync.open(dir, { members: { a: "<i4" } }).close();
   * using reader = NpyGroupReader.openSync(dir);
   * ```
   */
  [Symbol.dispose](): void {
    this.closeSync();
  }
}
