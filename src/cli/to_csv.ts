/**
 * `to-csv IN [OUT]`: a 1-d or 2-d `.npy` array as CSV text, row block by
 * row block.
 *
 * @module
 */

import type { Command } from "./_command.ts";
import {
  intOption,
  MAX_HEADER_OPTION,
  stringOption,
  UsageError,
} from "./_args.ts";
import { openSource, rowBlocks } from "./_npy_source.ts";

import { formatter, UnwritableField } from "./_csv_values.ts";
import { parseDType } from "../../mod.ts";
import { TextOutput, writeOutput } from "./_files.ts";
import { Progress } from "./_progress.ts";
import { delimiterOption } from "./from_csv.ts";

/** Most lines written for rows that hold no values (shape `(n, 0)`). */
const MAX_EMPTY_LINES = 1 << 20;
import { groupFiles, groupToCsv, isGroup } from "./group.ts";
import { sameFileIn } from "./_fs.ts";
import { expandStacks } from "./stack.ts";

/** The `to-csv` command. */
export const toCsv: Command = {
  spec: {
    name: "to-csv",
    options: {
      delimiter: { type: "string", short: "d" },
      header: { type: "string" },
      "no-progress": { type: "flag" },
      ...MAX_HEADER_OPTION,
    },
    minArgs: 1,
    maxArgs: 2,
    stdio: [1],
  },
  summary: "write a 1-d or 2-d .npy array as CSV",
  help: `Usage: npy-append-array to-csv [options] IN [OUT]

Writes the 1-d or 2-d array in IN as CSV to OUT, or to standard output
when OUT is "-" or missing: one row per line (one value per line for a 1-d
array, and a 0-d array's one value on one line, where np.savetxt refuses
it), in constant memory. Fortran-order files come out row by row too.
An existing OUT is replaced only once the whole CSV is written.

Values: floats as NumPy prints them, with the fewest digits that read back
(16777216.0, 1e+16, 1e-05, nan, inf, -inf), integers, booleans as 1 and
0, complex numbers as 1+2j, strings quoted
when they hold the delimiter, quotes, line breaks, "#" or edge spaces, or
are empty alone on a line (RFC 4180), datetimes in ISO 8601 as np.datetime_as_string writes them
(NaT for not-a-time), timedeltas as integer counts of their unit.
Structured dtypes are refused. IN may be a group folder (written by
NpyGroupWriter): one CSV line per row, with the columns of every member
side by side. IN may also be a stack folder (Dask's npy-stack, see
split): its shards are written in order.

Reading it back gives the same values with from-csv --dtype DTYPE, or with
np.loadtxt(OUT, delimiter=",", dtype=DTYPE, quotechar='"') where DTYPE is
IN's dtype (quotechar only matters for quoted strings; NumPy >= 1.23;
np.loadtxt reads a carriage return inside a string as a line feed).

Options:
  -d, --delimiter C   field delimiter, one character, or "tab" (default ",")
  --header TEXT       write TEXT as the first line (for example column names)
  --no-progress       no progress bar (it shows only when stderr is a terminal)
  --max-header-size N accept headers up to N characters (default 10000)
  -h, --help          show this help

Example:
  npy-append-array to-csv measurements.npy measurements.csv
`,
  async run(args, rt) {
    const [inPath, outPath] = args.positional as [string, string | undefined];
    const delimiter = delimiterOption(stringOption(args, "delimiter"));
    const headerLine = stringOption(args, "header");
    const group = isGroup(inPath);
    // A stack's shards, a group's members: written over, they are lost.
    const inputs = group
      ? groupFiles(inPath, intOption(args, "max-header-size"))
      : expandStacks([inPath], intOption(args, "max-header-size"));
    const same = outPath === undefined || outPath === "-"
      ? undefined
      : sameFileIn(outPath, [inPath, ...inputs]);
    if (same !== undefined) {
      throw new UsageError(
        `Cannot write "${same}" as CSV into itself: OUT is also ${
          same === inPath ? "the input" : `a file of "${inPath}"`
        }; pass another OUT`,
      );
    }
    if (group) {
      return groupToCsv(rt, inPath, outPath, {
        delimiter,
        headerLine,
        progress: args.options["no-progress"] !== true,
        maxHeaderSize: intOption(args, "max-header-size"),
      });
    }
    // A stack folder is read as one array (NpyStackReader, as Dask).
    const max = intOption(args, "max-header-size");
    const src = openSource(inPath, max, true);
    try {
      const { info } = src;
      if (info.shape.length > 2) {
        throw new RangeError(
          `Cannot write "${inPath}" as CSV: it is ${info.shape.length}-d, and CSV holds 1-d and 2-d arrays`,
        );
      }
      const format = formatter(
        parseDType(info.dtype),
        delimiter,
        inPath,
        info.shape.length < 2 || info.shape[1] === 1,
      );
      const out = new TextOutput(rt, outPath);
      // No bar over CSV text printed on the same terminal.
      const toTerminal = (outPath === undefined || outPath === "-") &&
        rt.stdoutIsTerminal();
      const progress = new Progress(
        rt,
        args.options["no-progress"] !== true && !toTerminal,
      );
      const text = { commit: () => out.close(), rollback: () => out.abort() };
      await writeOutput(text, progress, async () => {
        progress.start(
          `to-csv ${inPath}`,
          info.dataLength,
        );
        if (headerLine !== undefined) await out.write(`${headerLine}\n`);
        const delim = delimiter.charCodeAt(0);
        let done = 0;
        for (const block of rowBlocks(src)) {
          const { data, rows, cols } = block;
          if (cols === 0 && rows > MAX_EMPTY_LINES) {
            throw new RangeError(
              `Cannot write ${inPath} as CSV: its ${rows} rows hold no values (shape (${
                info.shape.join(", ")
              })), and at most ${MAX_EMPTY_LINES} empty lines are written`,
            );
          }
          let r = 0, c = 0;
          try {
            for (; r < rows; r++) {
              const base = r * cols;
              for (c = 0; c < cols; c++) {
                if (c > 0) out.putCode(delim);
                out.put(format(data, base + c));
              }
              out.putCode(10);
              if (out.full) await out.flush();
            }
          } catch (e) {
            if (!(e instanceof UnwritableField)) throw e;
            throw new RangeError(
              `Cannot write "${inPath}" as CSV: row ${
                done + r
              }, column ${c} ${e.reason}`,
            );
          }
          done += rows;
          progress.add(block.bytes);
        }
      });
    } finally {
      src.close();
    }
    return 0;
  },
};
