/**
 * Reading `.npy` inputs for the command line, on the public API: the header
 * facts from `inspectNpySync`, batches along the growth axis from
 * `NpyReader`, raw data bytes for lossless copies, and blocks of rows of a
 * 2-d array in C order whatever the file's order.
 *
 * @module
 */

import {
  encodeHeader,
  inspectNpySync,
  MemoryFile,
  type NpyArray,
  type NpyData,
  type NpyInfo,
  NpyReader,
  readNpySync,
} from "../../mod.ts";
import { checkReadable, CliFile, isDirectory, sizeIfExists } from "./_fs.ts";
import {
  fortranStackFile,
  openStackSource,
  stackBatches,
  type StackParts,
  stackRawBatches,
} from "./_stack_source.ts";
import { commandText } from "./_cli_words.ts";

/** Bytes read at a time (about). */
export const BATCH_BYTES: number = 4 << 20;

/** An input file with its header facts; `close()` when done. */
export interface NpySource {
  /** The path. */
  readonly path: string;
  /** The header facts. */
  readonly info: NpyInfo;
  /** The header size cap it was read with. */
  readonly maxHeaderSize: number | undefined;
  /** A stack folder's reader and shards (`info` then stands for the stack). */
  readonly stack?: StackParts;
  /** Closes what is open. */
  close(): void;
}

/**
 * Inspects a `.npy` input and checks that its data can be read: complete,
 * and no Python objects. With `stacks`, a folder is read as a stack
 * (`NpyStackReader`, as `np.load` and Dask read it).
 *
 * @param path The path.
 * @param maxHeaderSize The header size cap (default 10,000 characters).
 * @param stacks Whether a folder is a stack input.
 * @returns The source.
 * @throws {NpyFormatError} for a bad file (from the library, naming it).
 * @throws {RangeError} for a file that needs `recover` or holds objects.
 */
export function openSource(
  path: string,
  maxHeaderSize?: number,
  stacks = false,
): NpySource {
  if (stacks && isDirectory(path)) return openStackSource(path, maxHeaderSize);
  return openLive(path, (p) => openFound(p, maxHeaderSize));
}

function openFound(path: string, maxHeaderSize?: number): NpySource {
  checkReadable(path);
  const info = inspectNpySync(path, headerOptions(maxHeaderSize));
  if (info.hasObject) {
    throw new RangeError(
      `Cannot read "${path}": its dtype "${info.dtype}" holds Python objects (pickled), which the command line does not read`,
    );
  }
  if (info.needsRecovery) {
    throw new RangeError(
      `Cannot read "${path}": it holds ${info.dataLength} data bytes but its header says ${info.expectedDataLength}; run ${
        commandText("recover", path)
      } first`,
    );
  }
  return { path, info, maxHeaderSize, close() {} };
}

/**
 * Runs `open` on `path`, or on `{n}.npy` when `path` is a stack's live
 * shard `{n}.npy.part` that its writer sealed (renamed) since the stack
 * was listed, as `NpyStackReader` reads it: a command listing a stack
 * beside its writer failed with "no such file".
 *
 * @param path The file.
 * @param open What opens it.
 * @returns What `open` returns.
 */
export function openLive<T>(path: string, open: (path: string) => T): T {
  try {
    return open(path);
  } catch (e) {
    const sealed = path.slice(0, -".part".length);
    const missing = [e, (e as Error).cause].some((x) =>
      (x as { code?: unknown } | undefined)?.code === "ENOENT"
    );
    if (
      !missing || !path.endsWith(".npy.part") ||
      sizeIfExists(sealed) === undefined
    ) throw e;
    return open(sealed);
  }
}

/**
 * `{ maxHeaderSize }` when given, else `{}`.
 *
 * @param maxHeaderSize The cap.
 * @returns The options.
 */
export function headerOptions(
  maxHeaderSize: number | undefined,
): { maxHeaderSize?: number } {
  return maxHeaderSize === undefined ? {} : { maxHeaderSize };
}

function rowsPerBatch(info: NpyInfo, batchBytes: number): number {
  return Math.max(1, Math.floor(batchBytes / Math.max(1, info.rowBytes)));
}

/**
 * Reads a source in batches along its growth axis with `NpyReader`
 * (a 0-d source: its one item).
 *
 * @param src The source.
 * @param batchBytes Bytes per batch (about; at least one slice).
 * @returns The batches, in order; `shape` cut to the batch.
 */
export function* batches(
  src: NpySource,
  batchBytes: number = BATCH_BYTES,
): Generator<NpyArray, void, undefined> {
  const { info } = src;
  if (
    info.shape.length > 0 && info.rowBytes === 0 &&
    info.shape[info.growthAxis]! > 0
  ) {
    // No data bytes (an axis of 0, or a dtype of 0 bytes such as |V0): one
    // batch of the whole shape, from nothing. Batches of rows would loop
    // 10**15 / 4 Mi times for a 128-byte file of shape (10**15, 0), and
    // rows of |V0 items come 4,096 items at a time from the readers.
    yield {
      data: new Uint8Array(0),
      shape: [...info.shape],
      dtype: info.dtype,
      fortranOrder: info.fortranOrder,
    };
    return;
  }
  if (src.stack !== undefined) {
    yield* stackBatches(src.stack, rowsPerBatch(src.info, batchBytes));
    return;
  }
  if (src.info.shape.length === 0) {
    yield readNpySync(src.path, headerOptions(src.maxHeaderSize));
    return;
  }
  const reader = openLive(src.path, (p) =>
    NpyReader.openSync(p, {
      ...headerOptions(src.maxHeaderSize),
      batchItems: rowsPerBatch(src.info, batchBytes),
    }));
  try {
    if (reader.length === 0) {
      yield reader.readSync(0, 0);
      return;
    }
    yield* reader.batchesSync();
  } finally {
    reader.closeSync();
  }
}

/** Raw data bytes of slices along the growth axis. */
export interface RawBatch {
  /** The bytes, exactly as stored. */
  readonly bytes: Uint8Array;
  /** The batch shape: the file's, with the growth axis cut to the batch. */
  readonly shape: number[];
}

/**
 * Reads a source's data bytes as stored, in batches of whole slices along
 * its growth axis (`NpyReader.readIntoSync`): for copies that must keep
 * every bit.
 *
 * @param src The source (not 0-d).
 * @param batchBytes Bytes per batch (about; at least one slice).
 * @returns The batches, in order.
 */
export function* rawBatches(
  src: NpySource,
  batchBytes: number = BATCH_BYTES,
): Generator<RawBatch, void, undefined> {
  const { info } = src;
  const axis = info.growthAxis;
  const rows = info.shape[axis]!;
  if (rows === 0 || info.rowBytes === 0) {
    // No bytes to copy: one batch of the whole shape.
    yield { bytes: new Uint8Array(0), shape: [...info.shape] };
    return;
  }
  const step = rowsPerBatch(info, batchBytes);
  if (src.stack !== undefined) {
    yield* stackRawBatches(src, src.stack, step, openLive);
    return;
  }
  const reader = openLive(
    src.path,
    (p) => NpyReader.openSync(p, headerOptions(src.maxHeaderSize)),
  );
  try {
    for (let start = 0; start < rows; start += step) {
      const n = Math.min(step, rows - start);
      const bytes = new Uint8Array(n * info.rowBytes);
      reader.readIntoSync(bytes, start, start + n);
      const shape = [...info.shape];
      shape[axis] = n;
      yield { bytes, shape };
    }
  } finally {
    reader.closeSync();
  }
}

function readExactly(file: CliFile, bytes: Uint8Array, position: number) {
  if (file.read(bytes, position) !== bytes.length) {
    throw new RangeError(
      `Cannot read "${file.path}": the file ended early (it was changed while reading?)`,
    );
  }
}

/**
 * Decodes data bytes of a dtype with the library's reader: the bytes are
 * given a header and read back with `readNpySync`.
 *
 * @param bytes The bytes, C order.
 * @param dtype The descr text.
 * @param shape The shape.
 * @returns The values.
 */
export function decodeBytes(
  bytes: Uint8Array,
  dtype: string,
  shape: readonly number[],
): NpyData {
  const header = encodeHeader({ dtype, fortranOrder: false, shape });
  const whole = new Uint8Array(header.length + bytes.length);
  whole.set(header);
  whole.set(bytes, header.length);
  return readNpySync(new MemoryFile(whole)).data;
}

/** A block of rows of a 0-d, 1-d or 2-d array, in C order. */
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
  const { info } = src;
  const shape = info.shape;
  if (shape.length > 2) {
    throw new RangeError(
      `Cannot write "${src.path}" as CSV: it is ${shape.length}-d, and CSV holds 1-d and 2-d arrays`,
    );
  }
  const rowCount = shape.length === 0 ? 1 : shape[0]!;
  const cols = shape.length === 2 ? shape[1]! : 1;
  if (rowCount > 0 && (cols === 0 || info.itemsize === 0)) {
    // np.savetxt would write empty lines, which no reader turns back into
    // the array; and a huge row count of them would never end.
    throw new RangeError(
      `Cannot write "${src.path}" as CSV: its rows hold no values (dtype "${info.dtype}", shape (${
        shape.join(", ")
      }${shape.length === 1 ? "," : ""}))`,
    );
  }
  if (shape.length < 2 || !info.fortranOrder) {
    for (const b of batches(src, batchBytes)) {
      const rows = b.shape.length === 0 ? 1 : b.shape[0]!;
      if (rows === 0) continue;
      yield { data: b.data, rows, cols, bytes: rows * cols * info.itemsize };
    }
    return;
  }
  const rows = rowCount;
  const size = info.itemsize;
  if (rows === 0 || cols === 0 || size === 0) return;
  const step = Math.max(1, Math.floor(batchBytes / (cols * size)));
  const segment = new Uint8Array(step * size);
  const { path, headerLength } = src.stack === undefined
    ? { path: src.path, headerLength: info.headerLength }
    : fortranStackFile(src, src.stack);
  const file = openLive(path, (p) => new CliFile(p, "read"));
  try {
    for (let start = 0; start < rows; start += step) {
      const n = Math.min(step, rows - start);
      const out = new Uint8Array(n * cols * size);
      for (let j = 0; j < cols; j++) {
        const seg = segment.subarray(0, n * size);
        readExactly(file, seg, headerLength + (j * rows + start) * size);
        for (let i = 0; i < n; i++) {
          out.set(
            seg.subarray(i * size, (i + 1) * size),
            (i * cols + j) * size,
          );
        }
      }
      yield {
        data: decodeBytes(out, info.dtype, [n, cols]),
        rows: n,
        cols,
        bytes: out.length,
      };
    }
  } finally {
    file.close();
  }
}
