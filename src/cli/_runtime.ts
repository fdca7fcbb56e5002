/**
 * The few things the command line needs from its runtime (arguments,
 * standard streams, the exit code), from `Deno` when it exists, else from
 * Node's and Bun's `process`; no static `node:` import.
 *
 * @module
 */

import { stdoutError } from "./_fs.ts";

/** What the command line uses of the runtime. */
export interface CliRuntime {
  /** The command line arguments after the script name. */
  readonly args: string[];
  /** Whether standard error is a terminal (progress bars go there). */
  stderrIsTerminal(): boolean;
  /** Whether standard output is a terminal. */
  stdoutIsTerminal(): boolean;
  /** The terminal width, or 80 when unknown. */
  columns(): number;
  /** Writes text to standard error, synchronously. */
  writeStderr(text: string): void;
  /**
   * Writes bytes to standard output, resolving when they are handed to the
   * system (backpressure). Rejects with {@linkcode BrokenPipe} when the
   * reader went away.
   */
  writeStdout(bytes: Uint8Array): Promise<void>;
  /** Standard input, chunk by chunk. */
  stdin(): AsyncIterable<Uint8Array>;
  /** Sets the exit code the process ends with. */
  setExitCode(code: number): void;
  /** Milliseconds from a monotonic clock. */
  now(): number;
}

/** Thrown by `writeStdout` when the reading end of the pipe closed. */
export class BrokenPipe extends Error {
  /** Creates the error. */
  constructor() {
    super("Broken pipe");
    this.name = "BrokenPipe";
  }
}

interface DenoWriter {
  writeSync(p: Uint8Array): number;
  write(p: Uint8Array): Promise<number>;
  isTerminal(): boolean;
}

interface DenoLike {
  args: string[];
  stdout: DenoWriter;
  stderr: DenoWriter;
  stdin: { readable: ReadableStream<Uint8Array> };
  consoleSize(): { columns: number; rows: number };
  exitCode: number;
  errors: { BrokenPipe: new () => Error };
}

interface NodeStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: Uint8Array | string): boolean;
  once(event: string, fn: (...args: unknown[]) => void): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  off?(event: string, fn: (...args: unknown[]) => void): void;
}

interface ProcessLike {
  argv: string[];
  stdout: NodeStream;
  stderr: NodeStream;
  stdin: AsyncIterable<Uint8Array>;
  exitCode?: number;
}

const encoder = new TextEncoder();

function denoRuntime(deno: DenoLike): CliRuntime {
  const writeAll = (w: DenoWriter, bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.length) done += w.writeSync(bytes.subarray(done));
  };
  return {
    args: [...deno.args],
    stderrIsTerminal: () => deno.stderr.isTerminal(),
    stdoutIsTerminal: () => deno.stdout.isTerminal(),
    columns() {
      try {
        return deno.consoleSize().columns || 80;
      } catch {
        return 80;
      }
    },
    writeStderr(text) {
      try {
        writeAll(deno.stderr, encoder.encode(text));
      } catch {
        // nowhere left to report to
      }
    },
    async writeStdout(bytes) {
      let done = 0;
      try {
        while (done < bytes.length) {
          done += await deno.stdout.write(bytes.subarray(done));
        }
      } catch (e) {
        if (e instanceof deno.errors.BrokenPipe) throw new BrokenPipe();
        throw stdoutError(e);
      }
    },
    stdin: () => deno.stdin.readable,
    setExitCode(code) {
      deno.exitCode = code;
    },
    now: () => performance.now(),
  };
}

function nodeRuntime(proc: ProcessLike): CliRuntime {
  let broken = false;
  // Without a listener a closed pipe would crash the process with a stack.
  proc.stdout.on("error", (e) => {
    if ((e as { code?: string }).code === "EPIPE") broken = true;
  });
  return {
    args: proc.argv.slice(2),
    stderrIsTerminal: () => proc.stderr.isTTY === true,
    stdoutIsTerminal: () => proc.stdout.isTTY === true,
    columns: () => proc.stderr.columns || 80,
    writeStderr(text) {
      proc.stderr.write(text);
    },
    writeStdout(bytes) {
      if (broken) return Promise.reject(new BrokenPipe());
      return new Promise((resolve, reject) => {
        let ok = false;
        try {
          ok = proc.stdout.write(bytes);
        } catch (e) {
          if ((e as { code?: string }).code === "EPIPE") {
            reject(new BrokenPipe());
          } else reject(stdoutError(e));
          return;
        }
        if (ok) {
          resolve();
          return;
        }
        const onError = (e: unknown) => {
          proc.stdout.off?.("drain", onDrain);
          if ((e as { code?: string }).code === "EPIPE") {
            reject(new BrokenPipe());
          } else reject(stdoutError(e));
        };
        const onDrain = () => {
          proc.stdout.off?.("error", onError);
          resolve();
        };
        proc.stdout.once("drain", onDrain);
        proc.stdout.once("error", onError);
      });
    },
    stdin: () => proc.stdin,
    setExitCode(code) {
      proc.exitCode = code;
    },
    now: () => performance.now(),
  };
}

let cached: CliRuntime | undefined;

/**
 * The running runtime's {@linkcode CliRuntime}.
 *
 * @returns Deno's when `Deno` exists, else one on `process`.
 * @throws {TypeError} where there is neither.
 */
export function cliRuntime(): CliRuntime {
  if (cached !== undefined) return cached;
  const g = globalThis as { Deno?: DenoLike; process?: ProcessLike };
  if (g.Deno !== undefined && Array.isArray(g.Deno.args)) {
    cached = denoRuntime(g.Deno);
  } else if (g.process !== undefined && Array.isArray(g.process.argv)) {
    cached = nodeRuntime(g.process);
  } else {
    throw new TypeError(
      "Cannot run the command line here: this runtime has neither Deno nor process",
    );
  }
  return cached;
}

/**
 * Whether the module with this `import.meta` is the program being run
 * (`deno run cli.ts`, `bun cli.ts`, `node cli.js`, an npm `bin` link).
 *
 * @param meta The module's `import.meta`.
 * @returns `true` for the main module.
 */
export function isMainModule(meta: ImportMeta): boolean {
  const m = meta as ImportMeta & { main?: boolean; filename?: string };
  if (typeof m.main === "boolean") return m.main;
  const proc = (globalThis as {
    process?: {
      argv?: string[];
      getBuiltinModule?: (name: string) => unknown;
    };
  }).process;
  const script = proc?.argv?.[1];
  if (script === undefined) return false;
  const fs = proc?.getBuiltinModule?.("node:fs") as
    | { realpathSync(p: string): string }
    | undefined;
  const url = proc?.getBuiltinModule?.("node:url") as
    | { fileURLToPath(u: string): string }
    | undefined;
  if (fs === undefined || url === undefined) return false;
  try {
    const self = m.filename ?? url.fileURLToPath(meta.url);
    return fs.realpathSync(script) === fs.realpathSync(self);
  } catch {
    return false;
  }
}
