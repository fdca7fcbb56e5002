/**
 * `info FILE...`: what a `.npy` file holds, and whether it can be appended
 * to or needs recovery.
 *
 * @module
 */

import type { Command } from "./_command.ts";
import { helpText } from "./_help.ts";
import { intOption, MAX_HEADER_OPTION } from "./_args.ts";
import { inspectNpySync, NpyFormatError } from "../../mod.ts";
import { checkReadable, isDirectory } from "./_fs.ts";
import { headerOptions } from "./_npy_source.ts";
import { groupInfoOutput, isGroup } from "./group.ts";
import { stackInfoOutput } from "./stack.ts";
import { cliWords } from "./_cli_words.ts";

/** What `info --json` prints for one file. */
export interface InfoRecord {
  file: string;
  version: string;
  headerLength: number;
  dtype: string;
  shape: number[];
  order: "C" | "F";
  fortranOrder: boolean;
  items: number;
  itemsize: number;
  dataBytes: number;
  expectedDataBytes: number;
  appendable: boolean;
  needsRecovery: boolean;
}

/**
 * The facts of one file.
 *
 * @param path The path.
 * @param maxHeaderSize The header size cap.
 * @returns The record.
 */
export function infoRecord(path: string, maxHeaderSize?: number): InfoRecord {
  checkReadable(path);
  const info = inspectNpySync(path, headerOptions(maxHeaderSize));
  return {
    file: path,
    version: `${info.version[0]}.${info.version[1]}`,
    headerLength: info.headerLength,
    dtype: info.dtype,
    shape: [...info.shape],
    order: info.fortranOrder ? "F" : "C",
    fortranOrder: info.fortranOrder,
    items: info.shape.reduce((a, b) => a * b, 1),
    itemsize: info.itemsize,
    dataBytes: info.dataLength,
    expectedDataBytes: info.expectedDataLength,
    appendable: info.appendable,
    needsRecovery: info.needsRecovery,
  };
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

function text(r: InfoRecord): string {
  const yes = (b: boolean) => (b ? "yes" : "no");
  const rows: [string, string][] = [
    ["version", r.version],
    ["header length", `${r.headerLength} bytes`],
    ["dtype", r.dtype],
    ["shape", shapeText(r.shape)],
    [
      "order",
      r.order === "F"
        ? "F (Fortran, grows along the last axis)"
        : "C (grows along axis 0)",
    ],
    [
      "data bytes",
      r.needsRecovery
        ? `${r.dataBytes} (the header says ${r.expectedDataBytes})`
        : String(r.dataBytes),
    ],
    ["appendable", yes(r.appendable)],
    ["needs recovery", yes(r.needsRecovery)],
  ];
  return `${r.file}\n${
    rows.map(([k, v]) => `  ${(k + ":").padEnd(16)}${v}`).join("\n")
  }\n`;
}

/** The `info` command. */
export const info: Command = {
  spec: {
    name: "info",
    options: { json: { type: "flag" }, ...MAX_HEADER_OPTION },
    minArgs: 1,
    maxArgs: Infinity,
  },
  summary: "show version, header, dtype, shape, order and state of .npy files",
  help: helpText({
    usage: "info [--json] FILE...",
    about:
      `Shows what each .npy file holds: format version, header length, dtype,
shape, order, data bytes, whether it can be appended to, and whether it
needs recovery (its data length differs from what the header says).
A group folder (written by NpyGroupWriter) shows its members and the rows
they all hold.
A stack folder (Dask's npy-stack, see split) shows its dtype, shape,
order, sealed shards and live rows.`,
    options: [
      ["--json", "one JSON object per file and line, for scripts"],
    ],
    example: "info data.npy",
  }),
  async run(args, rt) {
    const json = args.options["json"] === true;
    const max = intOption(args, "max-header-size");
    let failed = false;
    for (const path of args.positional) {
      let out: string;
      try {
        if (isGroup(path)) out = groupInfoOutput(path, max, json);
        else if (isDirectory(path)) out = stackInfoOutput(path, json, max);
        else {
          const r = infoRecord(path, max);
          out = json ? `${JSON.stringify(r)}\n` : text(r);
        }
      } catch (e) {
        failed = true;
        rt.writeStderr(`npy-append-array: ${oneLine(messageOf(e, path))}\n`);
        continue;
      }
      await rt.writeStdout(new TextEncoder().encode(out));
    }
    return failed ? 1 : 0;
  },
};

/**
 * A message as one line of stderr: control characters (C0, DEL, C1, the
 * line and paragraph separators) escaped as JSON escapes them (`\n`,
 * `\u001b`). A path the CLI shows as `"${path}"` may hold any of them; the
 * README promises one line, and no escape reaches the terminal.
 *
 * @param text The message.
 * @returns The message on one line.
 */
export function oneLine(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 || code === 0x2029;
    if (!control) {
      out += c;
      continue;
    }
    const json = JSON.stringify(c).slice(1, -1);
    out += json.length > 1 ? json : `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return out;
}

/**
 * The message of an error, as the command line prints it. The library's
 * and the command line's messages name the file themselves; an
 * `NpyFormatError` that names none (`file` undefined) is made again from
 * its code and reason naming `file`. The library's fixes are named in the
 * command line's words ({@linkcode cliWords}).
 *
 * @param e The error.
 * @param file The file the command was working on, if one.
 * @returns The message.
 */
export function messageOf(e: unknown, file?: string): string {
  if (e instanceof NpyFormatError && e.file === undefined && file) {
    return cliWords(
      new NpyFormatError(e.code, e.reason, { file, cause: e }).message,
      file,
    );
  }
  return cliWords(e instanceof Error ? e.message : String(e), file);
}
