/**
 * `from-csv IN OUT`: rows of numbers (or strings) from CSV text, appended
 * to a `.npy` file in batches, all or nothing.
 *
 * @module
 */

import type { Command } from "./_command.ts";
import {
  dtypeOption,
  intOption,
  MAX_HEADER_OPTION,
  stringOption,
  UsageError,
} from "./_args.ts";
import { parseDType } from "../../mod.ts";
import { CsvError, CsvParser } from "./_csv_parse.ts";
import { type FieldStore, fieldStore } from "./_csv_values.ts";
import {
  openNpyOutput,
  refuseOtherDType,
  textInput,
  writeOutput,
} from "./_files.ts";
import { Progress } from "./_progress.ts";
import { oneLine } from "./info.ts";
import { cliWords } from "./_cli_words.ts";
import { sameFileIn } from "./_fs.ts";

/** Items (rows times columns) per appended batch, at most. */
const BATCH_ITEMS = 1 << 20;
/** Rows per appended batch, at most. */
const BATCH_ROWS = 65536;

/**
 * Reads a delimiter option: one character, or `tab`, `\t`, `space`; not
 * a quote, a line break, or a character of number or time text (digits,
 * letters, `.`, `+`, `-`, `:`).
 *
 * @param text The option value.
 * @returns The delimiter.
 * @throws {UsageError} for anything else.
 */
export function delimiterOption(text: string | undefined): string {
  if (text === undefined) return ",";
  if (text === "tab" || text === "\\t") return "\t";
  if (text === "space") return " ";
  if (text.length !== 1 || text === '"' || text === "\n" || text === "\r") {
    throw new UsageError(
      `Invalid delimiter "${text}": use one character (or tab, space)`,
    );
  }
  // `0.1.0.5` or `2020-01-01-NaT` cannot be split again.
  if (/[0-9A-Za-z.+\-:]/.test(text)) {
    throw new UsageError(
      `Invalid delimiter "${text}": it can be part of a number or a time; use ",", ";", "|", tab or space`,
    );
  }
  return text;
}

/**
 * Where UTF-8 decoding failed, as a {@linkcode CsvError} naming the line,
 * the byte and its offset, and the fix.
 *
 * @param label The input's name.
 * @param path The input path as given (`-` for standard input).
 * @param line The line the failing chunk starts on.
 * @param before Bytes of the chunks before it.
 * @param tail The last bytes (at most 3) before it.
 * @param chunk The failing chunk; `undefined` at the end of the input.
 * @param cause The decoder's error.
 * @returns The error.
 */
function notUtf8(
  label: string,
  path: string,
  line: number,
  before: number,
  tail: Uint8Array,
  chunk: Uint8Array | undefined,
  cause: unknown,
): CsvError {
  // Start at a character boundary in the tail: the earlier chunks decoded,
  // so its first byte that is not a continuation byte starts a character.
  let t = 0;
  while (t < tail.length && (tail[t]! & 0xc0) === 0x80) t++;
  const bytes = Uint8Array.from([...tail.subarray(t), ...(chunk ?? [])]);
  const base = before - (tail.length - t);
  let i = 0;
  let bad = bytes.length;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80
      ? 1
      : b >= 0xc2 && b < 0xe0
      ? 2
      : b >= 0xe0 && b < 0xf0
      ? 3
      : b >= 0xf0 && b < 0xf5
      ? 4
      : 0;
    let ok = n > 0 && i + n <= bytes.length;
    for (let k = 1; ok && k < n; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
    if (ok && n >= 3) {
      const c = ((b & (n === 3 ? 0x0f : 0x07)) << 6) | (bytes[i + 1]! & 0x3f);
      // Overlong, surrogate and beyond U+10FFFF forms.
      ok = n === 3
        ? c >= 0x20 && (c < 0x360 || c >= 0x380)
        : c >= 0x10 && c < 0x110;
    }
    if (!ok) {
      bad = i;
      break;
    }
    // A line end in this chunk (CRLF once; the parser counted a CR that
    // ended the chunk before).
    const end = (b === 10 && (bytes[i - 1] !== 13 || base + i - 1 >= before)) ||
      (b === 13 && bytes[i + 1] !== 10);
    if (end && base + i >= before) line++;
    i += n;
  }
  const at = bad < bytes.length ? bytes[bad]! : bytes[bytes.length - 1] ?? 0;
  const hex = at.toString(16).toUpperCase().padStart(2, "0");
  const file = path === "-" ? "IN.csv" : path;
  return new CsvError(
    `Cannot read ${label} line ${line}: it is not UTF-8 text (byte 0x${hex} at offset ${
      base + bad
    }); convert it first, such as iconv -f latin1 -t utf-8 ${file} > utf8.csv`,
    { cause },
  );
}

/** The `from-csv` command. */
export const fromCsv: Command = {
  spec: {
    name: "from-csv",
    options: {
      dtype: { type: "string" },
      delimiter: { type: "string", short: "d" },
      header: { type: "flag" },
      columns: { type: "string" },
      comments: { type: "string" },
      "1d": { type: "flag" },
      overwrite: { type: "flag" },
      "no-progress": { type: "flag" },
      ...MAX_HEADER_OPTION,
    },
    minArgs: 2,
    maxArgs: 2,
    stdio: [0],
  },
  summary: "convert CSV rows of numbers to a .npy file (or append them)",
  help: `Usage: npy-append-array from-csv [options] IN OUT

Reads rows of numbers from the CSV file IN ("-" for standard input) and
appends them to OUT as a 2-d array of shape (rows, columns), as
np.loadtxt(IN, delimiter=",", ndmin=2) reads it; with --1d a one-column CSV
gives shape (rows,). The text streams through in chunks, rows are appended
in batches, and memory use stays constant. An existing OUT is appended to
(its dtype and shape rule); a new one gets --dtype. On any failure OUT is
left as it was.

Fields: decimal numbers, nan, inf and -inf (any case); an empty field is
NaN for float dtypes and an error for integer ones; booleans are 0 and 1
(or True and False); complex numbers as 1+2j; strings for U and S dtypes;
datetimes (M8[unit]) in ISO 8601, such as 2020-01-31 or 2020-01-31T12:00:00,
and NaT (or an empty field) for not-a-time; timedeltas (m8[unit]) as integer
counts of the unit.
Quoted fields follow RFC 4180. Blank lines and text after the comment
character are skipped. A field that cannot be read stops the conversion
with an error naming its line and column.

Options:
  --dtype DTYPE        dtype of a new OUT: f8 (default), f4, i8, u1, b1, c16, U10, M8[s] ...
  -d, --delimiter C    field delimiter, one character, or "tab" (default ",")
  --header             the first line holds column names: skip it
  --columns N          expect N columns (default: the first row's count)
  --comments C         comment character, "" for none (default "#")
  --1d                 one column gives a 1-d array (default: 2-d)
  --overwrite          replace an existing OUT instead of appending to it
  --no-progress        no progress bar (it shows only when stderr is a terminal)
  --max-header-size N  accept an existing OUT's header up to N characters (default 10000)
  -h, --help           show this help

Example:
  npy-append-array from-csv --header --dtype f4 measurements.csv measurements.npy
`,
  async run(args, rt) {
    const [inPath, out] = args.positional as [string, string];
    const delimiter = delimiterOption(stringOption(args, "delimiter"));
    const comments = stringOption(args, "comments") ?? "#";
    if (comments.length > 1) {
      throw new UsageError(
        `Invalid comment character "${comments}": use one character, or "" for none`,
      );
    }
    if (comments === delimiter) {
      throw new UsageError(
        `The delimiter and the comment character are both "${comments}"`,
      );
    }
    const dtypeText = stringOption(args, "dtype");
    const wantDType = dtypeText === undefined
      ? undefined
      : dtypeOption(dtypeText);
    let columns = intOption(args, "columns");
    const oneD = args.options["1d"] === true;
    if (oneD && columns !== undefined && columns !== 1) {
      throw new UsageError(
        "--1d needs a one-column CSV, but --columns is not 1",
      );
    }
    if (oneD) columns = 1;
    const skipHeader = args.options["header"] === true;
    const overwrite = args.options["overwrite"] === true;

    // Written over, the CSV would be lost (concat and to-csv refuse too).
    if (
      overwrite && inPath !== "-" && sameFileIn(out, [inPath]) !== undefined
    ) {
      throw new UsageError(
        `Cannot write "${out}" from itself: OUT is also the input; pass another OUT`,
      );
    }
    const input = textInput(rt, inPath);
    const label = input.label;
    const output = openNpyOutput(
      out,
      overwrite,
      intOption(args, "max-header-size"),
      {},
      () => ({ dtype: wantDType ?? "<f8" }),
      (text) =>
        rt.writeStderr(
          `npy-append-array: warning: ${oneLine(cliWords(text))}\n`,
        ),
    );
    const { writer } = output;
    const progress = new Progress(rt, args.options["no-progress"] !== true);
    await writeOutput(output, progress, async () => {
      if (output.appending && wantDType !== undefined) {
        refuseOtherDType(out, wantDType.str, writer.dtype);
      }
      const dtype = parseDType(writer.dtype || wantDType || "<f8");
      const fileShape: readonly number[] | undefined = output.appending
        ? writer.shape
        : undefined;
      let flat = oneD;
      if (fileShape !== undefined) {
        if (writer.fortranOrder && fileShape.length > 1) {
          throw new RangeError(
            `Cannot append CSV rows to "${out}": it is in Fortran order, which grows by columns`,
          );
        }
        if (fileShape.length === 1) {
          flat = true;
          if (columns !== undefined && columns !== 1) {
            throw new RangeError(
              `Cannot append ${columns} columns to "${out}": it is 1-d, so the CSV needs one column`,
            );
          }
          columns = 1;
        } else if (fileShape.length === 2) {
          if (oneD) {
            throw new RangeError(
              `Cannot use --1d with "${out}": it is 2-d, of shape (n, ${
                fileShape[1]
              })`,
            );
          }
          if (columns !== undefined && columns !== fileShape[1]) {
            throw new RangeError(
              `Cannot append ${columns} columns to "${out}": its rows have ${
                fileShape[1]
              }`,
            );
          }
          columns = fileShape[1]!;
        } else {
          throw new RangeError(
            `Cannot append CSV rows to "${out}": it is ${fileShape.length}-d, and CSV rows make 1-d or 2-d arrays`,
          );
        }
      }

      let store: FieldStore | undefined;
      let rowsPerBatch = 0;
      let rows = 0;
      let headerSeen = !skipHeader;
      let headerColumns: number | undefined;
      const flush = () => {
        if (store === undefined || rows === 0) return;
        const cols = columns!;
        writer.append({
          data: store.take(rows * cols) as never,
          shape: flat ? [rows] : [rows, cols],
          dtype: store.dataDType,
        });
        rows = 0;
      };
      const parser = new CsvParser(
        { delimiter, comments, label },
        (fields, line) => {
          if (!headerSeen) {
            headerSeen = true;
            headerColumns = fields.length;
            return;
          }
          if (columns === undefined) columns = fields.length;
          if (fields.length !== columns) {
            throw new CsvError(
              `Cannot read ${label} line ${line}: it has ${fields.length} column${
                fields.length === 1 ? "" : "s"
              }, expected ${columns}${
                flat && columns === 1 && fileShape !== undefined
                  ? ` (${out} is 1-d)`
                  : ""
              }`,
            );
          }
          if (store === undefined) {
            rowsPerBatch = Math.max(
              1,
              Math.min(
                BATCH_ROWS,
                Math.floor(BATCH_ITEMS / Math.max(1, columns)),
              ),
            );
            store = fieldStore(dtype, rowsPerBatch * columns, label);
          }
          const base = rows * columns;
          for (let c = 0; c < columns; c++) {
            store.set(base + c, fields[c]!, line, c + 1);
          }
          rows++;
          if (rows === rowsPerBatch) flush();
        },
      );
      const decoder = new TextDecoder("utf-8", { fatal: true });
      // Bytes of the chunks before, and the last (at most 3) of them: the
      // start of a character the next chunk may end.
      let before = 0;
      let tail = new Uint8Array(0);
      // Only the decoder throws for bytes that are not UTF-8.
      const decode = (chunk?: Uint8Array): string => {
        try {
          const text = chunk === undefined
            ? decoder.decode()
            : decoder.decode(chunk, { stream: true });
          if (chunk !== undefined) {
            before += chunk.length;
            tail = chunk.length >= 3
              ? chunk.slice(-3)
              : Uint8Array.from([...tail, ...chunk]).slice(-3);
          }
          return text;
        } catch (e) {
          throw notUtf8(label, inPath, parser.nextLine, before, tail, chunk, e);
        }
      };
      progress.start(`from-csv ${label}`, input.size);
      for await (const chunk of input.chunks()) {
        parser.push(decode(chunk));
        progress.add(chunk.length);
      }
      parser.push(decode());
      parser.finish();
      flush();
      if (writer.shape.length === 0) {
        // No data rows: an empty array, so that OUT exists; (0, 1) with no
        // column count known, as np.loadtxt(ndmin=2) gives.
        const cols = columns ?? headerColumns ?? 1;
        writer.append({
          data: [],
          shape: flat ? [0] : [0, cols],
          dtype: dtype,
        });
      }
    });
    return 0;
  },
};
