/**
 * Group writers: aligned `.npy` files that grow together (features and
 * labels, timestamps and readings), one append for every member.
 *
 * @module
 */

import { checkOptions } from "./_options_check.ts";
import { refuseNew } from "./_no_new.ts";
import { GROUP_WRITER_OPTIONS } from "./_option_kinds.ts";
import type { ArrayInput } from "./array_input.ts";
import { GroupCore } from "./_group_core.ts";
import type { NpyGroupWriterOptions } from "./_group_options.ts";
import { settle } from "./_settle.ts";
import { ReentryGuard } from "./_reentry.ts";
import { refuseUsing } from "./_using_refusal.ts";

export type {
  GroupMemberOptions,
  NpyGroupWriterOptions,
} from "./_group_options.ts";

/**
 * Writes a group synchronously: a folder `DIR` holding one plain `.npy`
 * file per member, `DIR/<name>.npy`, plus `DIR/group.json` naming the
 * members, their dtypes and growth axes. Every append gives every member
 * the same number of rows, checked in full before a byte is written; then
 * the data of every member is written, then every header. A crash at any
 * moment leaves members that {@linkcode recoverGroup} (or the next open)
 * cuts to the rows they all hold, keeping every acknowledged append. The
 * writer holds the group's lock (`DIR.lock`) until `close()`.
 *
 * In Python each member is `np.load(DIR + "/x.npy", mmap_mode="r")`, and
 * row `i` of every member belongs together.
 *
 * @example A training set: features and labels
 * ```ts
 * import { NpyGroupWriterSync, readNpySync } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * {
 *   using group = NpyGroupWriterSync.open(dir, {
 *     members: { x: "<f4", y: "<i8" },
 *   });
 *   group.append({ x: [[0.5, 1], [2, 3]], y: [0, 1] });
 *   group.append({ x: [[4, 5]], y: [1] });
 *   assert.equal(group.length, 3);
 *   // Different row counts: a RangeError, and nothing is written.
 *   assert.throws(() => group.append({ x: [[6, 7]], y: [1, 0] }), RangeError);
 * }
 * assert.deepEqual(readNpySync(`${dir}/x.npy`).shape, [3, 2]);
 * assert.deepEqual(readNpySync(`${dir}/y.npy`).shape, [3]);
 * ```
 */
export class NpyGroupWriterSync implements Disposable {
  readonly #core: GroupCore;
  // Refuses calls from the input of an append being read.
  readonly #guard = new ReentryGuard();

  private constructor(core: GroupCore) {
    refuseNew(
      core instanceof GroupCore,
      "NpyGroupWriterSync.open(dir, options)",
    );
    this.#core = core;
  }

  /**
   * Opens a group folder for appending. A missing folder is created with
   * its `group.json`; an existing group is continued, after cutting its
   * members to the rows all of them hold (a crash may have left one
   * ahead).
   *
   * @example Continue a group
   * ```ts
   * import { NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const a = NpyGroupWriterSync.open(dir, { members: { t: "M8[ms]", v: "<f8" } });
   * a.append({ t: new BigInt64Array([1000n]), v: [20.5] });
   * a.close();
   * const b = NpyGroupWriterSync.open(dir);
   * assert.equal(b.length, 1);
   * assert.deepEqual(b.members, ["t", "v"]);
   * b.close();
   * ```
   *
   * @example A group of stacks, one Dask npy-stack per member
   * ```ts
   * import { NpyGroupWriterSync, readNpyStackSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * // Python: da.from_npy_stack(dir + "/x"), da.from_npy_stack(dir + "/y")
   * const g = NpyGroupWriterSync.open(dir, {
   *   members: { x: "<f4", y: "|u1" },
   *   shardRows: 2,
   * });
   * g.append({ x: [[1, 2], [3, 4], [5, 6]], y: [7, 8, 9] });
   * g.close(); // seals the live shards: x/0.npy (2 rows), x/1.npy (1 row)
   * assert.deepEqual(readNpyStackSync(`${dir}/x`).shape, [3, 2]);
   * assert.deepEqual(readNpyStackSync(`${dir}/y`).shape, [3]);
   * ```
   *
   * @param dir The folder: a path or a `file:` URL.
   * @param options `members` (a dtype such as `"<f4"`, or `{ dtype,
   * fortranOrder, casting }`, per name), `deleteIfExists`, `casting`,
   * `fsync`, `maxHeaderSize`, and `shardRows` or `shardBytes` to make
   * every member a stack `DIR/<name>/` (recorded in `group.json`; an
   * existing group continues as it was written).
   * @returns The writer.
   * @throws {NpyLockedError} when another writer holds the group.
   * @throws {TypeError} for a path that is a file or a stack's folder, a bad option, a dtype that does not match, or `shardRows`/`shardBytes` that differ from the group's (or given for a group of files).
   * @throws {RangeError} for a new group without members, a bad member name, members that differ from the group's, or a `shardRows`, `shardBytes` or `maxHeaderSize` that is not a positive integer.
   * @throws {NpyFormatError} for a bad `group.json` or member file, or a member lost (missing, empty or not a file) while another holds rows.
   */
  static open(
    dir: string | URL,
    options: NpyGroupWriterOptions = {},
  ): NpyGroupWriterSync {
    options = checkOptions(options, "open", dir, GROUP_WRITER_OPTIONS);
    return new NpyGroupWriterSync(GroupCore.open(dir, options));
  }

  /** Rows in every member. */
  get length(): number {
    return this.#core.length;
  }

  /** The member names, in `group.json` order. */
  get members(): string[] {
    return this.#core.members.map((m) => m.name);
  }

  /** Each member's shape, growth axis included (`[]` before its first append). */
  get shapes(): Record<string, number[]> {
    return Object.fromEntries(
      this.#core.members.map((m) => [m.name, m.shape()]),
    );
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * Appends one array per member, each with the same number of rows along
   * its growth axis (like `np.concatenate` on each member). Everything is
   * checked first (member names, shapes, dtypes, casting, values); a
   * mismatch throws and no byte of any member changes.
   *
   * @example Timestamps and readings
   * ```ts
   * import { NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using group = NpyGroupWriterSync.open(dir, {
   *   members: { t: "M8[ms]", v: "<f4" },
   * });
   * group.append({
   *   t: new BigInt64Array([BigInt(Date.UTC(2024, 0, 1))]),
   *   v: new Float32Array([21.5]),
   * });
   * assert.throws(() => group.append({ t: new BigInt64Array([1n]) }), RangeError);
   * assert.equal(group.length, 1);
   * ```
   *
   * @param arrays `{ name: array }` for every member; any {@linkcode ArrayInput}.
   * @throws {RangeError} for a missing or unknown member, different row counts, a shape mismatch or a value a dtype cannot hold.
   * @throws {TypeError} for an unusable input, a cast the rule forbids, or a closed writer.
   */
  append(arrays: Record<string, ArrayInput>): void {
    const core = this.#core;
    this.#guard.check("append to", `group "${this.#core.dir}"`);
    this.#guard.run(() => core.write(core.plan(arrays)));
  }

  /**
   * Closes every member file (writing their headers) and releases the
   * group's lock. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const group = NpyGroupWriterSync.open(dir, { members: { a: "<i4" } });
   * group.close();
   * group.close();
   * assert.throws(() => group.append({ a: [1] }), TypeError);
   * ```
   */
  close(): void {
    this.#guard.check("close", `group "${this.#core.dir}"`);
    this.#core.close();
  }

  /**
   * Closes the writer at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { NpyGroupWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * {
   *   using group = NpyGroupWriterSync.open(dir, { members: { a: "<i4" } });
   *   group.append({ a: [1, 2] });
   * }
   * using again = NpyGroupWriterSync.open(dir);
   * assert.equal(again.length, 2);
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The asynchronous group writer: {@linkcode NpyGroupWriterSync} with
 * promises. Groups are folders of path files, so the I/O itself is
 * synchronous, as for `NpyAppendArray` on a path: each call runs at once
 * and hands its outcome over as a promise, so appends are applied in call
 * order, also when callers do not await them, and the arrays are read
 * before the call returns (a rejected append wrote nothing).
 *
 * @example Features and labels
 * ```ts
 * import { NpyGroupWriter, NpyGroupReader } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using group = await NpyGroupWriter.open(dir, {
 *     members: { x: "<f4", y: "|u1" },
 *   });
 *   await group.append({ x: [[1, 2], [3, 4]], y: [0, 1] });
 * }
 * await using reader = await NpyGroupReader.open(dir);
 * const { x, y } = await reader.read(1, 2);
 * assert.deepEqual([...x!.data as Float32Array], [3, 4]);
 * assert.deepEqual([...y!.data as Uint8Array], [1]);
 * ```
 */
export class NpyGroupWriter implements AsyncDisposable {
  readonly #sync: NpyGroupWriterSync;

  static {
    // `using` (not `await using`): closed at the block's end, then a
    // TypeError naming the fix.
    refuseUsing(
      this.prototype,
      "NpyGroupWriter",
      "NpyGroupWriterSync",
      (w) => w.#sync[Symbol.dispose](),
    );
  }

  private constructor(sync: NpyGroupWriterSync) {
    refuseNew(
      sync instanceof NpyGroupWriterSync,
      "await NpyGroupWriter.open(dir, options)",
    );
    this.#sync = sync;
  }

  /**
   * Opens a group folder for appending; see {@linkcode NpyGroupWriterSync.open}.
   *
   * @example
   * ```ts
   * import { NpyGroupWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const group = await NpyGroupWriter.open(dir, { members: { a: "<f8", b: "<f8" } });
   * assert.deepEqual(group.members, ["a", "b"]);
   * await group.close();
   * ```
   *
   * @param dir The folder: a path or a `file:` URL.
   * @param options See {@linkcode NpyGroupWriterOptions}.
   * @returns The writer.
   * @throws {NpyLockedError} when another writer holds the group.
   * @throws {TypeError} for a path that is a file or a stack's folder, a bad option, a dtype that does not match, or `shardRows`/`shardBytes` that differ from the group's.
   * @throws {RangeError} for a new group without members, members that differ from the group's, or a `shardRows`, `shardBytes` or `maxHeaderSize` that is not a positive integer.
   * @throws {NpyFormatError} for a bad `group.json` or member file, or a member lost (missing, empty or not a file) while another holds rows.
   */
  static open(
    dir: string | URL,
    options: NpyGroupWriterOptions = {},
  ): Promise<NpyGroupWriter> {
    return settle(() =>
      new NpyGroupWriter(NpyGroupWriterSync.open(dir, options))
    );
  }

  /** Rows in every member (appends done so far). */
  get length(): number {
    return this.#sync.length;
  }

  /** The member names, in `group.json` order. */
  get members(): string[] {
    return this.#sync.members;
  }

  /** Each member's shape, growth axis included (`[]` before its first append). */
  get shapes(): Record<string, number[]> {
    return this.#sync.shapes;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#sync.closed;
  }

  /**
   * Appends one array per member; see {@linkcode NpyGroupWriterSync.append}.
   *
   * @example
   * ```ts
   * import { NpyGroupWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await using group = await NpyGroupWriter.open(dir, { members: { a: "<i4", b: "<i4" } });
   * await group.append({ a: [1, 2], b: [3, 4] });
   * await assert.rejects(group.append({ a: [1], b: [3, 4] }), RangeError);
   * assert.equal(group.length, 2);
   * ```
   *
   * @param arrays `{ name: array }` for every member.
   * @returns A promise that settles when the append is written.
   * @throws {RangeError} for a missing or unknown member, different row counts, a shape mismatch or a value a dtype cannot hold.
   * @throws {TypeError} for an unusable input, a cast the rule forbids, or a closed writer.
   */
  append(arrays: Record<string, ArrayInput>): Promise<void> {
    // At once, as NpyAppendArray on a path: the arrays are read before
    // the call returns, so the caller may refill its buffers.
    return settle(() => this.#sync.append(arrays));
  }

  /**
   * Closes every member and releases the group's lock (appends called
   * before it are written already). Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { NpyGroupWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const group = await NpyGroupWriter.open(dir, { members: { a: "<i4" } });
   * group.append({ a: [1] }); // not awaited: written at the call
   * await group.close();
   * assert.equal(group.length, 1);
   * ```
   *
   * @returns A promise that settles when the group is closed.
   */
  close(): Promise<void> {
    return settle(() => this.#sync.close());
  }

  /**
   * Closes the writer at the end of an `await using` block.
   *
   * @example
   * ```ts
   * import { NpyGroupWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * {
   *   await using group = await NpyGroupWriter.open(dir, { members: { a: "<i4" } });
   *   await group.append({ a: [1] });
   * }
   * const again = await NpyGroupWriter.open(dir);
   * assert.equal(again.length, 1);
   * await again.close();
   * ```
   *
   * @returns A promise that settles when the group is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
