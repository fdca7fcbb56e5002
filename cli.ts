/**
 * The `npy-append-array` command line: inspect, repair, join and convert
 * `.npy` files in constant memory. Runs on Deno, Node and Bun.
 *
 * ```sh
 * deno run -R -W jsr:@x/npy-append-array/cli info data.npy
 * deno run -R -W jsr:@x/npy-append-array/cli from-csv data.csv data.npy
 * npx npy-append-array to-csv data.npy data.csv
 * ```
 *
 * Commands: `info`, `recover`, `ensure-appendable`, `concat`, `from-csv`,
 * `to-csv`, `split`; `--help` for each. Exit codes: 0 ok, 1 failed, 2 usage.
 *
 * @module
 */

import { BrokenPipe, cliRuntime, isMainModule } from "./src/cli/_runtime.ts";
import { meantName, parseArgs, UsageError } from "./src/cli/_args.ts";
import type { Command } from "./src/cli/_command.ts";
import { info, messageOf, oneLine } from "./src/cli/info.ts";
import {
  ensureAppendableCommand,
  recoverCommand,
} from "./src/cli/maintenance.ts";
import { concat } from "./src/cli/concat.ts";
import { fromCsv } from "./src/cli/from_csv.ts";
import { toCsv } from "./src/cli/to_csv.ts";
import { split } from "./src/cli/stack.ts";

const PROGRAM = "npy-append-array";
const VERSION = "0.1.0";

const COMMANDS: Record<string, Command> = {
  info,
  recover: recoverCommand,
  "ensure-appendable": ensureAppendableCommand,
  concat,
  "from-csv": fromCsv,
  "to-csv": toCsv,
  split,
};

function programHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return `Usage: ${PROGRAM} COMMAND [options] ARGS...

Inspect, repair, join and convert NumPy .npy files, in constant memory.

Commands:
${names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n]!.summary}`).join("\n")}

Options:
  -h, --help     show this help; "${PROGRAM} COMMAND --help" for a command
  --version      show the version

Exit codes: 0 ok, 1 failed, 2 usage error.
`;
}

/** The usage error of an unknown command or option before a command. */
function unknownCommand(name: string): UsageError {
  const names = Object.keys(COMMANDS);
  if (name.startsWith("-")) {
    const meant = meantName(name.replace(/^-+/, ""), ["help", "version"]);
    return new UsageError(
      `Unknown option "${name}"; ${
        meant === undefined
          ? `options go after the command ("${PROGRAM} COMMAND --option").`
          : `did you mean "--${meant}"?`
      } See "${PROGRAM} --help"`,
    );
  }
  const meant = meantName(name, names);
  return new UsageError(
    `Unknown command "${name}"; ${
      meant === undefined ? "the" : `did you mean "${meant}"? The`
    } commands are ${names.join(", ")}`,
  );
}

/**
 * Runs the command line with the given arguments: what `cli.ts` does when
 * run as a program. Output goes to standard output, messages and the
 * progress bar to standard error.
 *
 * @example Run a command from a script
 * ```ts
 * import { main } from "@x/npy-append-array/cli";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await main(["--version"]), 0); // prints "npy-append-array 0.1.0"
 * assert.equal(await main(["no-such-command"]), 2); // usage error
 * ```
 *
 * @param args The arguments after the program name, such as
 * `["info", "data.npy"]`.
 * @returns The exit code: 0 ok, 1 failed, 2 usage error.
 */
export async function main(args: readonly string[]): Promise<number> {
  const rt = cliRuntime();
  const out = async (text: string) => {
    await rt.writeStdout(new TextEncoder().encode(text));
  };
  const fail = (code: number, message: string): number => {
    rt.writeStderr(`${PROGRAM}: ${oneLine(message)}\n`);
    return code;
  };
  try {
    const [name, ...rest] = args;
    if (name === undefined) {
      rt.writeStderr(programHelp());
      return 2;
    }
    if (name === "--help" || name === "-h" || name === "help") {
      const sub = name === "help" ? rest[0] : undefined;
      const cmd = sub === undefined ? undefined : COMMANDS[sub];
      await out(cmd?.help ?? programHelp());
      return 0;
    }
    if (name === "--version" || name === "-V") {
      await out(`${PROGRAM} ${VERSION}\n`);
      return 0;
    }
    const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (cmd === undefined) throw unknownCommand(name);
    const parsed = parseArgs(rest, cmd.spec);
    if (parsed.help) {
      await out(cmd.help);
      return 0;
    }
    return await cmd.run(parsed, rt);
  } catch (e) {
    if (e instanceof BrokenPipe) return 0;
    if (e instanceof UsageError) return fail(2, e.message);
    return fail(1, messageOf(e));
  }
}

if (isMainModule(import.meta)) {
  const rt = cliRuntime();
  rt.setExitCode(await main(rt.args));
}
