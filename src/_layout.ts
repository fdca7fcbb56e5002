/**
 * Where the rows of a file lie, and what a file's facts allow: the growth
 * axis, the bytes per row, the whole rows some data holds, and the one
 * completeness policy (complete, needs recovery, not appendable) with one
 * error class and message per case.
 *
 * @module
 */

import { type DType, OBJECTS_FIX } from "./dtype.ts";
import { NpyFormatError } from "./errors.ts";
import { showFile } from "./_file_label.ts";
import { numpyTooBig } from "./_numpy_limits.ts";

/** The layout facts of an array: its shape, order and item size. */
export interface Layout {
  /** The array shape. */
  readonly shape: readonly number[];
  /** Whether the data is in Fortran (column-major) order. */
  readonly fortranOrder: boolean;
  /** The dtype (only its item size counts). */
  readonly dtype: Pick<DType, "itemsize">;
}

/**
 * The axis an append grows: the first in C order, the last in Fortran
 * order (`-1` for a 0-d array in Fortran order: it has none).
 *
 * @param fortranOrder Whether the array is in Fortran order.
 * @param ndim The number of axes.
 * @returns The axis index.
 */
export function growthAxis(fortranOrder: boolean, ndim: number): number {
  return fortranOrder ? ndim - 1 : 0;
}

/**
 * Whether an array of this shape reads the same in both orders (at most
 * one axis longer than 1, or no element at all): `np.save` then writes
 * `fortran_order: False` (the array is C-contiguous too), so a
 * Fortran-order stack's such shards carry a C-order header, and a file
 * of such a shape may be appended to in either order.
 *
 * @param shape The shape.
 * @returns Whether both orders lay it out alike.
 */
export function ambiguousOrder(shape: readonly number[]): boolean {
  return shape.includes(0) || shape.filter((n) => n !== 1).length <= 1;
}

/**
 * A shape as NumPy prints it: `(3,)`, `(2, 3)`, `()`.
 *
 * @param shape The shape.
 * @returns The text.
 */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Refuses a file shape that `np.load` would refuse as "array is too big".
 *
 * @param shape The file's shape.
 * @param itemsize Bytes per item.
 * @param shown The file, as messages show it.
 * @throws {RangeError} when NumPy could not hold the array.
 */
export function checkNumpySize(
  shape: readonly number[],
  itemsize: number,
  shown: string,
): void {
  if (numpyTooBig(shape, itemsize)) {
    throw new RangeError(
      `Cannot append to ${shown}: the file would have shape ${
        shapeText(shape)
      }, larger than NumPy's largest array (2**63 - 1 bytes, counting the non-zero axes), which np.load refuses; make the other axes smaller`,
    );
  }
}

/**
 * The shape of a file after appending an array of shape `inShape` along
 * its growth axis.
 *
 * @param layout The file's shape, order and dtype.
 * @param inShape The appended array's shape.
 * @param shown The file, as messages show it.
 * @param kind What messages call it (`"file"`, a group's `"member"`).
 * @returns The grown shape.
 * @throws {RangeError} when `inShape` differs from the file's on another
 * axis, or the file would grow too large (for JavaScript or NumPy).
 */
export function grownShape(
  layout: Layout,
  inShape: readonly number[],
  shown: string,
  kind = "file",
): number[] {
  const { shape } = layout;
  const axis = growthAxis(layout.fortranOrder, shape.length);
  let ok = inShape.length === shape.length;
  for (let i = 0; ok && i < shape.length; i++) {
    ok = i === axis || inShape[i] === shape[i];
  }
  if (!ok) {
    const want = shape.map((n, i) => (i === axis ? "n" : String(n)));
    throw new RangeError(
      `Cannot append array of shape ${
        shapeText(inShape)
      } to ${shown}: its shape must be (${want.join(", ")}${
        want.length === 1 ? "," : ""
      }), matching the ${kind} ${
        shapeText(shape)
      } on every axis but axis ${axis}`,
    );
  }
  const out = shape.slice();
  out[axis] = shape[axis]! + inShape[axis]!;
  if (!Number.isSafeInteger(out[axis]! * 1)) {
    throw new RangeError(
      `Cannot append to ${shown}: axis ${axis} would hold ${
        shape[axis]! + inShape[axis]!
      } items, past 2**53 - 1 (the largest count a JS number holds exactly); write the rows to another file`,
    );
  }
  checkNumpySize(out, layout.dtype.itemsize, shown);
  return out;
}

/**
 * Items in one row: one step along the growth axis, every other axis
 * whole (1 for a 0-d array).
 *
 * @param shape The array shape.
 * @param fortranOrder Whether the array is in Fortran order.
 * @returns The item count.
 */
export function itemsPerRow(
  shape: readonly number[],
  fortranOrder: boolean,
): number {
  const axis = growthAxis(fortranOrder, shape.length);
  let n = 1;
  for (let i = 0; i < shape.length; i++) if (i !== axis) n *= shape[i]!;
  return n;
}

/**
 * Bytes in one row of `layout` (0 when an axis or the item size is 0).
 *
 * @param layout The shape, order and dtype.
 * @returns The byte count.
 */
export function bytesPerRow(layout: Layout): number {
  return itemsPerRow(layout.shape, layout.fortranOrder) *
    layout.dtype.itemsize;
}

/**
 * The whole rows that `dataLength` bytes hold; the header's own count
 * when rows have no bytes (the data cannot tell how many there are).
 *
 * @param layout The header's shape, order and dtype (not 0-d).
 * @param dataLength The data bytes present.
 * @returns The row count.
 */
export function wholeRows(layout: Layout, dataLength: number): number {
  const rowBytes = bytesPerRow(layout);
  if (rowBytes === 0) {
    return layout.shape[growthAxis(layout.fortranOrder, layout.shape.length)]!;
  }
  return Math.floor(dataLength / rowBytes);
}

/** The facts of an existing file that the completeness policy weighs. */
export interface FileFacts {
  /** The parsed header. */
  readonly header: Layout & { readonly dtype: DType };
  /** Bytes after the header. */
  readonly dataLength: number;
  /** Bytes the header's shape covers. */
  readonly expectedDataLength: number;
  /** The header rewritten with growth space fits in its present length. */
  readonly appendable: boolean;
  /**
   * Another `.npy` record follows the data the header covers (`np.save`
   * called several times on one file): read as its first record, as
   * `np.load` does; never appended to or recovered.
   */
  readonly moreRecords?: boolean;
  /**
   * After the data comes the start of a record whose header the file's end
   * cuts off, in a dtype of raw bytes (one-byte integers, `S`, `V`): an
   * append of an `.npy` file's bytes killed before its header write, or
   * (the same bytes) `np.save` killed while saving again. In other dtypes
   * it is `moreRecords`: their rows cannot be header text.
   * Readers read the first record, as `np.load` does; append and recover
   * take it as a file that needs recovery.
   */
  readonly cutRecord?: boolean;
  /**
   * The header, written again from its parsed dtype, would not say what it
   * says now: it names a field with an escaped surrogate pair
   * (`'\ud83d\ude00'`), which a JS string holds as the one character it
   * pairs to. Read, never rewritten.
   */
  readonly inexactHeader?: boolean;
}

/** Why a file cannot take appends. */
export type NotAppendableReason =
  /** Its dtype holds Python objects. */
  | "objects"
  /** It holds a 0-d array: no axis to grow. */
  | "0-d"
  /** Its header has no room for a longer shape. */
  | "no-room"
  /** It holds several records back to back. */
  | "records"
  /** Its header cannot be written again exactly (see `inexactHeader`). */
  | "inexact-header";

/**
 * What a file's facts allow. New cases (such as several records back to
 * back) join this union, {@linkcode fileState} and
 * {@linkcode fileStateError}.
 */
export type FileState =
  /** The data length is what the header says. */
  | { readonly state: "complete" }
  /** The data length differs from what the header says. */
  | {
    readonly state: "needs-recovery";
    /** Bytes after the header. */
    readonly dataLength: number;
    /** Bytes the header's shape covers. */
    readonly expectedDataLength: number;
    /**
     * The header's shape is `()`: `recover` cannot cut or count rows of
     * it, so the fix is saving the array again.
     */
    readonly zeroD?: true;
  }
  /** The file cannot take appends (or be recovered) as it is. */
  | {
    readonly state: "not-appendable";
    /** Why. */
    readonly reason: NotAppendableReason;
    /** Bytes after the header. */
    readonly dataLength: number;
    /** Bytes the header's shape covers. */
    readonly expectedDataLength: number;
  };

/**
 * What a file is used for: `"read"` cares only whether the data matches
 * the header; `"append"` also whether the file can grow; `"recover"`
 * whether a file that needs recovery can be recovered.
 */
export type FileUse = "read" | "append" | "recover";

/**
 * The completeness policy: judges a file's facts for a use.
 *
 * - `"read"`: complete, or needs recovery (Python objects are the
 *   decoder's business); a file of several records is complete (its
 *   first record is read).
 * - several records refuse `"append"` and `"recover"` first.
 * - `"append"`: not appendable (Python objects, a 0-d array, no header
 *   room, in that order), else complete or needs recovery.
 * - `"recover"`: complete (nothing to do), else not appendable (a 0-d
 *   array), else needs recovery. A header with no room to grow can still
 *   be recovered when the new shape fits it (`recoverPlan` checks).
 *
 * @param facts The file's facts, from `inspect`.
 * @param use What the file is for.
 * @returns The state.
 */
export function fileState(facts: FileFacts, use: FileUse): FileState {
  const { header, dataLength, expectedDataLength } = facts;
  // Several records: the first is complete for readers (as np.load).
  const whole = header.dtype.hasObject || facts.moreRecords === true ||
    dataLength === expectedDataLength;
  const matches = whole || (use === "read" && facts.cutRecord === true);
  const incomplete: FileState = {
    state: "needs-recovery",
    dataLength,
    expectedDataLength,
    ...(header.shape.length === 0 ? { zeroD: true as const } : {}),
  };
  const notAppendable = (reason: NotAppendableReason): FileState => ({
    state: "not-appendable",
    reason,
    dataLength,
    expectedDataLength,
  });
  if (use === "read") return matches ? { state: "complete" } : incomplete;
  if (facts.moreRecords === true) return notAppendable("records");
  if (use === "recover" && matches) return { state: "complete" };
  if (facts.inexactHeader === true) return notAppendable("inexact-header");
  if (use === "append" && header.dtype.hasObject) {
    return notAppendable("objects");
  }
  if (header.shape.length === 0) return notAppendable("0-d");
  if (!facts.appendable && use !== "recover") return notAppendable("no-room");
  return matches ? { state: "complete" } : incomplete;
}

/** Options of {@linkcode fileStateError}. */
export interface FileStateErrorOptions {
  /** The verb of the message: `"append to"`, `"read"`, `"recover"`. */
  readonly verb: string;
  /**
   * The file (its path, or `"the file object"`), for messages (none: a
   * message the caller names later).
   */
  readonly label?: string;
  /** How to recover, for callers outside the library's API (the CLI). */
  readonly recoverFix?: string;
  /** The caller has an `allowIncomplete` option (readers): say so. */
  readonly offersAllowIncomplete?: boolean;
  /** The dtype, for the Python objects message. */
  readonly dtype?: Pick<DType, "str">;
}

/**
 * The one error of each state that refuses a use: `NpyFormatError` for a
 * file that needs recovery or holds Python objects, `RangeError` for one
 * that cannot grow.
 *
 * @param state A state other than `"complete"`.
 * @param use What the file was for.
 * @param options The verb, the file and what the caller accepts.
 * @returns The error to throw.
 */
export function fileStateError(
  state: Exclude<FileState, { state: "complete" }>,
  use: FileUse,
  options: FileStateErrorOptions,
): Error {
  const head = options.label === undefined
    ? `Cannot ${options.verb}`
    : `Cannot ${options.verb} ${showFile(options.label)}`;
  const named = { file: options.label, verb: options.verb };
  if (state.state === "needs-recovery") {
    // A 0-d file has no rows to count or cut: recover refuses it, and
    // allowIncomplete reads whole rows only.
    const fix = state.zeroD
      ? `a 0-d array has no rows to recover: save the array again (np.load ${
        state.dataLength > state.expectedDataLength
          ? "reads the first item and ignores the rest"
          : "refuses it too"
      })`
      : options.recoverFix ??
        (options.offersAllowIncomplete
          ? "call recover, or pass allowIncomplete: true"
          : "call recover first");
    return new NpyFormatError(
      "needs-recovery",
      `it holds ${state.dataLength} data bytes but its header says ${state.expectedDataLength}; ${fix}`,
      named,
    );
  }
  switch (state.reason) {
    case "objects":
      return new NpyFormatError(
        "unsupported-dtype",
        `its dtype "${
          options.dtype?.str ?? "O"
        }" holds Python objects, which this library cannot write; ${OBJECTS_FIX}, or start a new file with deleteIfExists`,
        named,
      );
    case "0-d":
      return new RangeError(
        use === "recover"
          ? `${head}: it holds a 0-d array, which has no axis to grow, and its ${state.dataLength} data bytes do not match the ${state.expectedDataLength} its header says; save the array again`
          : `${head}: it holds a 0-d array, which has no axis to grow; use deleteIfExists to start over`,
      );
    case "no-room":
      return new RangeError(
        `${head}: its header has no room to grow; call ensureAppendable first`,
      );
    case "inexact-header":
      return new NpyFormatError(
        "unsupported-dtype",
        "its header spells a field name with an escaped surrogate pair (such as '\\ud83d\\ude00'), which a JavaScript string cannot tell from the one character it pairs to, so writing the header again would rename the field; read it and write the rows to a new file",
        named,
      );
    case "records":
      return new NpyFormatError(
        "several-arrays",
        "it holds several arrays saved one after another (np.save called more than once on one file), not one array; read them all with readNpyRecords (in Python, np.load once per array on one open file object) and write them to a new file",
        named,
      );
  }
}

/**
 * Throws the state's error unless the file's facts allow the use.
 *
 * @param facts The file's facts, from `inspect`.
 * @param use What the file is for.
 * @param options The verb, the file and what the caller accepts;
 * `allowIncomplete: true` lets a file that needs recovery through.
 * @returns The state (`"complete"`, or `"needs-recovery"` for a reader
 * that allows incomplete files or for `"recover"`).
 * @throws {NpyFormatError} for a file that needs recovery (unless the use
 * is `"recover"` or `allowIncomplete` is set) or holds Python objects.
 * @throws {RangeError} for a file that cannot grow.
 */
export function checkFileState(
  facts: FileFacts,
  use: FileUse,
  options: FileStateErrorOptions & { readonly allowIncomplete?: boolean },
): FileState {
  const state = fileState(facts, use);
  if (state.state === "complete") return state;
  if (
    state.state === "needs-recovery" &&
    (use === "recover" || options.allowIncomplete)
  ) {
    return state;
  }
  throw fileStateError(state, use, { ...options, dtype: facts.header.dtype });
}
