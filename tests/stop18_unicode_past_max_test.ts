/**
 * Stop 18: `U` data NumPy writes that no JS string holds. NumPy stores
 * UCS-4 code units without checking them: `np.frombuffer(codes, "<U2")`
 * and `np.save` make a file holding U+110000 (past Unicode), which
 * `np.load` reads into a broken Python string (`ord()` of it is a
 * `SystemError`), or a high and a low surrogate as two code points (a
 * two-character Python string, where a JS string "\ud800\udc00" is the one
 * code point U+10000, and is written back as it). Both read as other text
 * here (U+FFFD, U+10000): now a typed error naming the file, the code
 * points and the fix; the raw bytes stay readable, lone surrogates read as
 * before (as NumPy), and the file takes appends.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyReader,
  readNpySync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

function saved(codes: number[]): Uint8Array {
  return npSaveBytes(
    `np.frombuffer(np.array(${JSON.stringify(codes)}, "<u4").tobytes(), "<U${
      codes.length / 2
    }")`,
  );
}

test(
  "U code points past U+10FFFF, and surrogate pairs as two code points, are refused naming the file",
  numpyTestOptions(),
  async () => {
    const dir = tempDir();
    for (
      const [codes, what] of [
        [
          [0x61, 0, 0x110000, 0x62],
          "the code point \\U00110000, past U+10FFFF",
        ],
        [
          [0x61, 0, 0xd800, 0xdc00],
          "the surrogates \\ud800\\udc00 as two code points, which a JS string cannot tell from the one code point \\U00010000",
        ],
      ] as const
    ) {
      const path = join(dir, "u.npy");
      writeFileSync(path, saved([...codes]));
      assert.throws(() => readNpySync(path), (e: NpyFormatError) => {
        assert.ok(e instanceof NpyFormatError);
        assert.equal(e.code, "unsupported-dtype");
        assert.equal(e.file, path);
        assert.ok(
          e.message.startsWith(
            `Cannot read "${path}": a "<U2" string holds ${what}`,
          ),
          e.message,
        );
        assert.match(e.message, /read its raw bytes with readInto/);
        return true;
      });
      // The raw bytes are NumPy's; the first row reads; appends go on.
      const reader = await NpyReader.open(path);
      try {
        const raw = new Uint8Array(16);
        await reader.readInto(raw, 0, 2);
        assert.deepEqual(
          raw,
          new Uint8Array(new Uint32Array([...codes]).buffer),
        );
        assert.deepEqual((await reader.read(0, 1)).data, ["a"]);
      } finally {
        await reader.close();
      }
      const w = NpyAppendArraySync.open(path);
      w.append(["xy"]);
      w.close();
      const back = runPython(
        "import sys, numpy as np; a = np.load(sys.argv[1]); print(a.shape, a.view('<u4').tolist())",
        [path],
      );
      assert.equal(
        back.trim(),
        `(3,) [97, 0, ${codes[2]}, ${codes[3]}, 120, 121]`,
      );
    }
  },
);

test(
  "lone surrogates still read as NumPy reads them, and write back the same bytes",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const path = join(dir, "lone.npy");
    const bytes = saved([0xdc00, 0xd800, 0x10000, 0xd800]);
    writeFileSync(path, bytes);
    const got = readNpySync(path).data as string[];
    assert.deepEqual(got, ["\udc00\ud800", "\u{10000}\ud800"]);
    const out = join(dir, "again.npy");
    const w = NpyAppendArraySync.open(out, { dtype: "<U2" });
    w.append(got);
    w.close();
    assert.deepEqual(new Uint8Array(readFileSync(out)), bytes);
  },
);
