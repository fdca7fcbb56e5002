/**
 * The shape of a command of `cli.ts`.
 *
 * @module
 */

import type { CliRuntime } from "./_runtime.ts";
import type { CommandSpec, ParsedArgs } from "./_args.ts";

/** One command: its arguments, help text and implementation. */
export interface Command {
  /** Options and positional argument counts. */
  readonly spec: CommandSpec;
  /** One line for the program's help. */
  readonly summary: string;
  /** The command's `--help` text. */
  readonly help: string;
  /**
   * Runs the command.
   *
   * @returns The exit code.
   */
  run(args: ParsedArgs, rt: CliRuntime): Promise<number>;
}
