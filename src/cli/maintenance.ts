/**
 * `recover FILE...` and `ensure-appendable FILE...`: the maintenance
 * functions on the command line.
 *
 * @module
 */

import type { Command } from "./_command.ts";
import type { CliRuntime } from "./_runtime.ts";
import { helpText } from "./_help.ts";
import {
  ensureAppendable,
  NpyFormatError,
  NpyGroupReader,
  recover,
  recoverGroupSync,
  recoverStackSync,
} from "../../mod.ts";
import { type InfoRecord, infoRecord, shapeText } from "./info.ts";
import {
  checkReadable,
  holdsNpyName,
  isDirectory,
  sizeIfExists,
} from "./_fs.ts";
import { isGroup } from "./group.ts";
import { intOption, MAX_HEADER_OPTION } from "./_args.ts";
import { headerOptions } from "./_npy_source.ts";
import { commandText } from "./_cli_words.ts";

const enc = new TextEncoder();

/** The `recover` command. */
export const recoverCommand: Command = {
  spec: {
    name: "recover",
    options: {
      zerofill: { type: "flag" },
      group: { type: "flag" },
      ...MAX_HEADER_OPTION,
    },
    minArgs: 1,
    maxArgs: Infinity,
  },
  summary:
    "repair files whose header does not match their data (after a crash)",
  help: helpText({
    usage: "recover [--zerofill] [--group] FILE|DIR...",
    about:
      `Sets the length of the growth axis from the file size, for a file whose
writer died before it updated the header. A trailing partial item is cut
off, or kept and filled with zeros with --zerofill. A file whose header has
no room to grow needs "ensure-appendable" first. A complete file is left
as it is. A stack folder (see split) or a group folder is repaired as
recoverStack and recoverGroup do: whole rows only. A group folder whose
group.json was lost needs --group: recoverGroup writes group.json again
from the member files (DIR/<name>.npy) where they are unambiguous.`,
    options: [
      ["--zerofill", "keep a trailing partial item, filling it with zeros"],
      ["--group", "DIR is a group: rebuild a lost group.json, then repair it"],
    ],
    example: "recover log.npy",
  }),
  async run(args, rt) {
    const zerofill = args.options["zerofill"] === true;
    const group = args.options["group"] === true;
    const max = intOption(args, "max-header-size");
    for (const path of args.positional) {
      if (isDirectory(path)) {
        await rt.writeStdout(
          enc.encode(`${recoverFolder(path, zerofill, group, max)}\n`),
        );
        continue;
      }
      if (group) {
        checkReadable(path);
        throw new RangeError(
          `Cannot recover "${path}" with --group: it is not a folder; --group takes a group's folder, leave it out for a file`,
        );
      }
      if (await nothingThere(path, rt)) continue;
      const before = infoUnlessUnsettled(path, max);
      if (before !== null && !before.needsRecovery) {
        await rt.writeStdout(
          enc.encode(
            `${path}: complete, shape ${
              shapeText(before.shape)
            }; nothing to do\n`,
          ),
        );
        continue;
      }
      if (before !== null && !before.appendable) {
        throw new RangeError(
          `Cannot recover "${path}": its header has no room to grow; run ${
            commandText("ensure-appendable", path)
          } first`,
        );
      }
      await recover(path, {
        zerofillIncomplete: zerofill,
        ...headerOptions(max),
      });
      const after = infoRecord(path, max);
      if (before === null) {
        await rt.writeStdout(enc.encode(
          `${path}: recovered, an unfinished change settled; shape ${
            shapeText(after.shape)
          }\n`,
        ));
        continue;
      }
      const lost = before.dataBytes - after.dataBytes;
      const how = lost > 0
        ? `, cut ${lost} bytes of a partial item`
        : lost < 0
        ? `, zero-filled ${-lost} bytes of a partial item`
        : "";
      await rt.writeStdout(
        enc.encode(
          `${path}: recovered, shape ${shapeText(before.shape)} -> ${
            shapeText(after.shape)
          }${how}\n`,
        ),
      );
    }
    return 0;
  },
};

/** The `ensure-appendable` command. */
export const ensureAppendableCommand: Command = {
  spec: {
    name: "ensure-appendable",
    options: { inplace: { type: "flag" }, ...MAX_HEADER_OPTION },
    minArgs: 1,
    maxArgs: Infinity,
  },
  summary: "give a file's header room to grow (files from NumPy < 1.23)",
  help: helpText({
    usage: "ensure-appendable [--inplace] FILE...",
    about:
      `Rewrites the header with room for the growth axis to grow, as NumPy >= 1.23
writes it, so that the file can be appended to. By default the file is
copied to a temporary file in the same folder that then replaces it (an
atomic rename); --inplace moves the data within the file instead (no extra
disk space; a move cut off by a crash is recorded in FILE.journal and
finished by the next run, or by "recover"). Memory use is constant either
way. A file that is already appendable is left as it is.`,
    options: [
      ["--inplace", "shift the data within the file instead of copying it"],
    ],
    example: "ensure-appendable old.npy",
  }),
  async run(args, rt) {
    const inplace = args.options["inplace"] === true;
    const max = intOption(args, "max-header-size");
    for (const path of args.positional) {
      if (await nothingThere(path, rt)) continue;
      const before = infoUnlessUnsettled(path, max);
      if (before !== null && before.appendable) {
        await rt.writeStdout(
          enc.encode(`${path}: already appendable; nothing to do\n`),
        );
        continue;
      }
      // Its errors' fixes ("pass inplace: true") reach the user in the
      // command line's words through messageOf (src/cli/_cli_words.ts).
      await ensureAppendable(path, { inplace, ...headerOptions(max) });
      const after = infoRecord(path, max);
      await rt.writeStdout(
        enc.encode(
          before === null
            ? `${path}: an unfinished change settled; header ${after.headerLength} bytes, ${
              after.appendable
                ? "now appendable"
                : "not appendable yet: run this again"
            }\n`
            : `${path}: header ${before.headerLength} -> ${after.headerLength} bytes, now appendable\n`,
        ),
      );
    }
    return 0;
  },
};

/**
 * `recover DIR`: repairs a stack or a group folder, reading headers of up
 * to `max` characters; returns the line to print.
 */
function recoverFolder(
  path: string,
  zerofill: boolean,
  group: boolean,
  max: number | undefined,
): string {
  const cap = headerOptions(max);
  if (zerofill) {
    throw new RangeError(
      `Cannot recover "${path}" with --zerofill: a stack or a group keeps whole rows only; leave the option out`,
    );
  }
  if (group && !isGroup(path)) {
    // recoverGroup writes group.json from the member files, or refuses
    // (nothing changed) where they are not unambiguous.
    const rows = recoverGroupSync(path, cap);
    const reader = NpyGroupReader.openSync(path, cap);
    const names = Object.keys(reader.layout);
    reader.closeSync();
    return `${path}: group.json rebuilt from the member files (${
      names.map((n) => JSON.stringify(n)).join(", ")
    }); group recovered, ${rows} rows in every member`;
  }
  if (isGroup(path)) {
    return `${path}: group recovered, ${
      recoverGroupSync(path, cap)
    } rows in every member`;
  }
  const shape = recoverStackSync(path, cap);
  if (shape.length === 0) {
    throw new RangeError(
      `Cannot recover "${path}": it holds no stack (no info, {n}.npy or {n}.npy.part) and no group.json; pass a .npy file, or a stack or group folder${
        holdsNpyName(path)
          ? `; if it is a group whose group.json was lost, ${
            commandText("recover", "--group", path)
          } rebuilds it from the member files`
          : ""
      }`,
    );
  }
  return `${path}: stack recovered, shape ${shapeText(shape)}`;
}

/**
 * An empty file (a writer killed as it created it, which the next writer
 * starts afresh): says so and returns `true`.
 */
async function nothingThere(path: string, rt: CliRuntime): Promise<boolean> {
  checkReadable(path);
  if (sizeIfExists(path) !== 0) return false;
  await rt.writeStdout(
    enc.encode(
      `${path}: empty (its writer was killed as it created it; the next writer starts it afresh); nothing to do\n`,
    ),
  );
  return true;
}

/**
 * The facts of a file, or `null` when it has an unfinished change
 * recorded beside it (which readers refuse and the library's maintenance
 * settles first).
 */
function infoUnlessUnsettled(path: string, max?: number): InfoRecord | null {
  try {
    return infoRecord(path, max);
  } catch (e) {
    if (e instanceof NpyFormatError && e.code === "needs-recovery") return null;
    throw e;
  }
}
