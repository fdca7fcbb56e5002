/**
 * A stack folder (Dask's `to_npy_stack` layout) as one input of the command
 * line, read through the public `NpyStackReader` as `readNpyStack`,
 * `np.load` and Dask read it: a sealed shard's rows are its header's (bytes
 * past them are not data), the live `{n}.npy.part` gives its whole rows.
 *
 * @module
 */

import {
  inspectNpySync,
  type NpyArray,
  type NpyInfo,
  NpyStackReader,
  parseDType,
} from "../../mod.ts";
import type { NpySource, RawBatch } from "./_npy_source.ts";
import { CliFile } from "./_fs.ts";

/** A stack source's reader and its files with their rows. */
export interface StackParts {
  /** The reader (holds no open file). */
  readonly reader: NpyStackReader;
  /** The shard files in order (`NpyStackReader.files`). */
  readonly files: readonly string[];
  /** Rows each file gives: a sealed shard's header rows, the live whole rows. */
  readonly rows: readonly number[];
}

function capOption(max: number | undefined): { maxHeaderSize?: number } {
  return max === undefined ? {} : { maxHeaderSize: max };
}

/**
 * Opens a stack folder as a source.
 *
 * @param dir The folder.
 * @param maxHeaderSize The header size cap.
 * @returns The source, with `stack` set.
 * @throws {RangeError} for a stack of Python objects or with no shard.
 */
export function openStackSource(
  dir: string,
  maxHeaderSize: number | undefined,
): NpySource & { readonly stack: StackParts } {
  const reader = NpyStackReader.openSync(dir, capOption(maxHeaderSize));
  const files = reader.files;
  if (files.length === 0 || reader.dtype === "") {
    throw new RangeError(
      `Cannot read the stack "${dir}": it holds no shard yet (no 0.npy); write rows to it first, or pass a stack that holds some`,
    );
  }
  const dtype = parseDType(reader.dtype);
  if (dtype.hasObject) {
    throw new RangeError(
      `Cannot read the stack "${dir}": its dtype "${reader.dtype}" holds Python objects (pickled), which the command line does not read`,
    );
  }
  const rows = reader.chunks;
  if (files.length > rows.length) {
    rows.push(reader.length - rows.reduce((a, n) => a + n, 0));
  }
  const shape = reader.shape;
  const axis = reader.growthAxis;
  let rowBytes = dtype.itemsize;
  shape.forEach((n, i) => {
    if (i !== axis) rowBytes *= n;
  });
  const dataLength = rowBytes * reader.length;
  const info: NpyInfo = {
    version: [1, 0],
    headerLength: 0,
    dtype: reader.dtype,
    itemsize: dtype.itemsize,
    shape,
    fortranOrder: reader.fortranOrder,
    growthAxis: axis,
    rowBytes,
    dataLength,
    expectedDataLength: dataLength,
    hasObject: false,
    appendable: false,
    needsRecovery: false,
  };
  return {
    path: dir,
    info,
    maxHeaderSize,
    stack: { reader, files, rows },
    close() {
      reader.closeSync();
    },
  };
}

/**
 * Reads a stack in batches of rows along its growth axis with
 * `NpyStackReader.readSync` (an empty stack: one zero-row batch).
 *
 * @param stack The stack.
 * @param step Rows per batch.
 * @returns The batches.
 */
export function* stackBatches(
  stack: StackParts,
  step: number,
): Generator<NpyArray, void, undefined> {
  const { reader } = stack;
  const end = reader.length;
  if (end === 0) {
    yield reader.readSync(0, 0);
    return;
  }
  for (let at = 0; at < end; at += step) {
    yield reader.readSync(at, Math.min(end, at + step));
  }
}

/**
 * Reads a stack's data bytes as stored, shard by shard, each shard's rows
 * only (as the stack reader counts them: bytes past a sealed shard's
 * header rows are not data), for copies that keep every bit. The bytes are
 * read at their offsets: a shard of one column in a Fortran-order stack is
 * saved in C order (NumPy's `np.save` says C for an array that is both),
 * where the shard's own rows are not the stack's; its bytes are the same.
 *
 * @param src The stack source.
 * @param stack Its parts.
 * @param step Rows per batch.
 * @param openLive Opens a live shard sealed since the listing.
 * @returns The batches.
 */
export function* stackRawBatches(
  src: NpySource,
  stack: StackParts,
  step: number,
  openLive: <T>(path: string, open: (path: string) => T) => T,
): Generator<RawBatch, void, undefined> {
  const { info } = src;
  const axis = info.growthAxis;
  for (let k = 0; k < stack.files.length; k++) {
    const rows = stack.rows[k]!;
    if (rows === 0) continue;
    const { file, headerLength } = openLive(stack.files[k]!, (p) => {
      const head = inspectNpySync(p, capOption(src.maxHeaderSize));
      return { file: new CliFile(p, "read"), headerLength: head.headerLength };
    });
    try {
      for (let start = 0; start < rows; start += step) {
        const n = Math.min(step, rows - start);
        const bytes = new Uint8Array(n * info.rowBytes);
        const at = headerLength + start * info.rowBytes;
        if (file.read(bytes, at) !== bytes.length) {
          throw new RangeError(
            `Cannot read "${file.path}": the file ended early (it was changed while reading?)`,
          );
        }
        const shape = [...info.shape];
        shape[axis] = n;
        yield { bytes, shape };
      }
    } finally {
      file.close();
    }
  }
}

/**
 * Where a one-file Fortran-order 2-d stack's data starts in its file.
 *
 * @param src The stack source.
 * @param stack Its parts.
 * @returns The file and its header length.
 * @throws {RangeError} when the columns are in more than one file.
 */
export function fortranStackFile(
  src: NpySource,
  stack: StackParts,
): { path: string; headerLength: number } {
  if (stack.files.length !== 1) {
    throw new RangeError(
      `Cannot write "${src.path}" as CSV: it is a Fortran-order stack, whose shards hold columns; concat it into one file first`,
    );
  }
  const path = stack.files[0]!;
  const head = inspectNpySync(path, capOption(src.maxHeaderSize));
  return { path, headerLength: head.headerLength };
}
