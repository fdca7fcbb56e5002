/**
 * The `.npy` header codec: parse NPY 1.0, 2.0 and 3.0 headers, and write
 * headers byte-identical to NumPy's `np.save` (>= 1.23, with growth space),
 * or rewrite one keeping its length, as the Python `npy-append-array` does.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { checkOptions } from "./_options_check.ts";
import { ENCODE_OPTIONS, HEADER_OPTIONS } from "./_option_kinds.ts";
import { clipped, jsonOrShow, show } from "./_describe_value.ts";
import { checkByteCount, MAX_DIMS, numpyTooBig } from "./_numpy_limits.ts";
import {
  DAMAGED_HEADER,
  HEADER_CUT,
  NOT_NUMPYS,
  notNumpys,
  toDim,
} from "./_header_refusals.ts";
import {
  descrValue,
  type DType,
  dtypeFromDescr,
  type DTypeSpec,
  parseDType,
} from "./dtype.ts";
import {
  latin1Text,
  parsePyLiteral,
  pyRepr,
  PyTuple,
  type PyValue,
} from "./py_literal.ts";
import { growthAxis } from "./_layout.ts";
import { refuseMoving } from "./_moving_magic.ts";

/** The magic bytes every `.npy` file starts with. */
export const MAGIC: Uint8Array = new Uint8Array([
  0x93,
  0x4e,
  0x55,
  0x4d,
  0x50,
  0x59,
]);

/** NumPy's default cap on the header text length. */
export const DEFAULT_MAX_HEADER_SIZE = 10000;

/**
 * The option `maxHeaderSize`, checked (`NaN` turned the cap off, so that a
 * file's header length field sized an allocation): the default for
 * `undefined`, else a positive safe integer.
 *
 * @param max The option as given.
 * @returns The cap in characters.
 * @throws {RangeError} for anything but a positive safe integer.
 */
export function headerCap(max: unknown): number {
  if (max === undefined) return DEFAULT_MAX_HEADER_SIZE;
  if (typeof max !== "number" || !Number.isSafeInteger(max) || max <= 0) {
    throw new RangeError(
      `Cannot read a header with maxHeaderSize ${
        show(max)
      }: pass a positive integer (the default is ${DEFAULT_MAX_HEADER_SIZE})`,
    );
  }
  return max;
}

/** Room kept for the growth axis length: `len(str(8 * 2**64 - 1))`. */
export const GROWTH_AXIS_MAX_DIGITS = 21;

const ARRAY_ALIGN = 64;

/** The decoded header of a `.npy` file. */
export interface NpyHeader {
  /** Format version, `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  readonly version: readonly [number, number];
  /** The array's dtype. */
  readonly dtype: DType;
  /** Whether the data is stored in Fortran (column-major) order. */
  readonly fortranOrder: boolean;
  /** The array's shape. */
  readonly shape: readonly number[];
  /** Byte offset of the data: magic, length field and header text. */
  readonly headerLength: number;
}

/** Options for parsing headers. */
export interface ParseHeaderOptions {
  /** Largest header text accepted, in characters. Default 10,000. */
  maxHeaderSize?: number;
}

/**
 * How many bytes of a file to read to be sure to hold its header, given
 * the first 12 bytes; `undefined` when those are not a `.npy` preamble.
 *
 * @param preamble At least the first 12 bytes (fewer if the file is shorter).
 * @returns The header length in bytes.
 * @throws {NpyFormatError} on a bad magic string or version.
 */
export function headerLengthFromPreamble(preamble: Uint8Array): number {
  if (preamble.length < 10) {
    throw new NpyFormatError(
      "truncated",
      `not a .npy file: only ${preamble.length} bytes, too short for the header`,
    );
  }
  if (MAGIC.some((b, i) => preamble[i] !== b)) {
    refuseMoving(preamble);
    throw new NpyFormatError(
      "bad-magic",
      'not a .npy file: the magic string "\\x93NUMPY" is missing',
    );
  }
  const major = preamble[6]!;
  const minor = preamble[7]!;
  if (major === 1 && minor === 0) {
    return 10 + (preamble[8]! | (preamble[9]! << 8));
  }
  if ((major === 2 || major === 3) && minor === 0) {
    if (preamble.length < 12) {
      throw new NpyFormatError(
        "truncated",
        `truncated .npy file: the header length field is cut off${HEADER_CUT}`,
      );
    }
    const view = new DataView(
      preamble.buffer,
      preamble.byteOffset,
      preamble.byteLength,
    );
    return 12 + view.getUint32(8, true);
  }
  throw new NpyFormatError(
    "unsupported-version",
    `unsupported .npy format version ${major}.${minor}: only 1.0, 2.0 and 3.0 are known; save the array again with np.save, which writes one of them`,
  );
}

function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * Parses the header at the start of `bytes` (which may hold more of the
 * file after it), as `np.lib.format.read_array_header_1_0` (`_2_0`) does.
 *
 * @example Parse what NumPy wrote for `np.save(f, np.zeros((2, 3)))`
 * ```ts
 * import { encodeHeader, parseHeader } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeHeader({ dtype: "<f8", fortranOrder: false, shape: [2, 3] });
 * const header = parseHeader(bytes);
 * assert.deepEqual(header.shape, [2, 3]);
 * assert.equal(header.dtype.str, "<f8");
 * assert.equal(header.headerLength, 128);
 * ```
 *
 * @param bytes The file's first bytes, at least the whole header.
 * @param options `maxHeaderSize`.
 * @returns The decoded header.
 * @throws {NpyFormatError} for anything that is not a valid header.
 * @throws {TypeError} for options that are not an object.
 */
export function parseHeader(
  bytes: Uint8Array,
  options: ParseHeaderOptions = {},
): NpyHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot parse header: pass the file's first bytes as a Uint8Array, not ${
        show(bytes)
      }`,
    );
  }
  options = checkOptions(
    options,
    "parse",
    { label: "header" },
    HEADER_OPTIONS,
  );
  const headerLength = headerLengthFromPreamble(bytes);
  const major = bytes[6]!;
  const prefix = major === 1 ? 10 : 12;
  const maxHeaderSize = headerCap(options.maxHeaderSize);
  if (headerLength > bytes.length) {
    if (headerLength - prefix > Math.max(maxHeaderSize, 0) * 4) {
      throw new NpyFormatError(
        "header-too-large",
        `header length ${
          headerLength - prefix
        } is larger than maxHeaderSize (${maxHeaderSize}); raise maxHeaderSize to read this file`,
      );
    }
    throw new NpyFormatError(
      "truncated",
      `truncated .npy file: the header needs ${headerLength} bytes but the file has ${bytes.length}${HEADER_CUT}`,
    );
  }
  const raw = bytes.subarray(prefix, headerLength);
  let text: string;
  if (major === 3) {
    try {
      // ignoreBOM: a leading byte order mark is kept (as U+FEFF), as
      // Python's bytes.decode keeps it; dropped, a header np.load refuses
      // was read.
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
        .decode(raw);
    } catch {
      throw new NpyFormatError(
        "bad-header",
        `invalid header: not valid UTF-8 (NPY 3.0)${DAMAGED_HEADER}`,
      );
    }
    if (text.startsWith("\ufeff")) {
      throw new NpyFormatError(
        "bad-header",
        "invalid header: it starts with a UTF-8 byte order mark (U+FEFF), which np.load refuses too; save the array again with np.save, which writes none",
      );
    }
  } else {
    text = latin1Text(raw);
  }
  const chars = major === 3 ? codePoints(text) : text.length;
  if (chars > maxHeaderSize) {
    throw new NpyFormatError(
      "header-too-large",
      `header length ${chars} is larger than maxHeaderSize (${maxHeaderSize}); raise maxHeaderSize to read this file`,
    );
  }
  if (!text.endsWith("\n")) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: it does not end with a newline${NOT_NUMPYS}`,
    );
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    // Python's parser takes no NUL character, even in a string; NumPy
    // writes one escaped (\x00).
    throw new NpyFormatError(
      "bad-header",
      `invalid header: a NUL character at offset ${nul}, which np.load refuses too (NumPy writes it escaped, as \\x00)`,
    );
  }
  let value: PyValue;
  try {
    value = parsePyLiteral(text, "header", { allowLongSuffix: major < 3 });
  } catch (e) {
    if (!(e instanceof NpyFormatError) || e.code !== "bad-header") throw e;
    throw new NpyFormatError("bad-header", e.reason + notNumpys(text, e), {
      cause: e,
    });
  }
  if (!(value instanceof Map)) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: not a dictionary: ${
        JSON.stringify(text.trim().slice(0, 80))
      }${DAMAGED_HEADER}`,
    );
  }
  const keys = [...value.keys()].sort();
  if (
    keys.length !== 3 || keys[0] !== "descr" || keys[1] !== "fortran_order" ||
    keys[2] !== "shape"
  ) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: keys must be 'descr', 'fortran_order' and 'shape', found ${
        clipped(keys.map((k) => pyRepr(k)).join(", ")) || "none"
      }${DAMAGED_HEADER}`,
    );
  }
  const fortranOrder = value.get("fortran_order");
  if (typeof fortranOrder !== "boolean") {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: fortran_order must be True or False, found ${
        clipped(pyRepr(fortranOrder!))
      }${DAMAGED_HEADER}`,
    );
  }
  const rawShape = value.get("shape");
  if (!(rawShape instanceof PyTuple)) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: shape must be a tuple, found ${
        clipped(pyRepr(rawShape!))
      }${DAMAGED_HEADER}`,
    );
  }
  const shapeText = pyRepr(rawShape);
  if (rawShape.items.length > MAX_DIMS) {
    throw new NpyFormatError(
      "bad-header",
      `invalid header: shape ${
        shapeText.length > 200
          ? `of ${rawShape.items.length} entries`
          : shapeText
      } has more than ${MAX_DIMS} dimensions, NumPy's limit${DAMAGED_HEADER}`,
    );
  }
  const shown = clipped(shapeText);
  const shape = rawShape.items.map((v, i) => toDim(v, i, shown));
  const dtype = dtypeFromDescr(value.get("descr")!);
  checkByteCount(shape, dtype.itemsize);
  return {
    version: [major, 0],
    dtype,
    fortranOrder,
    shape,
    headerLength,
  };
}

/** Options for {@linkcode encodeHeader}. */
export interface EncodeHeaderOptions {
  /**
   * Pad the header to exactly this many bytes (the data offset), as when
   * rewriting the header of an existing file in place.
   */
  headerLength?: number;
  /**
   * Leave room for the growth axis length to reach 21 digits, as NumPy >=
   * 1.23 does (default `true`); `false` writes the compact header of older
   * NumPy versions, which an appender may have to rewrite (see
   * `ensureAppendable`).
   */
  growthSpace?: boolean;
  /**
   * The lowest format version to write (1, 2 or 3), as when rewriting the
   * header of an existing file, which keeps its version; default 1 (NumPy
   * picks the lowest version that holds the header).
   */
  version?: number;
}

/**
 * The header dict text as NumPy writes it, growth space included, without
 * the preamble and padding.
 *
 * @param descrText The Python text of the descr.
 * @param fortranOrder Fortran order.
 * @param shape The shape.
 * @returns The text.
 */
export function headerText(
  descrText: string,
  fortranOrder: boolean,
  shape: readonly number[],
): string {
  const shapeText = shape.length === 1
    ? `(${shape[0]},)`
    : `(${shape.join(", ")})`;
  let text = `{'descr': ${descrText}, 'fortran_order': ${
    fortranOrder ? "True" : "False"
  }, 'shape': ${shapeText}, }`;
  if (shape.length > 0) {
    const growth = shape[growthAxis(fortranOrder, shape.length)]!;
    text += " ".repeat(
      Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(growth).length),
    );
  }
  return text;
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) return false;
  }
  return true;
}

/**
 * Wraps header text in the preamble and padding, choosing the version as
 * NumPy's `_wrap_header_guess_version`: 1.0 when it fits, 2.0 when the
 * header is longer than 65535 bytes, 3.0 when the text needs characters
 * outside latin1. With `version`, never a lower version than that (an
 * existing file keeps its version when its header is rewritten).
 *
 * @param text The dict text from {@linkcode headerText}.
 * @param headerLength Pad to exactly this total length.
 * @param version The lowest major version to write: 1, 2 or 3.
 * @returns The header bytes.
 * @throws {RangeError} when the header does not fit `headerLength`.
 */
export function wrapHeaderText(
  text: string,
  headerLength?: number,
  version: number = 1,
): Uint8Array {
  // Rewriting a header in place (`headerLength`): the data stays where it
  // is, so the text only has to fit without its trailing spaces (the
  // growth room and the padding to 64 bytes are for new files; a header
  // NumPy < 1.22 padded to 16 bytes keeps its length); spaces pad it back.
  const kept = headerLength === undefined ? text : text.trimEnd();
  const utf8 = version >= 3 || !isLatin1(kept);
  let body: Uint8Array;
  if (!utf8) {
    body = new Uint8Array(kept.length);
    for (let i = 0; i < kept.length; i++) body[i] = kept.charCodeAt(i);
  } else {
    body = new TextEncoder().encode(kept);
  }
  const hlen = body.length + 1;
  const padded = (prefix: number) => {
    const total = prefix + hlen;
    return total + ARRAY_ALIGN - (total % ARRAY_ALIGN);
  };
  let prefix = utf8 || version === 2 ? 12 : 10;
  let total = padded(prefix);
  if (prefix === 10 && total - 10 > 0xffff) {
    prefix = 12;
    total = padded(prefix);
  }
  if (headerLength !== undefined) {
    total = headerLength;
    if (prefix === 10 && total - 10 > 0xffff) prefix = 12;
    if (prefix + hlen > total) {
      throw new RangeError(
        `Cannot write header: it needs ${
          prefix + hlen
        } bytes but the file has room for ${headerLength}`,
      );
    }
  }
  if (total - prefix > 0xffffffff) {
    throw new RangeError(`Cannot write header: ${total} bytes is too long`);
  }
  const out = new Uint8Array(total);
  out.set(MAGIC);
  out[6] = utf8 ? 3 : prefix === 12 ? 2 : 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, total - 10, true);
  else view.setUint32(8, total - 12, true);
  out.set(body, prefix);
  out.fill(0x20, prefix + body.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

/**
 * Encodes a header exactly as NumPy >= 1.23 `np.save` does, or, with
 * `headerLength`, as the Python `npy-append-array` rewrites a header in
 * place (same length, padded with spaces).
 *
 * @example The header of `np.save(f, np.zeros((2, 3)))`, byte for byte
 * ```ts
 * import { encodeHeader } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeHeader({ dtype: "<f8", fortranOrder: false, shape: [2, 3] });
 * assert.equal(bytes.length, 128);
 * const text = new TextDecoder().decode(bytes.subarray(10));
 * assert.ok(text.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"));
 * assert.ok(text.endsWith(" \n"));
 * ```
 *
 * @param header dtype, order and shape.
 * @example A compact header, without growth space
 * ```ts
 * import { encodeHeader } from "@x/npy-append-array";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeHeader(
 *   { dtype: "<i4", fortranOrder: false, shape: [3] },
 *   { growthSpace: false },
 * );
 * assert.equal(bytes.length, 128);
 * const text = new TextDecoder().decode(bytes.subarray(10)).trimEnd();
 * assert.equal(text, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }");
 * ```
 *
 * @param options `headerLength` to keep an existing length, `growthSpace`,
 * `version`.
 * @returns The header bytes, a multiple of 64 long unless `headerLength` says otherwise.
 * @throws {RangeError} when the header does not fit `headerLength`.
 */
export function encodeHeader(
  header: {
    /** The dtype, in any spelling {@linkcode parseDType} accepts. */
    dtype: DTypeSpec;
    /** Fortran (column-major) order. */
    fortranOrder: boolean;
    /** The array shape. */
    shape: readonly number[];
  },
  options: EncodeHeaderOptions = {},
): Uint8Array {
  if (
    typeof header !== "object" || header === null ||
    !Array.isArray(header.shape) || typeof header.fortranOrder !== "boolean"
  ) {
    throw new TypeError(
      `Cannot write header: pass { dtype, fortranOrder, shape } with fortranOrder a boolean and shape an array, not ${
        jsonOrShow(header)
      }`,
    );
  }
  options = checkOptions(options, "write", { label: "header" }, ENCODE_OPTIONS);
  const dtype = parseDType(header.dtype);
  for (const n of header.shape) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot write header: shape entry ${
          typeof n === "number" ? n : show(n)
        } is not a non-negative integer`,
      );
    }
  }
  // NumPy's limits: no header written here is one that np.load refuses.
  // (Byte counts beyond 2**53, which NumPy reads and this library does
  // not, are still written, as NumPy writes them.)
  if (header.shape.length > MAX_DIMS) {
    throw new RangeError(
      `Cannot write header: shape has ${header.shape.length} dimensions, more than NumPy's ${MAX_DIMS}`,
    );
  }
  if (numpyTooBig(header.shape, dtype.itemsize)) {
    throw new RangeError(
      `Cannot write header: shape (${
        header.shape.join(", ")
      }) with itemsize ${dtype.itemsize} is larger than NumPy's largest array (2**63 - 1 bytes, counting the non-zero axes)`,
    );
  }
  const text = headerText(
    pyRepr(descrValue(dtype)),
    header.fortranOrder,
    header.shape,
  );
  const version = options.version ?? 1;
  if (version !== 1 && version !== 2 && version !== 3) {
    throw new RangeError(
      `Cannot write header: version ${version} is not 1, 2 or 3`,
    );
  }
  return wrapHeaderText(
    options.growthSpace === false ? text.trimEnd() : text,
    options.headerLength,
    version,
  );
}
