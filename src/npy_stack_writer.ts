/**
 * Writers of stacks: one array across many `.npy` files, in the layout of
 * Dask's `to_npy_stack`.
 *
 * @module
 */

import { checkOptions } from "./_options_check.ts";
import { refuseNew } from "./_no_new.ts";
import { STACK_WRITER_OPTIONS } from "./_option_kinds.ts";
import type { ArrayInput } from "./array_input.ts";
import { StackCore } from "./_stack_core.ts";
import type { NpyStackWriterOptions } from "./_stack_options.ts";
import { settle } from "./_settle.ts";
import { ReentryGuard } from "./_reentry.ts";
import { refuseUsing } from "./_using_refusal.ts";

export type { NpyStackWriterOptions } from "./_stack_options.ts";

/**
 * Grows one array across a folder of `.npy` files (shards) in the layout
 * of Dask's `da.to_npy_stack` (`0.npy`, `1.npy`, ... and a pickled
 * `info`), so that `da.from_npy_stack(dir)` and `ray.data.read_numpy(dir)`
 * read it as it grows. Appends go to the live shard `{n}.npy.part`, which
 * is sealed (renamed to `{n}.npy` and listed in `info`) by `shardRows`,
 * `shardBytes`, `seal()` or `close()`. Each sealed shard is byte for byte
 * what `np.save` writes for its rows. Holds the stack's lock until closed.
 * Synchronous I/O; paths only (Deno, Node, Bun).
 *
 * @example Three shards of two rows, read back as one array
 * ```ts
 * import { NpyStackWriterSync, readNpyStack } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = Deno.makeTempDirSync();
 * {
 *   using stack = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<i4" });
 *   stack.append([[1, 2], [3, 4], [5, 6]]);
 *   stack.append([[7, 8]]);
 *   assert.equal(stack.shards, 2);
 *   assert.deepEqual(stack.shape, [4, 2]);
 * }
 * const all = await readNpyStack(dir);
 * assert.deepEqual([...all.data as Int32Array], [1, 2, 3, 4, 5, 6, 7, 8]);
 * ```
 */
export class NpyStackWriterSync implements Disposable {
  readonly #core: StackCore;
  // Refuses calls from the input of an append being read.
  readonly #guard = new ReentryGuard();

  private constructor(core: StackCore) {
    refuseNew(
      core instanceof StackCore,
      "NpyStackWriterSync.open(dir, options)",
    );
    this.#core = core;
  }

  /**
   * Opens a stack folder for appending, creating it if missing. An
   * existing stack is continued: a live shard cut off by a crash is
   * recovered, and an `info` that misses a sealed shard is rewritten.
   *
   * @example Continue a stack
   * ```ts
   * import { NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * {
   *   using first = NpyStackWriterSync.open(dir);
   *   first.append([1, 2]);
   * }
   * using stack = NpyStackWriterSync.open(dir);
   * stack.append([3]);
   * assert.equal(stack.shards, 1);
   * assert.deepEqual(stack.shape, [3]);
   * ```
   *
   * @param dir The folder, a path or `file:` URL.
   * @param options Those of `NpyAppendArraySync.open` (`dtype`,
   *   `fortranOrder`, `casting`, `fsync`, ...), plus `shardRows` or
   *   `shardBytes`; `deleteIfExists` removes the stack's files first;
   *   `atomic: true` is refused (a shard appears whole when sealed).
   * @returns The writer.
   * @throws {NpyLockedError} when another writer holds the stack.
   * @throws {NpyFormatError} for a broken `info` or shard.
   * @throws {TypeError} for a dtype or order that differs from the stack's,
   *   an option value of the wrong type (checked before any file is
   *   touched), or `atomic: true`.
   * @throws {RangeError} for a bad `shardRows`, `shardBytes`,
   *   `maxHeaderSize` or `bufferBytes`.
   */
  static open(
    dir: string | URL,
    options: NpyStackWriterOptions = {},
  ): NpyStackWriterSync {
    options = checkOptions(options, "open", dir, STACK_WRITER_OPTIONS);
    return new NpyStackWriterSync(new StackCore(dir, options, "append to"));
  }

  /** The shape of the whole stack (sealed shards and the live one); `[]` before the first append. */
  get shape(): number[] {
    return this.#core.shape;
  }

  /** The descr text of the dtype; `""` before it is known. */
  get dtype(): string {
    return this.#core.dtype?.str ?? "";
  }

  /** The number of sealed shards (`{n}.npy` files listed in `info`). */
  get shards(): number {
    return this.#core.chunks.length;
  }

  /** Whether the stack grows along its last axis. */
  get fortranOrder(): boolean {
    return this.#core.fortranOrder;
  }

  /**
   * Appends an array along the growth axis (axis 0, or the last axis in
   * Fortran order), like `numpy.concatenate`. With `shardRows`, an array
   * that crosses the boundary is split across shards.
   *
   * @example
   * ```ts
   * import { NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir, { shardRows: 4 });
   * stack.append(new Float32Array(10));
   * assert.equal(stack.shards, 2);
   * assert.deepEqual(stack.shape, [10]);
   * ```
   *
   * @param array Any {@linkcode ArrayInput}.
   * @throws {TypeError} for an unusable input, a forbidden cast or a closed writer.
   * @throws {RangeError} for a shape mismatch or a value the dtype cannot hold.
   */
  append(array: ArrayInput): void {
    this.#guard.check("append to", `the stack "${this.#core.dir}"`);
    this.#guard.run(() => this.#core.append(array));
  }

  /**
   * Seals the live shard now (for rotation by time: call it from a
   * timer). Does nothing when the live shard holds no rows.
   *
   * @example
   * ```ts
   * import { NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * using stack = NpyStackWriterSync.open(dir);
   * stack.append([1, 2, 3]);
   * stack.seal();
   * assert.equal(stack.shards, 1);
   * ```
   *
   * @throws {TypeError} when the writer is closed.
   */
  seal(): void {
    this.#guard.check("seal", `the stack "${this.#core.dir}"`);
    this.#core.seal();
  }

  /**
   * Seals the live shard if it holds rows and releases the stack.
   * Calling it again does nothing. With `bufferBytes`, rows the disk has
   * no room for are kept by a failed close, which leaves the stack open
   * (lock held) for another `close()`: that one writes them or, failing
   * again, gives them up, releases the stack and says how many were lost
   * (a `using` block's end gives them up at once).
   *
   * @example
   * ```ts
   * import { NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * const stack = NpyStackWriterSync.open(dir);
   * stack.append([1, 2]);
   * stack.close();
   * assert.equal(stack.shards, 1);
   * assert.throws(() => stack.append([3]), TypeError);
   * ```
   */
  close(): void {
    this.#guard.check("close", `the stack "${this.#core.dir}"`);
    this.#core.close();
  }

  /**
   * Closes the writer at the end of a `using` block.
   *
   * @example
   * ```ts
   * import { NpyStackWriterSync } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = Deno.makeTempDirSync();
   * {
   *   using stack = NpyStackWriterSync.open(dir);
   *   stack.append([1, 2]);
   * }
   * assert.equal(NpyStackWriterSync.open(dir).shards, 1);
   * ```
   */
  [Symbol.dispose](): void {
    this.#guard.check("close", `the stack "${this.#core.dir}"`);
    this.#core.close(false, true); // buffered rows unwritable: given up
  }
}

/**
 * The asynchronous twin of {@linkcode NpyStackWriterSync}, with the same
 * layout and guarantees; every method returns a promise. (Stacks live in
 * folders, so the I/O underneath is the runtime's synchronous file calls:
 * this class is the synchronous writer behind promises.)
 *
 * @example Write a stack that Dask reads with `da.from_npy_stack(dir)`
 * ```ts
 * import { NpyStackWriter } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await using stack = await NpyStackWriter.open(dir, { shardRows: 1000 });
 * await stack.append({ data: new Float64Array(3000), shape: [1500, 2] });
 * assert.equal(stack.shards, 1);
 * assert.deepEqual(stack.shape, [1500, 2]);
 * ```
 */
export class NpyStackWriter implements AsyncDisposable {
  readonly #sync: NpyStackWriterSync;

  static {
    // `using` (not `await using`): closed at the block's end, then a
    // TypeError naming the fix.
    refuseUsing(
      this.prototype,
      "NpyStackWriter",
      "NpyStackWriterSync",
      (w) => w.#sync[Symbol.dispose](),
    );
  }

  private constructor(sync: NpyStackWriterSync) {
    refuseNew(
      sync instanceof NpyStackWriterSync,
      "await NpyStackWriter.open(dir, options)",
    );
    this.#sync = sync;
  }

  /**
   * Opens a stack folder for appending; see
   * {@linkcode NpyStackWriterSync.open}.
   *
   * @example
   * ```ts
   * import { NpyStackWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const stack = await NpyStackWriter.open(dir, { dtype: "<u2" });
   * assert.equal(stack.dtype, "<u2");
   * await stack.close();
   * ```
   *
   * @param dir The folder, a path or `file:` URL.
   * @param options See {@linkcode NpyStackWriterOptions}.
   * @returns The writer.
   * @throws {NpyLockedError} when another writer holds the stack.
   * @throws {NpyFormatError} for a broken `info` or shard.
   * @throws {TypeError} for a dtype or order that differs from the stack's,
   *   an option value of the wrong type (checked before any file is
   *   touched), or `atomic: true`.
   * @throws {RangeError} for a bad `shardRows`, `shardBytes`,
   *   `maxHeaderSize` or `bufferBytes`.
   */
  static open(
    dir: string | URL,
    options: NpyStackWriterOptions = {},
  ): Promise<NpyStackWriter> {
    return settle(() =>
      new NpyStackWriter(NpyStackWriterSync.open(dir, options))
    );
  }

  /** The shape of the whole stack; `[]` before the first append. */
  get shape(): number[] {
    return this.#sync.shape;
  }

  /** The descr text of the dtype; `""` before it is known. */
  get dtype(): string {
    return this.#sync.dtype;
  }

  /** The number of sealed shards. */
  get shards(): number {
    return this.#sync.shards;
  }

  /** Whether the stack grows along its last axis. */
  get fortranOrder(): boolean {
    return this.#sync.fortranOrder;
  }

  /**
   * Appends an array along the growth axis; see
   * {@linkcode NpyStackWriterSync.append}.
   *
   * @example
   * ```ts
   * import { NpyStackWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await using stack = await NpyStackWriter.open(dir, { fortranOrder: true });
   * await stack.append({ data: new Float64Array(6), shape: [2, 3] });
   * assert.deepEqual(stack.shape, [2, 3]);
   * ```
   *
   * @param array Any {@linkcode ArrayInput}.
   * @returns When the rows are in the file.
   * @throws {TypeError} for an unusable input, a forbidden cast or a closed writer.
   * @throws {RangeError} for a shape mismatch or a value the dtype cannot hold.
   */
  append(array: ArrayInput): Promise<void> {
    return settle(() => this.#sync.append(array));
  }

  /**
   * Seals the live shard now; see {@linkcode NpyStackWriterSync.seal}.
   *
   * @example
   * ```ts
   * import { NpyStackWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * await using stack = await NpyStackWriter.open(dir);
   * await stack.append([1]);
   * await stack.seal();
   * assert.equal(stack.shards, 1);
   * ```
   *
   * @returns When the shard is sealed and `info` rewritten.
   * @throws {TypeError} when the writer is closed.
   */
  seal(): Promise<void> {
    return settle(() => this.#sync.seal());
  }

  /**
   * Seals the live shard if it holds rows and releases the stack.
   *
   * @example
   * ```ts
   * import { NpyStackWriter } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * const stack = await NpyStackWriter.open(dir);
   * await stack.append([1, 2]);
   * await stack.close();
   * assert.equal(stack.shards, 1);
   * ```
   *
   * @returns When the stack is closed.
   */
  close(): Promise<void> {
    return settle(() => this.#sync.close());
  }

  /**
   * Closes the writer at the end of an `await using` block.
   *
   * @example
   * ```ts
   * import { NpyStackWriter, readNpyStack } from "@x/npy-append-array";
   * import assert from "node:assert/strict";
   *
   * const dir = await Deno.makeTempDir();
   * {
   *   await using stack = await NpyStackWriter.open(dir);
   *   await stack.append([1, 2]);
   * }
   * assert.deepEqual((await readNpyStack(dir)).shape, [2]);
   * ```
   *
   * @returns When the stack is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
