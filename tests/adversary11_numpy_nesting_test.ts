/**
 * Adversary round 11, NumPy exactness: structured dtypes nested deeply.
 * `np.save` writes, and `np.load` reads back, structs nested up to 99
 * levels; NumPy's only limit is Python's parser, which refuses a literal
 * of more than 200 nested brackets (`ast.literal_eval`: "too many nested
 * parentheses"), so 100 levels are saved but not loaded.
 *
 * Found before the fix: the library refused every file of more than 31
 * levels ("nesting too deep"; its literal parser stopped at 64 values
 * nested, its dtype at 32 levels), so a file NumPy made and reads could be
 * neither read nor appended to. Now the header parser stops where Python
 * stops, and a dtype (option or header) of more than 99 levels is refused,
 * since NumPy could not load what would be written.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  parseHeader,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const opts = numpyTestOptions();

// Levels: 31 held before; 32, 33, 50, 99 did not. `sub` puts a sub-array
// in the innermost field (one bracket more).
const LEVELS = [31, 32, 33, 50, 99];

/** Writes full/p0/p1 files per case with np.save; whether np.load reads. */
function numpyFiles(dir: string, levels: number[]): Record<string, boolean> {
  return JSON.parse(runPython(
    `import json, sys
import numpy as np
d = sys.argv[1]
out = {}
for k in json.loads(sys.argv[2]):
    for sub in (0, 1):
        dt = np.dtype([("a", "<i2", (2,))] if sub else [("a", "<i2")])
        for _ in range(k - 1):
            dt = np.dtype([("a", dt), ("b", "u1")])
        a = np.zeros(5, dt)
        a.view(np.uint8)[:] = np.arange(a.nbytes) % 251
        name = f"n{k}_{sub}"
        np.save(f"{d}/{name}_full.npy", a)
        np.save(f"{d}/{name}_p0.npy", a[:2])
        np.save(f"{d}/{name}_p1.npy", a[2:])
        try:
            np.load(f"{d}/{name}_full.npy")
            out[name] = True
        except ValueError:
            out[name] = False
print(json.dumps(out))`,
    [dir, JSON.stringify(levels)],
  ));
}

describe("adversary 11: structured dtypes nested as deeply as NumPy nests them", () => {
  test(
    "files np.save writes are read, rewritten and appended to byte for byte",
    opts,
    () => {
      const dir = tempDir();
      const loads = numpyFiles(dir, LEVELS);
      for (const [name, loaded] of Object.entries(loads)) {
        assert.equal(loaded, true, name);
        const full = join(dir, `${name}_full.npy`);
        const want = new Uint8Array(readFileSync(full));
        const arr = readNpySync(full);

        // A new file of the same dtype and rows: np.save's bytes.
        const mem = new MemoryFile();
        const w = NpyAppendArraySync.open(mem, { dtype: arr.dtype });
        w.append({ data: arr.data, shape: arr.shape });
        w.close();
        assert.deepEqual(mem.bytes(), want, name);

        // Appending to np.save's first rows: np.save of all rows.
        const grown = join(dir, `${name}_grown.npy`);
        copyFileSync(join(dir, `${name}_p0.npy`), grown);
        const rest = readNpySync(join(dir, `${name}_p1.npy`));
        const a = NpyAppendArraySync.open(grown);
        a.append({ data: rest.data, shape: rest.shape });
        a.close();
        assert.deepEqual(new Uint8Array(readFileSync(grown)), want, name);
      }
    },
  );

  test(
    "100 levels, which np.load refuses, are refused too, naming the file",
    opts,
    () => {
      const dir = tempDir();
      const loads = numpyFiles(dir, [100]);
      for (const [name, loaded] of Object.entries(loads)) {
        assert.equal(loaded, false, name);
        const full = join(dir, `${name}_full.npy`);
        const before = new Uint8Array(readFileSync(full));
        for (
          const use of [
            () => readNpySync(full),
            () => NpyAppendArraySync.open(full),
          ]
        ) {
          assert.throws(use, (e: unknown) => {
            assert.ok(e instanceof NpyFormatError, String(e));
            assert.ok(e.message.includes(full), e.message);
            assert.match(e.message, /more than 200 brackets nested/);
            return true;
          });
        }
        assert.deepEqual(new Uint8Array(readFileSync(full)), before);
      }
    },
  );

  test("the dtype option takes 99 levels and refuses 100, naming the fix", () => {
    const nested = (k: number): unknown => {
      let spec: unknown = "<i2";
      for (let i = 0; i < k; i++) spec = [["a", spec]];
      return spec;
    };
    assert.equal(parseDType(nested(99) as never).itemsize, 2);
    const mem = new MemoryFile();
    assert.throws(
      () => NpyAppendArraySync.open(mem, { dtype: nested(100) as never }),
      (e: unknown) =>
        e instanceof TypeError &&
        /nests more than 99 levels, which np\.load cannot read; flatten the inner fields$/
          .test(e.message),
    );
    assert.equal(mem.bytes().length, 0);
  });

  test(
    "header literals nest as many brackets as Python's parser takes",
    opts,
    () => {
      const texts = [199, 200, 201].map((n) =>
        "{'descr': '<i2', 'fortran_order': False, 'shape': (0,), 'x': " +
        "[".repeat(n - 1) + "1" + "]".repeat(n - 1) + "}"
      );
      const python: string[] = JSON.parse(runPython(
        `import ast, json, sys
out = []
for t in json.loads(sys.argv[1]):
    try:
        ast.literal_eval(t)
        out.append("ok")
    except SyntaxError:
        out.append("refused")
print(json.dumps(out))`,
        [JSON.stringify(texts)],
      ));
      assert.deepEqual(python, ["ok", "ok", "refused"]);
      const lib = texts.map((t) => {
        // The extra key 'x' is refused once parsed; what matters is whether
        // the parser got that far.
        try {
          parseHeader(headerBytes(t));
          return "ok";
        } catch (e) {
          assert.ok(e instanceof NpyFormatError, String(e));
          return /brackets nested/.test(e.message) ? "refused" : "ok";
        }
      });
      assert.deepEqual(lib, python);
    },
  );
});

/** A version 1.0 magic and header holding `text`, padded as NumPy pads. */
function headerBytes(text: string): Uint8Array {
  text += " ".repeat(63 - ((10 + text.length) % 64)) + "\n";
  const out = new Uint8Array(10 + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out[8] = text.length & 0xff;
  out[9] = text.length >> 8;
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}
