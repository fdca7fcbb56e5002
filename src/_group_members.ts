/**
 * The storage of one group member: a plain `.npy` file (`FileMember`) or a
 * Dask npy-stack folder (`StackMember`), behind the same few operations.
 *
 * @module
 */

import { NpyAppendArraySync } from "./npy_append_array_sync.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import { type DType, parseDType } from "./dtype.ts";
import type { Casting } from "./casting.ts";
import type { ArrayInput, PrepareOptions } from "./array_input.ts";
import { StackCore } from "./_stack_core.ts";
import { syncWriterHooks } from "./_writer_target.ts";
import type { NpyStackWriterOptions, StackMark } from "./_stack_options.ts";

/** One member's storage. */
export interface MemberStore {
  readonly name: string;
  readonly path: string;
  readonly fortranOrder: boolean;
  readonly casting: Casting;
  /** The current shape, `[]` before the first append. */
  shape(): number[];
  /** The dtype, `undefined` before the first append when none was given. */
  dtype(): DType | undefined;
  /** How `prepareArray` converts this member's input. */
  prepareOptions(): PrepareOptions;
  /**
   * Refuses, writing nothing, an append of `rows` that the storage could
   * not undo (a stack's folder moved: see `StackCore.checkPlace`).
   */
  checkPlace?(rows: number): void;
  /** Writes the data of an append (its header may lag behind). */
  append(input: ArrayInput): void;
  /** Makes the appended rows visible (writes the header). */
  commit(): void;
  /**
   * Closes the storage; a stack seals its live shard unless `keepLive`
   * (a failed append is being undone).
   */
  close(keepLive?: boolean): void;
  /** What {@linkcode undoTo} puts the storage back to: its state now. */
  mark(): unknown;
  /**
   * Undoes the appends since `mark` (a failed group append) under the
   * locks and files held, needing no free space (a stack whose `info` was
   * rewritten since aside); returns why it could not, or `undefined`, and
   * can be called again.
   */
  undoTo(mark: unknown): unknown;
}

abstract class MemberBase {
  readonly name: string;
  readonly path: string;
  readonly casting: Casting;
  #prepare: PrepareOptions | null = null;

  constructor(name: string, path: string, casting: Casting | undefined) {
    this.name = name;
    this.path = path;
    this.casting = casting ?? "same_kind";
  }

  abstract get fortranOrder(): boolean;
  abstract dtype(): DType | undefined;

  prepareOptions(): PrepareOptions {
    const dtype = this.dtype();
    let p = this.#prepare;
    if (p === null || p.dtype !== dtype) {
      p = this.#prepare = {
        dtype,
        fortranOrder: this.fortranOrder,
        casting: this.casting,
        label: `"${this.path}"`,
      };
    }
    return p;
  }
}

/** A member stored as one `.npy` file, `DIR/<name>.npy`. */
export class FileMember extends MemberBase implements MemberStore {
  readonly #writer: NpyAppendArraySync;
  #dtype: DType | undefined;
  readonly #fortran: boolean;

  constructor(name: string, path: string, options: NpyAppendArrayOptions) {
    super(name, path, options.casting);
    this.#writer = NpyAppendArraySync.open(path, options);
    this.#fortran = this.#writer.fortranOrder;
    this.#dtype = this.#writer.dtype === ""
      ? undefined
      : parseDType(this.#writer.dtype);
  }

  get fortranOrder(): boolean {
    return this.#fortran;
  }

  shape(): number[] {
    return this.#writer.shape;
  }

  dtype(): DType | undefined {
    if (this.#dtype === undefined && this.#writer.dtype !== "") {
      this.#dtype = parseDType(this.#writer.dtype);
    }
    return this.#dtype;
  }

  append(input: ArrayInput): void {
    this.#writer.append(input);
  }

  commit(): void {
    this.#writer.updateHeader();
  }

  close(): void {
    this.#writer.close();
  }

  mark(): unknown {
    return this.#writer
      .shape[this.#fortran ? this.#writer.shape.length - 1 : 0] ??
      0;
  }

  undoTo(mark: unknown): unknown {
    return syncWriterHooks.cutBack!(this.#writer, mark as number);
  }
}

/**
 * A member stored as a Dask npy-stack, `DIR/<name>/` (`0.npy`, ..., `info`,
 * the live `{n}.npy.part`), written by the stack writer's core with the
 * header of the live shard lagging behind its data until `commit()`.
 */
export class StackMember extends MemberBase implements MemberStore {
  readonly #core: StackCore;

  constructor(name: string, path: string, options: NpyStackWriterOptions) {
    super(name, path, options.casting);
    this.#core = new StackCore(path, options, "write");
  }

  get fortranOrder(): boolean {
    return this.#core.fortranOrder;
  }

  shape(): number[] {
    return this.#core.shape;
  }

  dtype(): DType | undefined {
    return this.#core.dtype;
  }

  checkPlace(rows: number): void {
    this.#core.checkPlace(rows);
  }

  append(input: ArrayInput): void {
    this.#core.append(input);
  }

  commit(): void {
    this.#core.updateHeader();
  }

  close(keepLive = false): void {
    this.#core.close(keepLive);
  }

  mark(): unknown {
    return this.#core.mark();
  }

  undoTo(mark: unknown): unknown {
    return this.#core.undoTo(mark as StackMark);
  }
}
