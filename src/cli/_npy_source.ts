/**
 * Reading `.npy` files in bounded memory for the command line: batches of
 * items along the growth axis (as stored), and blocks of rows of a 2-d
 * array in C order whatever the file's order.
 *
 * @module
 */

import { NpyFormatError } from "../errors.ts";
import { type FileInfo, inspect } from "../_inspect.ts";
import { readFully, runSync } from "../_io.ts";
import { type OpenedFile, pathFs } from "../_path_fs.ts";
import { namingFile } from "../_error_label.ts";
import { decodeItems, type NpyData } from "../decode.ts";
import {
  bytesPerRow,
  fileState,
  fileStateError,
  growthAxis,
  itemsPerRow,
} from "../_layout.ts";

/** Bytes read at a time (about). */
export const BATCH_BYTES: number = 4 << 20;

/** An input file, open for reading, with its header facts. */
export interface NpySource {
  /** The path. */
  readonly path: string;
  /** The open file. */
  readonly file: OpenedFile;
  /** The header facts. */
  readonly info: FileInfo;
}

/**
 * Opens a `.npy` file for reading and checks that it is complete.
 *
 * @param path The path.
 * @param maxHeaderSize The header size cap (default 10,000 characters).
 * @returns The source; close `file` when done.
 * @throws {NpyFormatError} for a bad file, one that needs `recover`, or
 * one holding Python objects.
 */
export function openSource(
  path: string,
  maxHeaderSize?: number,
): NpySource {
  const file = pathFs().open(path, "read");
  try {
    const info = namingFile(
      "read",
      path,
      () => runSync(inspect(maxHeaderSize), file),
    );
    const { header } = info;
    if (header.dtype.hasObject) {
      throw new NpyFormatError(
        `Cannot read ${path}: its dtype "${header.dtype.str}" holds Python objects (pickled)`,
      );
    }
    const state = fileState(info, "read");
    if (state.state === "needs-recovery") {
      throw fileStateError(state, "read", {
        verb: "read",
        label: path,
        recoverFix: `run "npy-append-array recover ${path}" first`,
      });
    }
    return { path, file, info };
  } catch (e) {
    file.closeSync();
    throw e;
  }
}

/** A batch of items along the growth axis. */
export interface Batch {
  /** The items, in the file's order. */
  readonly data: NpyData;
  /** The batch shape: the file's, with the growth axis cut to the batch. */
  readonly shape: number[];
  /** Data bytes the batch took from the file. */
  readonly bytes: number;
}

/**
 * Reads a source in batches along its growth axis.
 *
 * @param src The source.
 * @param batchBytes Bytes per batch (about; at least one item).
 * @returns The batches, in order.
 */
export function* batches(
  src: NpySource,
  batchBytes: number = BATCH_BYTES,
): Generator<Batch, void, undefined> {
  const { header } = src.info;
  const shape = [...header.shape];
  const dtype = header.dtype;
  if (shape.length === 0) {
    const bytes = new Uint8Array(dtype.itemsize);
    readExactly(src, bytes, header.headerLength);
    yield {
      data: decodeItems(bytes, dtype, 1),
      shape: [],
      bytes: bytes.length,
    };
    return;
  }
  const axis = growthAxis(header.fortranOrder, shape.length);
  const rows = shape[axis]!;
  const perRow = itemsPerRow(shape, header.fortranOrder);
  const rowBytes = bytesPerRow(header);
  if (rowBytes === 0 || rows === 0) {
    yield {
      data: decodeItems(new Uint8Array(0), dtype, 0),
      shape,
      bytes: 0,
    };
    return;
  }
  const step = Math.max(1, Math.floor(batchBytes / rowBytes));
  for (let start = 0; start < rows; start += step) {
    const n = Math.min(step, rows - start);
    const bytes = new Uint8Array(n * rowBytes);
    readExactly(src, bytes, header.headerLength + start * rowBytes);
    const s = [...shape];
    s[axis] = n;
    yield {
      data: decodeItems(bytes, dtype, n * perRow),
      shape: s,
      bytes: bytes.length,
    };
  }
}

function readExactly(
  src: NpySource,
  bytes: Uint8Array,
  position: number,
): void {
  const got = runSync(readFully(bytes, position), src.file);
  if (got !== bytes.length) {
    throw new NpyFormatError(
      `Cannot read ${src.path}: the file ended early (it was changed while reading?)`,
    );
  }
}

/** A block of rows of a 1-d or 2-d array, in C order. */
export interface RowBlock {
  /** `rows * cols` items, row by row. */
  readonly data: NpyData;
  /** Rows in the block. */
  readonly rows: number;
  /** Items per row (1 for a 1-d array). */
  readonly cols: number;
  /** Data bytes the block took from the file. */
  readonly bytes: number;
}

/**
 * Reads a 0-d, 1-d or 2-d source as blocks of whole rows in C order; a
 * Fortran-order 2-d file is read column segment by column segment.
 *
 * @param src The source.
 * @param batchBytes Bytes per block (about; at least one row).
 * @returns The blocks, in order.
 */
export function* rowBlocks(
  src: NpySource,
  batchBytes: number = BATCH_BYTES,
): Generator<RowBlock, void, undefined> {
  const { header } = src.info;
  const shape = header.shape;
  if (shape.length > 2) {
    throw new RangeError(
      `Cannot write ${src.path} as CSV: it is ${shape.length}-d, and CSV holds 1-d and 2-d arrays`,
    );
  }
  if (shape.length < 2 || !header.fortranOrder) {
    const cols = shape.length === 2 ? shape[1]! : 1;
    for (const b of batches(src, batchBytes)) {
      const rows = b.shape.length === 0 ? 1 : b.shape[0]!;
      yield { data: b.data, rows, cols, bytes: b.bytes };
    }
    return;
  }
  const [rows, cols] = shape as [number, number];
  const dtype = header.dtype;
  const size = dtype.itemsize;
  if (rows === 0 || cols === 0 || size === 0) return;
  const step = Math.max(1, Math.floor(batchBytes / (cols * size)));
  const segment = new Uint8Array(step * size);
  for (let start = 0; start < rows; start += step) {
    const n = Math.min(step, rows - start);
    const out = new Uint8Array(n * cols * size);
    if (rows === 1) {
      // One row: the Fortran layout is the C layout.
      readExactly(src, out, header.headerLength);
    } else {
      for (let j = 0; j < cols; j++) {
        const seg = segment.subarray(0, n * size);
        readExactly(src, seg, header.headerLength + (j * rows + start) * size);
        for (let i = 0; i < n; i++) {
          out.set(
            seg.subarray(i * size, (i + 1) * size),
            (i * cols + j) * size,
          );
        }
      }
    }
    yield {
      data: decodeItems(out, dtype, n * cols),
      rows: n,
      cols,
      bytes: out.length,
    };
  }
}
