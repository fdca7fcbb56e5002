/**
 * The library's messages in the command line's words, in one place. The
 * library names its fixes as calls (`recover("x.npy")`, "call
 * ensureAppendable first", "raise maxHeaderSize"); a command-line user
 * needs the command (`"npy-append-array recover x.npy"`) or the option
 * (`--max-header-size`). The messages are not copied: each is reworded
 * here, as it reaches the user, by the rules below (checked against every
 * message of the library by `tests/stop27_cli_words_test.ts`).
 *
 * @module
 */

/** The program's name, as messages write its commands. */
const PROGRAM = "npy-append-array";

/**
 * An argument as a POSIX shell takes it: as it is when it holds only
 * safe characters, else in single quotes (`'my file.npy'`).
 *
 * @param arg The argument.
 * @returns The text to type.
 */
export function shellWord(arg: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * A command line of this program, in double quotes, as the messages name
 * a command to run: `"npy-append-array recover 'my file.npy'"`.
 *
 * @param args The command and its arguments.
 * @returns The quoted command line.
 */
export function commandText(...args: string[]): string {
  return `"${[PROGRAM, ...args.map(shellWord)].join(" ")}"`;
}

// A JSON-quoted string in a message (how the library shows a path).
const QUOTED = /"((?:[^"\\]|\\.)*)"/;

/** The text of a JSON-quoted string, or `undefined`. */
function unquote(q: string | undefined): string | undefined {
  if (q === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(`"${q}"`);
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A stack's or group's folder for a path in it (a shard, `info`). */
function folderOf(path: string): string {
  const m = /^(.*)[\\/](?:\d+\.npy(?:\.part)?|info|group\.json)$/.exec(path);
  return m === null ? path : m[1]! || "/";
}

/**
 * A library message in the command line's words.
 *
 * @param message The message.
 * @param file The file the command was working on, where the message
 * quotes none.
 * @returns The message with each call of the library named as the
 * command or option that does it.
 */
export function cliWords(message: string, file?: string): string {
  // The file or folder the message is about: the first quoted path
  // (`Cannot read "x.npy": ...`), else the command's file.
  const subject = unquote(QUOTED.exec(message)?.[1]) ?? file ?? "FILE";
  const recover = (path: string) => commandText("recover", path);
  const folder = () => recover(folderOf(subject));
  return message
    // The library's aside for command-line users replaces its call.
    .replace(
      /\brecover(?:Group|Stack)?(?:\("(?:[^"\\]|\\.)*"\)| again| on it)? \(command line: ("(?:[^"\\]|\\.)*")(, without --group)?\)/g,
      (_, cmd: string, without: string | undefined) => `${cmd}${without ?? ""}`,
    )
    .replace(
      /\brecover(Group|Stack)?\("((?:[^"\\]|\\.)*)"\)/g,
      (_, kind: string | undefined, q: string) => {
        const path = unquote(q) ?? subject;
        return recover(kind === undefined ? path : folderOf(path));
      },
    )
    .replace(
      /header length (\d+) is larger than maxHeaderSize \((\d+)\); raise maxHeaderSize to read this file/g,
      "header length $1 is larger than --max-header-size ($2); pass --max-header-size $1 to read this file",
    )
    .replace(/\{ maxHeaderSize: (\d+) \}/g, "--max-header-size $1")
    .replace(/\bmaxHeaderSize\b/g, "--max-header-size")
    .replace(/,? or pass allowIncomplete: true/g, "")
    .replace(/\bclose (?:the|this) writer, (?:then )?/g, "")
    .replace(
      /\b(?:call|run) recover on (?:the file's path|the file|it)\b/g,
      () => `run ${recover(subject)}`,
    )
    .replace(
      /\b(?:call|run) recover on "((?:[^"\\]|\\.)*)"/g,
      (_, q: string) => `run ${recover(unquote(q) ?? subject)}`,
    )
    .replace(
      /\b(?:call|run) (?:recoverStack|recoverGroup)(?: on it)?\b/g,
      () => `run ${folder()}`,
    )
    .replace(/\b(?:recoverStack|recoverGroup)\b/g, folder)
    .replace(/\b(?:call|run) recover\b/g, () => `run ${recover(subject)}`)
    .replace(
      /\bensureAppendable with inplace: true\b/g,
      () => commandText("ensure-appendable", "--inplace", subject),
    )
    .replace(
      /\bcall ensureAppendable\b/g,
      () => `run ${commandText("ensure-appendable", subject)}`,
    )
    .replace(
      /\bin-place ensureAppendable\b/g,
      () => commandText("ensure-appendable", "--inplace", subject),
    )
    .replace(/\bpass inplace: true\b/g, "pass --inplace")
    .replace(/\bensureAppendable\b/g, "ensure-appendable")
    .replace(/\{ inplace: true \}/g, "--inplace")
    .replace(/\b(use|pass|with) casting "([^"]+)"/g, "$1 --casting $2");
}
