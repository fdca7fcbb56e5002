/**
 * Reading and judging the header of an existing file: the facts that
 * `open`, the readers and the maintenance functions share.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import {
  DEFAULT_MAX_HEADER_SIZE,
  headerCap,
  headerLengthFromPreamble,
  headerText,
  MAGIC,
  type NpyHeader,
  parseHeader,
  wrapHeaderText,
} from "./header.ts";
import { descrValue, type DType } from "./dtype.ts";
import { checkByteCount } from "./_numpy_limits.ts";
import { HEADER_CUT } from "./_header_refusals.ts";
import { hasEscapedSurrogatePair, pyRepr } from "./py_literal.ts";
import { type IoSteps, readFully, size } from "./_io.ts";
import { fileState, fileStateError } from "./_layout.ts";

/** What the library knows about an existing `.npy` file. */
export interface FileInfo {
  /** The parsed header. */
  readonly header: NpyHeader;
  /** The file size in bytes. */
  readonly fileSize: number;
  /** Bytes after the header. */
  readonly dataLength: number;
  /** Bytes the header's shape covers. */
  readonly expectedDataLength: number;
  /** The header rewritten with growth space, as `ensureAppendable` would. */
  readonly grownHeader: Uint8Array;
  /** The grown header fits in the present header length. */
  readonly appendable: boolean;
  /**
   * The data length differs from what the shape says, and the difference
   * is not more records (see `moreRecords`): a file `recover` repairs.
   */
  readonly needsRecovery: boolean;
  /**
   * After the data the header covers comes the start of another `.npy`
   * record: the file holds several arrays saved one after another (as
   * `np.save` called repeatedly on one open file makes). Readers read the
   * first record, as `np.load` does; recover, append and ensureAppendable
   * refuse it; `readNpyRecords` reads them all.
   */
  readonly moreRecords: boolean;
  /**
   * After the data of a raw-bytes dtype (one-byte integers, `S`, `V`)
   * comes the start of a record whose header the file's end cuts off (see
   * `FileFacts.cutRecord`): read as its first record, repaired by
   * `recover`. In other dtypes such a tail is `moreRecords`.
   */
  readonly cutRecord: boolean;
  /**
   * The header cannot be written again exactly: it holds an escaped
   * surrogate pair (`'\ud83d\ude00'`), one character in a JS string.
   * Appends, recover and ensureAppendable refuse it.
   */
  readonly inexactHeader: boolean;
}

/**
 * Whether bytes start another `.npy` record: the magic string and a known
 * version.
 *
 * @param bytes At least 8 bytes (fewer never match).
 * @returns Whether they do.
 */
export function startsRecord(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) return false;
  }
  return bytes[6]! >= 1 && bytes[6]! <= 3 && bytes[7] === 0;
}

/**
 * Whether a dtype's items are raw bytes (one-byte integers, `S`, a `V`
 * without fields), the only dtypes a log of other files' bytes uses.
 */
function rawBytes(dtype: DType): boolean {
  if (dtype.fields !== undefined) return false;
  return dtype.kind === "S" || dtype.kind === "V" ||
    dtype.itemsize === 1 && (dtype.kind === "u" || dtype.kind === "i");
}

/**
 * Whether the file holds the whole header of a record that
 * {@linkcode startsRecord} found.
 *
 * @param preamble The record's first bytes (up to 12).
 * @param room Bytes from the record's start to the file's end.
 * @returns `false` when the length field or the header runs past the end.
 */
function recordHeaderFits(preamble: Uint8Array, room: number): boolean {
  try {
    return headerLengthFromPreamble(preamble) <= room;
  } catch (e) {
    if (e instanceof NpyFormatError && e.code === "truncated") return false;
    throw e;
  }
}

/**
 * The refusal for a file of several records, for the verbs that change a
 * file (append, recover, ensureAppendable): the completeness policy's.
 *
 * @param info The facts.
 * @param verb Such as `"append to"`, `"recover"`.
 * @param label The file, for the message.
 * @throws {NpyFormatError} when the file holds several records.
 */
export function refuseMoreRecords(
  info: FileInfo,
  verb: string,
  label: string,
): void {
  const state = fileState(info, "append");
  if (
    state.state === "not-appendable" &&
    (state.reason === "records" || state.reason === "inexact-header")
  ) {
    throw fileStateError(state, "append", { verb, label });
  }
}

/**
 * Whether `NpyAppendArray.open` takes the file as it is: room to grow, an
 * axis to grow along, no Python objects, one record, a header that can be
 * written again exactly. (A file that needs
 * recovery is appendable once recovered.)
 *
 * @param info The facts.
 * @returns Whether appends are possible.
 */
export function appendableFile(info: FileInfo): boolean {
  return info.appendable && info.header.shape.length > 0 &&
    !info.header.dtype.hasObject && !info.moreRecords && !info.inexactHeader;
}

/**
 * Reads the header of a file and judges it.
 *
 * @param maxHeaderSize The header size cap.
 * @param at Where the record starts: 0, or the end of the one before it in
 * a file of several records (`headerLength` and `dataLength` then count
 * from there; `fileSize` is the whole file's).
 * @returns The facts.
 */
export function* inspect(
  maxHeaderSize?: number,
  at: number = 0,
): IoSteps<FileInfo> {
  maxHeaderSize = headerCap(maxHeaderSize);
  const sizeBefore = (yield* size()) - at;
  const preamble = new Uint8Array(Math.max(0, Math.min(12, sizeBefore)));
  const got = yield* readFully(preamble, at);
  const headerLength = headerLengthFromPreamble(preamble.subarray(0, got));
  const prefix = preamble[6] === 1 ? 10 : 12;
  // A header the file cannot hold is cut (or its length field corrupt),
  // whatever the cap: raising it would not help.
  if (headerLength > sizeBefore) {
    throw new NpyFormatError(
      "truncated",
      `truncated .npy file: the header needs ${headerLength} bytes but the file has ${sizeBefore}${HEADER_CUT}`,
    );
  }
  // Check the cap before allocating: a header can be at most 4 bytes per
  // character (UTF-8, NPY 3.0).
  if (headerLength - prefix > maxHeaderSize * 4 + 4) {
    throw new NpyFormatError(
      "header-too-large",
      `header length ${
        headerLength - prefix
      } is larger than maxHeaderSize (${maxHeaderSize}); raise maxHeaderSize to read this file`,
    );
  }
  const bytes = new Uint8Array(headerLength);
  const read = yield* readFully(bytes, at);
  if (read !== headerLength) {
    throw new NpyFormatError(
      "truncated",
      `truncated .npy file: the header needs ${headerLength} bytes but only ${read} could be read${HEADER_CUT}`,
    );
  }
  const header = parseHeader(bytes, { maxHeaderSize });
  // Take the size again after the header: a writer appending meanwhile
  // writes data before the header that covers it, so this size is at least
  // what the header says (the first one was only to bound the reads).
  const fileSize = yield* size();
  const dataLength = fileSize - at - headerLength;
  const expectedDataLength = checkByteCount(
    header.shape,
    header.dtype.itemsize,
  );
  const descrText = pyRepr(descrValue(header.dtype));
  const grownHeader = wrapHeaderText(
    headerText(descrText, header.fortranOrder, header.shape),
    undefined,
    header.version[0],
  );
  // Another record: the magic string, a known version and a header the
  // file holds whole. In a dtype of raw bytes, a header the file's end cuts
  // off is the data of an append killed before its header write (a `|u1`
  // log of `.npy` files' bytes), which `recover` repairs; a whole one, or
  // any in another dtype, is `np.save` called again.
  let moreRecords = false;
  let cutRecord = false;
  if (!header.dtype.hasObject && dataLength >= expectedDataLength + 8) {
    const next = new Uint8Array(12);
    const nextAt = at + headerLength + expectedDataLength;
    const n = yield* readFully(next, nextAt);
    if (startsRecord(next.subarray(0, n))) {
      // Only raw bytes can hold an `.npy` file's bytes as data; for any
      // other dtype a cut header is `np.save` killed while saving again,
      // whose rows would be header text.
      moreRecords = !rawBytes(header.dtype) ||
        recordHeaderFits(next.subarray(0, n), fileSize - nextAt);
      cutRecord = !moreRecords;
    }
  }
  const facts = {
    header,
    fileSize,
    dataLength,
    expectedDataLength,
    grownHeader,
    appendable: grownHeader.length <= headerLength,
    moreRecords,
    cutRecord,
    inexactHeader: hasEscapedSurrogatePair(
      new TextDecoder(header.version[0] >= 3 ? "utf-8" : "latin1").decode(
        bytes,
      ),
    ),
  };
  return {
    ...facts,
    // A cut record reads as the first one, yet recover repairs the file.
    needsRecovery: cutRecord ||
      fileState(facts, "read").state === "needs-recovery",
  };
}

/** The fix for a file of records that ends inside record `n`. */
function cutFix(n: number, at: number): string {
  return `the file ends inside it (np.save killed while writing it, or an incomplete copy); copy the file again whole, or cut it to its first ${at} bytes to keep the ${
    n - 1
  } record${n === 2 ? "" : "s"} before it`;
}

/** One record of a file of several: its facts and where it starts. */
export interface RecordInfo {
  /** The record's facts; `headerLength` counts from `at`. */
  readonly info: FileInfo;
  /** Byte offset of the record's magic string in the file. */
  readonly at: number;
  /** Byte offset of the record's data in the file. */
  readonly dataStart: number;
  /** Bytes of data the record's shape covers. */
  readonly dataLength: number;
}

/**
 * Walks the records of a file that `np.save` was called on several times
 * (a file of one record is a file of one record): each record's header and
 * where its data lies. Work is bounded by the file size: every record
 * needs its header and data bytes in the file.
 *
 * @param maxHeaderSize The header size cap, per record.
 * @returns The records, in file order.
 * @throws {NpyFormatError} for a record cut off, holding Python objects
 * (whose end cannot be known), or bytes after a record that do not start
 * another.
 */
export function* recordsOf(
  maxHeaderSize: number = DEFAULT_MAX_HEADER_SIZE,
): IoSteps<RecordInfo[]> {
  const out: RecordInfo[] = [];
  let at = 0;
  for (;;) {
    let info: FileInfo;
    try {
      info = yield* inspect(maxHeaderSize, at);
    } catch (e) {
      if (out.length === 0 || !(e instanceof NpyFormatError)) throw e;
      const n = out.length + 1;
      const why = e.code === "truncated"
        ? `is cut off, or its header's length field is corrupt (${e.reason}): ${
          cutFix(n, at)
        }`
        : e.code === "header-too-large"
        ? `is not valid: ${e.reason}`
        : `is not valid: ${e.reason}; cut the file to its first ${at} bytes to read the ${
          n - 1
        } record${n === 2 ? "" : "s"} before it`;
      throw new NpyFormatError(
        e.code,
        `record ${n} (at byte ${at}) ${why}`,
        { cause: e },
      );
    }
    const n = out.length + 1;
    if (info.header.dtype.hasObject) {
      throw new NpyFormatError(
        "unsupported-dtype",
        `record ${n} (at byte ${at}) holds Python objects (pickled dtype "${info.header.dtype.str}"), whose end cannot be found here`,
      );
    }
    if (info.dataLength < info.expectedDataLength) {
      throw new NpyFormatError(
        "truncated",
        `record ${n} (at byte ${at}) is cut off: it has ${info.dataLength} data bytes but its header says ${info.expectedDataLength}; ${
          n === 1 ? "call recover to keep its whole rows" : cutFix(n, at)
        }`,
      );
    }
    const dataStart = at + info.header.headerLength;
    out.push({
      info,
      at,
      dataStart,
      dataLength: info.expectedDataLength,
    });
    at = dataStart + info.expectedDataLength;
    if (at === info.fileSize) return out;
    // A record whose header is cut off is named by `inspect` next round.
    const head = new Uint8Array(Math.min(MAGIC.length, info.fileSize - at));
    const got = yield* readFully(head, at);
    const magicStart = head.subarray(0, got).every((b, i) => b === MAGIC[i]);
    if (!info.moreRecords && !magicStart) {
      throw new NpyFormatError(
        "several-arrays",
        `after record ${n} come ${
          info.fileSize - at
        } bytes that do not start another .npy record (no "\\x93NUMPY" magic string); ${
          n === 1
            ? "call recover if the file is one array with extra bytes"
            : `cut the file to its first ${at} bytes to read the ${n} records before them`
        }`,
      );
    }
  }
}
