/**
 * Groups in the command line: `info DIR` shows a group (its members, their
 * dtypes, shapes and row counts) and `to-csv DIR` writes one CSV with a
 * column block per member. `info` and `to-csv` call these when their
 * argument is a folder holding `group.json`.
 *
 * @module
 */

import type { CliRuntime } from "./_runtime.ts";
import { NpyGroupReader, NpyStackReader, parseDType } from "../../mod.ts";
import { joinPath, pathExists } from "./_fs.ts";
import { headerOptions } from "./_npy_source.ts";
import { type InfoRecord, infoRecord, shapeText } from "./info.ts";
import { type Formatter, formatter, UnwritableField } from "./_csv_values.ts";
import { TextOutput } from "./_files.ts";
import { Progress } from "./_progress.ts";
import { expandStacks } from "./stack.ts";
import { commandText } from "./_cli_words.ts";

/**
 * Whether a path is a group folder (a folder holding `group.json`).
 *
 * @param path The path.
 * @returns `true` for a group.
 */
export function isGroup(path: string): boolean {
  return pathExists(joinPath(path, "group.json"));
}

/**
 * The files of a group: each member's file, or a stack member's shards.
 *
 * @param dir The group folder.
 * @param maxHeaderSize The header size cap.
 * @returns The paths.
 */
export function groupFiles(dir: string, maxHeaderSize?: number): string[] {
  const reader = NpyGroupReader.openSync(dir, headerOptions(maxHeaderSize));
  const layout = reader.layout;
  reader.closeSync();
  return Object.values(layout).flatMap((m) =>
    m.stack === null ? [m.path] : expandStacks([m.path], maxHeaderSize)
  );
}

/** The `format` of every `group.json` (`NpyGroupReader` refuses others). */
const GROUP_FORMAT = "npy-append-array group";
/** The `version` of `group.json` that `NpyGroupReader` reads. */
const GROUP_VERSION = 1;

/** What `info --json` prints for a group. */
export interface GroupInfoRecord {
  group: string;
  format: string;
  version: number;
  /** Rows that every member's header covers (what a reader shows). */
  length: number;
  /** Whether every member holds exactly `length` rows. */
  aligned: boolean;
  members: Array<
    {
      name: string;
      axis: 0 | -1;
      /** A file member's facts (`null` for a stack or an empty member). */
      file: InfoRecord | null;
      /** A stack member's facts (`null` while it holds nothing). */
      stack?: StackFacts | null;
    }
  >;
}

/** What `info` shows of a stack member. */
export interface StackFacts {
  folder: string;
  dtype: string;
  shape: number[];
  order: "C" | "F";
  /** Sealed shards. */
  shards: number;
  /** Rows per sealed shard, as group.json records it. */
  shardRows: number | null;
}

/**
 * The facts of a group and of each member file.
 *
 * @param dir The group folder.
 * @param maxHeaderSize The header size cap.
 * @returns The record.
 */
export function groupInfoRecord(
  dir: string,
  maxHeaderSize?: number,
): GroupInfoRecord {
  const reader = NpyGroupReader.openSync(dir, headerOptions(maxHeaderSize));
  const layout = reader.layout;
  reader.closeSync();
  const members = Object.entries(layout).map(([name, m]) => {
    if (m.stack === null) {
      return {
        name,
        axis: m.axis,
        file: m.shape === null ? null : infoRecord(m.path, maxHeaderSize),
      };
    }
    let stack: StackFacts | null = null;
    if (m.shape !== null) {
      const r = NpyStackReader.openSync(m.path, headerOptions(maxHeaderSize));
      r.closeSync();
      stack = {
        folder: m.path,
        dtype: r.dtype,
        shape: r.shape,
        order: r.fortranOrder ? "F" : "C",
        shards: r.shards,
        shardRows: m.stack.shardRows ?? null,
      };
    }
    return { name, axis: m.axis, file: null, stack };
  });
  const rows = members.map((m) => {
    const shape = m.file?.shape ?? m.stack?.shape;
    if (shape === undefined) return 0;
    return shape[m.axis === 0 ? 0 : shape.length - 1] ?? 0;
  });
  const length = rows.reduce((a, b) => Math.min(a, b), Infinity);
  return {
    group: dir,
    format: GROUP_FORMAT,
    version: GROUP_VERSION,
    length,
    aligned: rows.every((n) => n === length) &&
      members.every((m) => m.file === null || !m.file.needsRecovery),
    members,
  };
}

/**
 * `info` of a group, as text.
 *
 * @param r The record.
 * @returns The text.
 */
export function groupInfoText(r: GroupInfoRecord): string {
  const lines = r.members.map((m) => {
    const f = m.file;
    const st = m.stack;
    const what = st
      ? `${st.dtype}  ${
        shapeText(st.shape)
      }  ${st.order}  stack ${st.folder}, ${st.shards} sealed shards${
        st.shardRows === null ? "" : ` of ${st.shardRows} rows`
      }`
      : f === null || f === undefined
      ? "no rows yet"
      : `${f.dtype}  ${shapeText(f.shape)}  ${f.order}${
        f.needsRecovery ? "  (needs recovery)" : ""
      }`;
    return `  ${m.name.padEnd(12)}${what}`;
  });
  return `${r.group}  (group of ${r.members.length} members, ${r.length} rows${
    r.aligned ? "" : `; not aligned: run ${commandText("recover", r.group)}`
  })\n${lines.join("\n")}\n`;
}

/** One member's columns in the CSV. */
interface Block {
  name: string;
  format: Formatter;
  /** Values per row. */
  cols: number;
}

/**
 * Writes a group as one CSV: for each row, the columns of every member in
 * `group.json` order (a 1-d member gives one column, a 2-d member one per
 * value of its row), in blocks of rows, in constant memory.
 *
 * @param dir The group folder.
 * @param outPath The output, or `undefined`/`"-"` for standard output.
 * @param options Delimiter, header line, column names, progress, header cap.
 * @returns The exit code.
 */
export async function groupToCsv(
  rt: CliRuntime,
  dir: string,
  outPath: string | undefined,
  options: {
    delimiter: string;
    headerLine: string | undefined;
    progress: boolean;
    maxHeaderSize: number | undefined;
  },
): Promise<number> {
  const reader = NpyGroupReader.openSync(
    dir,
    options.maxHeaderSize === undefined
      ? {}
      : { maxHeaderSize: options.maxHeaderSize },
  );
  try {
    const n = reader.length;
    const first = reader.readSync(0, Math.min(1, n));
    const blocks: Block[] = reader.members.map((name) => {
      const a = first[name]!;
      if (a.shape.length > 2) {
        throw new RangeError(
          `Cannot write group ${dir} as CSV: member "${name}" is ${a.shape.length}-d, and CSV holds 1-d and 2-d members`,
        );
      }
      const rowCols = a.shape.length === 1
        ? 1
        : a.fortranOrder
        ? a.shape[0]!
        : a.shape[1]!;
      return {
        name,
        format: formatter(
          parseDType(a.dtype),
          options.delimiter,
          `member "${name}" of ${dir}`,
          reader.members.length === 1 && rowCols === 1,
        ),
        cols: rowCols,
      };
    });
    const out = new TextOutput(rt, outPath);
    const toTerminal = (outPath === undefined || outPath === "-") &&
      rt.stdoutIsTerminal();
    const progress = new Progress(rt, options.progress && !toTerminal);
    const perBlock = Math.max(
      1,
      Math.floor((1 << 16) / Math.max(1, ...blocks.map((b) => b.cols))),
    );
    let ok = false;
    try {
      progress.start(`to-csv ${dir}`, n);
      if (options.headerLine !== undefined) {
        await out.write(`${options.headerLine}\n`);
      }
      const delim = options.delimiter.charCodeAt(0);
      for (let start = 0; start < n; start += perBlock) {
        const end = Math.min(n, start + perBlock);
        const got = reader.readSync(start, end);
        for (let r = 0; r < end - start; r++) {
          let firstCol = true;
          for (const b of blocks) {
            const data = got[b.name]!.data;
            // F order (cols, rows) and C order (rows, cols) put value c of
            // row r at the same index.
            for (let c = 0; c < b.cols; c++) {
              if (!firstCol) out.putCode(delim);
              firstCol = false;
              try {
                out.put(b.format(data, r * b.cols + c));
              } catch (e) {
                if (!(e instanceof UnwritableField)) throw e;
                throw new RangeError(
                  `Cannot write group ${dir} as CSV: member "${b.name}" row ${
                    start + r
                  }, column ${c} ${e.reason}`,
                );
              }
            }
          }
          out.putCode(10);
          if (out.full) await out.flush();
        }
        progress.add(end - start);
      }
      await out.close();
      ok = true;
    } finally {
      progress.end();
      if (!ok) out.abort();
    }
  } finally {
    reader.closeSync();
  }
  return 0;
}

/**
 * What `info` prints for a group folder.
 *
 * @param dir The group folder.
 * @param maxHeaderSize The header size cap.
 * @param json One JSON line instead of text.
 * @returns The output.
 */
export function groupInfoOutput(
  dir: string,
  maxHeaderSize: number | undefined,
  json: boolean,
): string {
  const r = groupInfoRecord(dir, maxHeaderSize);
  return json ? `${JSON.stringify(r)}\n` : groupInfoText(r);
}
