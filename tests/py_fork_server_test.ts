/**
 * The tests' Python fork server (`scripts/py_fork_server.py` and its
 * client): a run through it must give what `python3 -c` gives, stdout
 * bytes, stderr, exit status and signal, argv, stdin, folder, umask and
 * environment, and fall back to `python3 -c` when the server is gone.
 * Each test starts its own server, owned by this process.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { numpyTestOptions, PYTHON, tempDir } from "./_numpy.ts";

const SCRIPTS = fileURLToPath(new URL("../scripts/", import.meta.url));
const SERVER = join(SCRIPTS, "py_fork_server.py");
const CLIENT = join(SCRIPTS, "py_fork_client.py");

/** Starts a server; resolves to its socket and a stop function. */
async function startServer(): Promise<{ socket: string; stop(): void }> {
  const socket = join(tempDir(), "socket");
  const child = spawn(PYTHON, [SERVER, socket, String(process.pid)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PYTHONIOENCODING: "utf-8" },
  });
  await new Promise<void>((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`server exited: ${code}`)));
    child.stdout!.on("data", (c: Uint8Array) => {
      if (new TextDecoder().decode(c).includes("ready")) resolve();
    });
  });
  child.stdout!.destroy();
  return { socket, stop: () => child.kill() };
}

interface Run {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** `python3 -c code args` directly, or through the client with `socket`. */
function run(
  socket: string | null,
  code: string,
  args: string[] = [],
  opts: { input?: string; cwd?: string; env?: Record<string, string> } = {},
): Run {
  const argv = socket === null
    ? ["-c", code, ...args]
    : ["-S", "-E", CLIENT, socket, "-c", code, ...args];
  const r = spawnSync(PYTHON, argv, {
    input: opts.input ?? "",
    cwd: opts.cwd,
    env: { ...process.env, PYTHONIOENCODING: "utf-8", ...opts.env },
    encoding: "utf8",
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/** Scripts whose runs must be the same through the server and without. */
const SAME: Array<[string, string, string[], string?]> = [
  ["argv", "import sys; print(sys.argv)", ["a", "b c", ""]],
  [
    "stdin bytes",
    "import sys; print(sys.stdin.buffer.read().hex())",
    [],
    "é\n\x00x",
  ],
  [
    "stdout bytes and a NumPy value",
    "import sys, numpy as np; sys.stdout.buffer.write(np.arange(3, dtype='<i2').tobytes()); print('é')",
    [],
  ],
  ["exit code", "import sys; print('out'); sys.exit(7)", []],
  ["exit with a message", "import sys; sys.exit('bad thing')", []],
  ["an exception", "raise ValueError('no')", []],
  ["a signal", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", []],
  [
    "umask and folder",
    "import os; m = os.umask(0); print(oct(m), os.getcwd())",
    [],
  ],
  ["environment", "import os; print(os.environ.get('X_FORK_TEST'))", []],
  [
    "Dask",
    "import dask.array as da; print(int(da.arange(10, chunks=3).sum().compute()))",
    [],
  ],
  [
    "a subprocess",
    "import subprocess; print(subprocess.run(['true']).returncode)",
    [],
  ],
];

describe("the tests' Python fork server", () => {
  test(
    "runs through it give what python3 -c gives",
    { ...numpyTestOptions(), timeout: 120_000 },
    async () => {
      const server = await startServer();
      const cwd = tempDir();
      try {
        for (const [what, code, args, input] of SAME) {
          const opts = {
            ...(input === undefined ? {} : { input }),
            cwd,
            env: { X_FORK_TEST: "yes" },
          };
          const direct = run(null, code, args, opts);
          const forked = run(server.socket, code, args, opts);
          // Tracebacks name the file: "<string>" both ways.
          assert.deepEqual(forked, direct, what);
        }
        // Each run gets fresh NumPy random numbers, as a new process would.
        const draw = "import numpy as np; print(np.random.rand())";
        assert.notEqual(
          run(server.socket, draw).stdout,
          run(server.socket, draw).stdout,
        );
      } finally {
        server.stop();
      }
    },
  );

  test(
    "without a server the client runs python3 -c itself",
    numpyTestOptions(),
    () => {
      const gone = join(tempDir(), "no-socket");
      assert.equal(existsSync(gone), false);
      const r = run(gone, "import sys; print(sys.argv); sys.exit(3)", ["x"]);
      assert.deepEqual(r, {
        status: 3,
        signal: null,
        stdout: "['-c', 'x']\n",
        stderr: "",
      });
    },
  );
});
