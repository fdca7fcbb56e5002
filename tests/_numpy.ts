/**
 * Test helper: runs NumPy (through `/usr/bin/python3`) to load and save
 * `.npy` files, and reads the fixture set in `tests/fixtures/`.
 *
 * Works under `deno test -A`, `bun test` and Node. The Python side of the
 * value encoding lives in `scripts/npy_json.py`, shared with the fixture
 * generator `scripts/gen_fixtures.py`; `runPython` puts `scripts/` on
 * `PYTHONPATH`, so code run through it can `import npy_json`.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The Python that has NumPy. */
export const PYTHON = "/usr/bin/python3";

const FIXTURES_DIR: string = fileURLToPath(
  new URL("./fixtures/", import.meta.url),
);
const SCRIPTS_DIR: string = fileURLToPath(
  new URL("../scripts/", import.meta.url),
);

/**
 * The variable naming the socket of `scripts/py_fork_server.py`, which
 * `scripts/test_all.ts` starts for the whole run. When it is set,
 * `runPython` runs its code through `scripts/py_fork_client.py`: in a fork
 * of a Python that has imported NumPy and Dask already, with this
 * process's stdin, stdout, stderr, folder and environment, as
 * `python3 -c` would (it falls back to `python3 -c` when the server is
 * gone). That saves the 0.2 s NumPy import (0.5 s for Dask) of each of
 * the suite's Python runs.
 */
export const PYTHON_SERVER_ENV = "NPY_TEST_PYTHON_SERVER";

const PYTHON_CLIENT = join(SCRIPTS_DIR, "py_fork_client.py");

/**
 * One item in the JSON value encoding (see tests/fixtures/README.md):
 * numbers, "nan"/"inf"/"-inf", decimal strings for 64-bit integers and
 * datetimes, byte lists for S and V, [re, im] pairs, objects for records.
 */
export type FixtureValue =
  | boolean
  | number
  | string
  | FixtureValue[]
  | { [field: string]: FixtureValue };

/** The contents of one `tests/fixtures/NAME.json`. */
export interface FixtureInfo {
  /** NAME, the file stem. */
  name: string;
  /** `NAME.npy`, relative to the fixtures folder. */
  file: string;
  /** Format version from the magic, `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  version: [number, number];
  /** Offset of the data: magic + length field + header text. */
  header_len: number;
  /** The header's descr value as Python repr text: `"'<f8'"`, `"[('a', '<f4')]"`. */
  descr: string;
  /** The descr as the library's `dtype` getter gives it: `"<f8"`, `"[('a', '<f4')]"`. */
  dtype: string;
  /** `np.dtype.str`, e.g. `"<f8"`, `"|V12"` for records. */
  dtype_str: string;
  /** Bytes per item. */
  itemsize: number;
  /** Shape from the header. */
  shape: number[];
  /** `fortran_order` from the header. */
  fortran_order: boolean;
  /** Length of the header NumPy >= 1.23 would write for the same dict. */
  numpy_header_len: number;
  /** The Python package's rule: `numpy_header_len <= header_len`. */
  appendable: boolean;
  /** `"np.save"`, or `"hand"` for headers written by the generator itself. */
  made_by: "np.save" | "hand";
  /** What is special about a hand-made or unusual fixture. */
  note?: string;
  /** Present (true) for the object-dtype fixture, whose values are null. */
  object?: boolean;
  /** Always `"scripts/gen_fixtures.py"`. */
  generator: string;
  /** `arr.flatten(order="C")`, encoded per item; null for object dtype. */
  values: FixtureValue[] | null;
}

/** What `npLoadJson` returns for one file. */
export interface NpJson {
  /** Descr as the library's `dtype` getter gives it (`"<f8"`, or the repr of a list). */
  dtype: string;
  /** The descr as Python repr text, as in the fixture JSON. */
  descr: string;
  /** `np.dtype.str` of the loaded array. */
  dtype_str: string;
  /** Shape of the loaded array. */
  shape: number[];
  /** `fortran_order` from the header. */
  fortran_order: boolean;
  /** Items in logical C order, encoded as in the fixture JSON; null for object dtype. */
  values: FixtureValue[] | null;
}

type Env = Record<string, string | undefined>;

interface RuntimeGlobals {
  process?: { env?: Env };
  Deno?: {
    env: { get(key: string): string | undefined; toObject(): Env };
  };
}

const runtime = globalThis as unknown as RuntimeGlobals;

function envGet(key: string): string | undefined {
  try {
    const value = runtime.process?.env?.[key];
    if (value !== undefined) return value;
  } catch (_) {
    // no access to the environment
  }
  try {
    return runtime.Deno?.env.get(key);
  } catch (_) {
    return undefined;
  }
}

function envAll(): Env {
  try {
    const env = runtime.process?.env;
    if (env !== undefined) return { ...env };
  } catch (_) {
    // no access to the environment
  }
  try {
    return runtime.Deno?.env.toObject() ?? {};
  } catch (_) {
    return {};
  }
}

let numpyFound: boolean | undefined;

/** Whether `/usr/bin/python3 -c "import numpy"` succeeds (checked once). */
export function hasNumpy(): boolean {
  if (numpyFound === undefined) {
    try {
      const res = spawnSync(PYTHON, ["-c", "import numpy"], {
        stdio: ["ignore", "ignore", "ignore"],
      });
      numpyFound = res.status === 0;
    } catch (_) {
      numpyFound = false;
    }
  }
  return numpyFound;
}

/**
 * Options for `test(name, options, fn)` of tests that need NumPy: `{}` when
 * NumPy is there, or when it is not but `CI` is set (the test then fails
 * loudly); otherwise a `skip` reason.
 */
export function numpyTestOptions(): { skip?: string } {
  if (hasNumpy()) return {};
  const ci = envGet("CI");
  if (ci !== undefined && ci !== "") return {};
  return {
    skip: `NumPy not found at ${PYTHON} (apt-get install python3-numpy)`,
  };
}

function runPythonBytes(
  code: string,
  args: string[] = [],
  input?: Uint8Array,
): Uint8Array {
  const env = envAll();
  const path = env["PYTHONPATH"];
  env["PYTHONPATH"] = path ? `${SCRIPTS_DIR}:${path}` : SCRIPTS_DIR;
  env["PYTHONIOENCODING"] = "utf-8";
  const server = env[PYTHON_SERVER_ENV];
  const res = spawnSync(
    PYTHON,
    server
      ? ["-S", "-E", PYTHON_CLIENT, server, "-c", code, ...args]
      : ["-c", code, ...args],
    {
      input: input ?? new Uint8Array(0),
      env,
      maxBuffer: 1 << 30,
    },
  );
  if (res.error) {
    throw new Error(`Cannot run ${PYTHON}: ${res.error.message}`);
  }
  const stderr = res.stderr ? new TextDecoder().decode(res.stderr) : "";
  if (res.status !== 0) {
    const how = res.status === null
      ? `signal ${res.signal}`
      : `exit code ${res.status}`;
    throw new Error(`Python failed (${how}):\n${stderr}`);
  }
  const out = res.stdout;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Run `PYTHON -c code ...args` with `input` on stdin and return stdout as
 * text. `scripts/` is on `PYTHONPATH` (`import npy_json` works). Throws an
 * Error holding stderr when Python exits non-zero.
 */
export function runPython(
  code: string,
  args?: string[],
  input?: Uint8Array,
): string {
  return new TextDecoder().decode(runPythonBytes(code, args, input));
}

const SLICE_HASH_CODE = `
import sys, json, hashlib
import numpy as np
if sys.argv[3]:
    np.save(sys.argv[1], eval(sys.argv[3]))
a = np.load(sys.argv[1], mmap_mode="r")
fortran = a.flags.f_contiguous and not a.flags.c_contiguous
out = []
for s, e in json.loads(sys.argv[2]):
    x = a[..., s:e] if fortran else a[s:e]
    x = x.astype(x.dtype.newbyteorder("="))
    out.append([list(x.shape), hashlib.sha256(x.tobytes(order="F" if fortran else "C")).hexdigest()])
print(json.dumps(out))
`;

/**
 * NumPy's slices `[start, end)` along the growth axis of the `.npy` file at
 * `path` (the last axis for Fortran order), each as its shape and the
 * SHA-256 of its bytes in native byte order (Fortran order for Fortran
 * files). With `saveExpr`, `np.save(path, eval(saveExpr))` runs first.
 */
export function npSliceHashes(
  path: string,
  ranges: readonly (readonly [number, number | null])[],
  saveExpr = "",
): [number[], string][] {
  return JSON.parse(
    runPython(SLICE_HASH_CODE, [path, JSON.stringify(ranges), saveExpr]),
  );
}

const LOAD_CODE = `
import sys, warnings
import npy_json
warnings.simplefilter("ignore")
for p in sys.argv[1:]:
    sys.stdout.buffer.write((npy_json.dumps(npy_json.describe(p)) + "\\n").encode("utf-8"))
`;

/**
 * Load `.npy` files with NumPy (mmap_mode="r" unless the dtype holds
 * objects, no header size cap) in one Python process, and return each as
 * in the fixture JSON encoding.
 */
export function npLoadJsonMany(paths: string[]): NpJson[] {
  if (paths.length === 0) return [];
  const out = runPython(LOAD_CODE, paths);
  return out.split("\n").filter((line) => line !== "").map((line) =>
    JSON.parse(line) as NpJson
  );
}

/**
 * Load a `.npy` file with NumPy (mmap_mode="r" unless the dtype holds
 * objects) and return dtype, shape, fortran_order and the values in the
 * fixture JSON encoding (logical C order).
 */
export function npLoadJson(path: string): NpJson {
  const [result] = npLoadJsonMany([path]);
  if (result === undefined) throw new Error(`No output for ${path}`);
  return result;
}

const SAVE_CODE = `
import io, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
arr = eval(sys.argv[1], {"np": np, "numpy": np})
buf = io.BytesIO()
np.save(buf, arr)
sys.stdout.buffer.write(buf.getvalue())
`;

/**
 * The bytes `np.save` writes for a NumPy expression, evaluated with
 * `np` (numpy) in scope, e.g. `npSaveBytes("np.arange(3.0)")`.
 */
export function npSaveBytes(pythonExpr: string): Uint8Array {
  return runPythonBytes(SAVE_CODE, [pythonExpr]);
}

/** The prefix of `tempDir()`'s directories; the process id follows it. */
const TEMP_PREFIX = "npy-append-array-test-";

let swept = false;

/**
 * A fresh temporary directory under `os.tmpdir()`, named with this
 * process's id. The first call of a process removes those of processes
 * that have ended: test runners give no exit hook that Deno, Bun and Node
 * all run, and runs of the suite had left 80,000 directories in `/tmp`,
 * which every Bun start there listed.
 */
export function tempDir(): string {
  if (!swept) {
    swept = true;
    sweepTempDirs();
  }
  return mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
}

/** Removes `tempDir()`'s directories of ended processes. */
function sweepTempDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^npy-append-array-test-(\d+)-/.exec(name)?.[1]);
    if (!(pid > 0) || pid === process.pid || alive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Still mounted (a failed full-disk test's file system): left.
    }
  }
}

/**
 * Whether the process `pid` may run (signal 0 checks without sending):
 * only `ESRCH` says it has ended.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH";
  }
}

/** Absolute path of `tests/fixtures/NAME.npy` (NAME with or without `.npy`). */
export function fixturePath(name: string): string {
  return join(FIXTURES_DIR, name.endsWith(".npy") ? name : `${name}.npy`);
}

/** The bytes of `tests/fixtures/NAME.npy`. */
export function fixtureBytes(name: string): Uint8Array {
  const buf = readFileSync(fixturePath(name));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Every `tests/fixtures/*.json`, parsed, sorted by file name. */
export function listFixtures(): FixtureInfo[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) =>
      JSON.parse(readFileSync(join(FIXTURES_DIR, f), "utf8")) as FixtureInfo
    );
}
