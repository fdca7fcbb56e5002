/**
 * Command line argument parsing for `cli.ts`: `--name value`,
 * `--name=value`, boolean flags, `--` to end options, `-` as a positional
 * argument (standard input or output).
 *
 * @module
 */

import { type DType, parseDType } from "../../mod.ts";

/** A mistake in how the program was called: exit code 2. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The known name a misspelt one most likely meant: the same but for case,
 * the one name it begins, or one at most two edits away (the nearest).
 * The library's own `did you mean` is private to it; the command line
 * stands on the public API, so this is its own, for its names only.
 *
 * @param word What was typed.
 * @param names The names known.
 * @returns The name, or `undefined`.
 */
export function meantName(
  word: string,
  names: readonly string[],
): string | undefined {
  const w = word.toLowerCase();
  const same = names.find((n) => n.toLowerCase() === w);
  if (same !== undefined) return same;
  const starts = names.filter((n) => w.length >= 2 && n.startsWith(w));
  if (starts.length === 1) return starts[0];
  let best: string | undefined;
  let bestCost = 3;
  for (const n of names) {
    const cost = edits(w, n.toLowerCase());
    if (cost < bestCost) [best, bestCost] = [n, cost];
  }
  return best;
}

/** Insertions, deletions, changes and swaps of neighbours from a to b. */
function edits(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d[i] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        d[0]![j] = j;
        continue;
      }
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + same,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** What an option takes. */
export interface OptionSpec {
  /** `"flag"` takes no value; `"string"` takes one. */
  readonly type: "flag" | "string";
  /** A one-letter alias, without the dash. */
  readonly short?: string;
}

/** A command's options and positional arguments. */
export interface CommandSpec {
  /** The command name, for messages. */
  readonly name: string;
  /** Option names without the dashes. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Fewest positional arguments. */
  readonly minArgs: number;
  /** Most positional arguments (`Infinity` for any number). */
  readonly maxArgs: number;
  /**
   * Positions of the positional arguments where `-` means standard input
   * or output; a `-` anywhere else is refused (`.npy` files, stacks and
   * groups are read and written in place, so they cannot be a stream).
   */
  readonly stdio?: readonly number[];
}

/** Parsed arguments. */
export interface ParsedArgs {
  /** Positional arguments. */
  readonly positional: string[];
  /** Flags present (`true`) and option values. */
  readonly options: Record<string, string | true>;
  /** Whether `--help` or `-h` was given. */
  readonly help: boolean;
}

/**
 * Parses a command's arguments.
 *
 * @param args The arguments after the command name.
 * @param spec The command's options.
 * @returns The parsed arguments.
 * @throws {UsageError} for unknown options, missing values and a wrong
 * number of positional arguments.
 */
export function parseArgs(
  args: readonly string[],
  spec: CommandSpec,
): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  let help = false;
  let onlyPositional = false;
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.short !== undefined) byShort.set(o.short, name);
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (onlyPositional || arg === "-" || !arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositional = true;
      continue;
    }
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      value = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      const long = byShort.get(arg.slice(1, 2));
      if (long === undefined) {
        throw new UsageError(
          `Unknown option "${arg}" for ${spec.name}; see "npy-append-array ${spec.name} --help"`,
        );
      }
      name = long;
      value = arg.length > 2 ? arg.slice(2) : undefined;
    }
    const o = spec.options[name];
    if (o === undefined || !Object.hasOwn(spec.options, name)) {
      const meant = meantName(name, Object.keys(spec.options));
      throw new UsageError(
        `Unknown option "--${name}" for ${spec.name}; ${
          meant === undefined ? "" : `did you mean "--${meant}"? S`
        }${
          meant === undefined ? "s" : ""
        }ee "npy-append-array ${spec.name} --help"`,
      );
    }
    if (o.type === "flag") {
      if (value !== undefined) {
        throw new UsageError(`Option "--${name}" takes no value`);
      }
      options[name] = true;
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) {
        throw new UsageError(`Option "--${name}" needs a value`);
      }
      value = args[++i]!;
    }
    if (options[name] !== undefined) {
      throw new UsageError(
        `Option "--${name}" is given twice (${
          JSON.stringify(options[name])
        } and ${JSON.stringify(value)}); pass it once`,
      );
    }
    options[name] = value;
  }
  if (!help) {
    if (positional.length < spec.minArgs) {
      throw new UsageError(
        `${spec.name} needs ${
          spec.minArgs === spec.maxArgs ? "" : "at least "
        }${spec.minArgs} argument${
          spec.minArgs === 1 ? "" : "s"
        }, got ${positional.length}; see --help`,
      );
    }
    if (positional.length > spec.maxArgs) {
      throw new UsageError(
        `${spec.name} takes at most ${spec.maxArgs} argument${
          spec.maxArgs === 1 ? "" : "s"
        }, got ${positional.length}; see --help`,
      );
    }
    positional.forEach((arg, i) => {
      if (arg === "-" && !(spec.stdio ?? []).includes(i)) {
        throw new UsageError(
          `${spec.name} cannot take "-" (standard input or output) as argument ${
            i + 1
          }: .npy files, stacks and groups are read and written in place, not streamed; pass a path (./- for a file named "-")`,
        );
      }
    });
  }
  return { positional, options, help };
}

/**
 * Reads a string option.
 *
 * @param parsed The parsed arguments.
 * @param name The option name.
 * @returns Its value, or `undefined` when absent.
 */
export function stringOption(
  parsed: ParsedArgs,
  name: string,
): string | undefined {
  const v = parsed.options[name];
  return typeof v === "string" ? v : undefined;
}

/** The `--max-header-size` option every command that reads headers takes. */
export const MAX_HEADER_OPTION: Readonly<Record<string, OptionSpec>> = {
  "max-header-size": { type: "string" },
};

/**
 * Reads a positive integer option.
 *
 * @param parsed The parsed arguments.
 * @param name The option name.
 * @returns Its value, or `undefined` when absent.
 * @throws {UsageError} when the value is not a positive integer.
 */
export function intOption(
  parsed: ParsedArgs,
  name: string,
): number | undefined {
  const v = stringOption(parsed, name);
  if (v === undefined) return undefined;
  if (
    !/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))
  ) {
    throw new UsageError(
      `Option "--${name}" needs a positive integer, got "${v}"`,
    );
  }
  return Number(v);
}

/**
 * Reads a `--dtype` option: a type NumPy knows, text with its size
 * (NumPy's size-0 `"S"`, `"S0"`, `"U"` hold no text, and a command makes
 * a new file of the dtype given).
 *
 * @param text The option's text.
 * @returns The dtype.
 * @throws {UsageError} for a dtype the library does not know, one of
 *   size 0, or one holding Python objects.
 */
export function dtypeOption(text: string): DType {
  let dtype: DType;
  try {
    dtype = parseDType(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (dtype.hasObject) {
    throw new UsageError(
      `Cannot use dtype "${text}": it holds Python objects, which cannot be written; use a number, text, time or record dtype`,
    );
  }
  if (
    dtype.itemsize === 0 && dtype.fields === undefined &&
    (dtype.kind === "S" || dtype.kind === "U")
  ) {
    const example = `${dtype.kind}8`;
    throw new UsageError(
      `Cannot use dtype "${text}": a type of size 0 holds no value; give its size, such as ${example}`,
    );
  }
  return dtype;
}
