/**
 * The `--help` text of a command, in one layout: usage, what it does, the
 * options (each command's own, then the header size cap and `--help`
 * that every file command takes) and an example.
 *
 * @module
 */

/** The parts of a command's help. */
export interface HelpParts {
  /** The usage line after `npy-append-array `. */
  readonly usage: string;
  /** What the command does, as lines of text. */
  readonly about: string;
  /** The command's own options: `[flag, what it does]`. */
  readonly options: readonly (readonly [string, string])[];
  /** The example command line after `npy-append-array `. */
  readonly example: string;
}

/** Options every file command takes, after its own. */
const COMMON: readonly (readonly [string, string])[] = [
  [
    "--max-header-size N",
    "accept headers up to N characters (default 10000)",
  ],
  ["-h, --help", "show this help"],
];

/**
 * Lays out a command's help.
 *
 * @param parts Usage, text, options, example.
 * @returns The help text.
 */
export function helpText(parts: HelpParts): string {
  const options = [...parts.options, ...COMMON]
    .map(([flag, what]) => `  ${flag.padEnd(23)}${what}`)
    .join("\n");
  return `Usage: npy-append-array ${parts.usage}

${parts.about}

Options:
${options}

Example:
  npy-append-array ${parts.example}
`;
}
