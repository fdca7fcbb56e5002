/**
 * Stacks on the command line: `split IN DIR --rows N`, `info DIR`, and
 * stack folders as inputs of `concat` and `to-csv` (expanded into their
 * shards, in order).
 *
 * @module
 */

import type { Command } from "./_command.ts";
import { intOption, MAX_HEADER_OPTION, UsageError } from "./_args.ts";
import { batches, headerOptions, openSource } from "./_npy_source.ts";
import { Progress } from "./_progress.ts";
import { shapeText } from "./info.ts";
import { NpyStackReader, NpyStackWriterSync, parseDType } from "../../mod.ts";
import {
  CliFileError,
  isDirectory,
  isFolderWithEntries,
  joinPath,
  pathExists,
} from "./_fs.ts";
import { commandText } from "./_cli_words.ts";

/**
 * Replaces each stack folder among `paths` by its shard files in order:
 * the sealed `{n}.npy`, then the live `{n}.npy.part` once its header is
 * written (`NpyStackReader.files`).
 *
 * @param paths Files and stack folders.
 * @param maxHeaderSize The header size cap (`--max-header-size`).
 * @returns Files only.
 * @throws {TypeError} for a folder that holds no stack.
 */
export function expandStacks(
  paths: readonly string[],
  maxHeaderSize?: number,
): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!isDirectory(p)) {
      out.push(p);
      continue;
    }
    const r = NpyStackReader.openSync(p, headerOptions(maxHeaderSize));
    r.closeSync();
    for (const f of r.files) out.push(f);
  }
  return out;
}

/** What `info --json` prints for a stack folder. */
export interface StackInfoRecord {
  stack: string;
  dtype: string;
  shape: number[];
  order: "C" | "F";
  axis: number;
  shards: number;
  chunks: number[];
  liveRows: number;
  hasInfo: boolean;
}

/**
 * The facts of a stack folder, as text or one JSON line.
 *
 * @param dir The folder.
 * @param json One JSON line instead of text.
 * @param maxHeaderSize The header size cap (`--max-header-size`).
 * @returns The output.
 */
export function stackInfoOutput(
  dir: string,
  json: boolean,
  maxHeaderSize?: number,
): string {
  const r = NpyStackReader.openSync(dir, headerOptions(maxHeaderSize));
  const chunks = r.chunks;
  const sealed = chunks.reduce((a, b) => a + b, 0);
  const shape = r.shape;
  const axis = r.growthAxis;
  const rec: StackInfoRecord = {
    stack: dir,
    dtype: r.dtype,
    shape,
    order: r.fortranOrder ? "F" : "C",
    axis,
    shards: r.shards,
    chunks,
    liveRows: r.length - sealed,
    hasInfo: pathExists(joinPath(dir, "info")),
  };
  r.closeSync();
  if (json) return `${JSON.stringify(rec)}\n`;
  const shapeText = `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
  const sizes = [...new Set(chunks)];
  return `${dir}: stack (Dask npy-stack)
  dtype:   ${rec.dtype}
  shape:   ${shapeText}
  order:   ${rec.order} (grows along axis ${axis})
  shards:  ${rec.shards} sealed${
    sizes.length === 1 ? `, ${sizes[0]} rows each` : ""
  }${rec.liveRows > 0 ? `, live shard with ${rec.liveRows} rows` : ""}
  info:    ${
    rec.hasInfo ? "present" : `missing (run ${commandText("recover", dir)})`
  }
`;
}

/** Most shard files `split` makes of rows that hold no data (shape `(n, 0)`). */
const MAX_EMPTY_SHARDS = 1 << 16;

/** The `split` command. */
export const split: Command = {
  spec: {
    name: "split",
    options: {
      rows: { type: "string" },
      bytes: { type: "string" },
      append: { type: "flag" },
      "no-progress": { type: "flag" },
      ...MAX_HEADER_OPTION,
    },
    minArgs: 2,
    maxArgs: 2,
  },
  summary: "split a .npy file into a stack (Dask's npy-stack folder)",
  help: `Usage: npy-append-array split [options] IN DIR --rows N

Splits the array in IN along its growth axis into the stack folder DIR in
the layout of Dask's to_npy_stack: DIR/0.npy, DIR/1.npy, ... of N rows each
(the last one may be shorter) and DIR/info, in constant memory. Python
reads it with dask.array.from_npy_stack(DIR) or ray.data.read_numpy(DIR).
DIR must be new or empty (a split run again after a failure or a kill
would otherwise add its rows twice); --append continues the stack in it.

Options:
  --rows N            rows per shard (along axis 0, or the last axis of a
                      Fortran-order file)
  --bytes N           instead: seal a shard at the first row where its data
                      reaches N bytes
  --append            add all of IN's rows after those of the stack in DIR
  --no-progress       no progress bar (it shows only when stderr is a terminal)
  --max-header-size N accept headers up to N characters (default 10000)
  -h, --help          show this help

Example:
  npy-append-array split big.npy big_stack --rows 1000000
`,
  async run(args, rt) {
    const [inPath, dir] = args.positional as [string, string];
    const rows = intOption(args, "rows");
    const bytes = intOption(args, "bytes");
    if (rows === undefined && bytes === undefined) {
      throw new UsageError(
        `Option "--rows N" or "--bytes N" is needed (one of them)`,
      );
    }
    if (rows !== undefined && bytes !== undefined) {
      throw new UsageError(
        `Options "--rows N" and "--bytes N" exclude each other; pass one of them`,
      );
    }
    if (args.options.append !== true && isFolderWithEntries(dir)) {
      throw new CliFileError(
        `Cannot split ${inPath} into ${dir}: the folder is not empty (a split stopped part-way leaves part of the rows there); remove it and run the split again, or pass --append to add all of ${inPath}'s rows after the stack's`,
        dir,
        "EEXIST",
      );
    }
    const max = intOption(args, "max-header-size");
    const src = openSource(inPath, max);
    const progress = new Progress(rt, args.options["no-progress"] !== true);
    try {
      const h = src.info;
      if (h.shape.length === 0) {
        throw new RangeError(
          `Cannot split ${inPath}: it holds a 0-d array, which has no axis to split along`,
        );
      }
      // --bytes as rows: a stack seals by size only after an append, and
      // a batch holds many rows (a small file was one shard, whatever N).
      const perShard = rows ??
        (h.rowBytes > 0 ? Math.max(1, Math.ceil(bytes! / h.rowBytes)) : 0);
      const rowCount = h.shape[h.growthAxis]!;
      if (
        h.rowBytes === 0 && perShard > 0 &&
        Math.ceil(rowCount / perShard) > MAX_EMPTY_SHARDS
      ) {
        // A number in a 128-byte header would make 10**14 files.
        throw new RangeError(
          `Cannot split ${inPath}: its ${rowCount} rows hold no data (dtype "${h.dtype}", shape ${
            shapeText(h.shape)
          }), and ${perShard} rows a shard would make ${
            Math.ceil(rowCount / perShard)
          } shard files of no data (at most ${MAX_EMPTY_SHARDS}); pass --rows ${
            Math.ceil(rowCount / MAX_EMPTY_SHARDS)
          } or more`,
        );
      }
      const stack = NpyStackWriterSync.open(dir, {
        dtype: parseDType(h.dtype), // as it stands, |S0 too
        fortranOrder: h.fortranOrder,
        ...headerOptions(max),
        ...(perShard > 0 ? { shardRows: perShard } : { shardBytes: bytes! }),
      });
      try {
        progress.start(`split ${inPath}`, src.info.dataLength);
        for (const b of batches(src)) {
          stack.append({
            data: b.data,
            shape: b.shape,
            dtype: h.dtype,
            fortranOrder: h.fortranOrder,
          });
          progress.add(
            b.shape.reduce((a, n) => a * n, 1) * src.info.itemsize,
          );
        }
      } finally {
        stack.close();
      }
      await Promise.resolve();
    } finally {
      progress.end();
      src.close();
    }
    return 0;
  },
};
