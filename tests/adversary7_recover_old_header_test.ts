/**
 * Adversary 7: `recover` of headers without room to grow (NumPy < 1.23,
 * padded to 16 bytes, versions 1 to 3, unicode names) rewritten in place,
 * under kills and on a full disk; NumPy loads every result with the right
 * values, and a refused or failed call changes no byte.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendableSync,
  isAppendableSync,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { killPoints } from "./_kill_at.ts";
import { scriptCommand } from "./_runtime.ts";
import { fillDisk, tmpfsTestOptions, withTmpfs } from "./_tmpfs.ts";

/**
 * A file as an old NumPy wrote it: `text` padded with spaces so that the
 * header is a multiple of 16 bytes long (no growth room), then `data`.
 */
function oldFile(text: string, data: Uint8Array, version = 1): Uint8Array {
  const body = version === 3
    ? new TextEncoder().encode(text)
    : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const prefix = version === 1 ? 10 : 12;
  let total = prefix + body.length + 1;
  total += (16 - (total % 16)) % 16;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, total - 10, true);
  else view.setUint32(8, total - 12, true);
  out.fill(0x20, prefix, total - 1);
  out.set(body, prefix);
  out[total - 1] = 0x0a;
  out.set(data, total);
  return out;
}

/** `n` float64 values 0 .. n-1, little-endian. */
function f8(n: number): Uint8Array {
  return new Uint8Array(Float64Array.from({ length: n }, (_, i) => i).buffer);
}

/** The values NumPy loads, as a flat list of numbers. */
function npValues(path: string): unknown {
  return JSON.parse(
    runPython(
      "import sys, json, numpy as np; a = np.load(sys.argv[1]); print(json.dumps([a.shape, a.dtype.str, a.ravel().tolist()]))",
      [path],
    ),
  );
}

const CHILD = scriptCommand(new URL("./_adversary6_child.ts", import.meta.url));

describe("adversary 7: recover of headers without room", () => {
  test(
    "old headers of every version take the counted shape; NumPy reads the values",
    numpyTestOptions(),
    () => {
      const dir = tempDir();
      const cases: [string, Uint8Array, unknown][] = [
        // 12 rows where the header says 3; the extra digit fits the padding.
        [
          "v1.npy",
          oldFile(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
            new Uint8Array([...f8(12), 1, 2, 3]),
          ),
          [[12], "<f8", Array.from({ length: 12 }, (_, i) => i)],
        ],
        [
          "v2.npy",
          oldFile(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99,), }",
            f8(100),
            2,
          ),
          [[100], "<f8", Array.from({ length: 100 }, (_, i) => i)],
        ],
        // Unicode names (version 3, UTF-8); 9 rows said, 11 held.
        [
          "v3.npy",
          oldFile(
            "{'descr': [('é', '<i2'), ('ü', '<i2')], 'fortran_order': False, 'shape': (9,), }",
            new Uint8Array(Int16Array.from({ length: 22 }, (_, i) => i).buffer),
            3,
          ),
          [[11], "|V4", []],
        ],
        // Python 2's long suffix, and a Fortran-order file cut short.
        [
          "py2.npy",
          oldFile(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }",
            f8(10),
          ),
          [[10], "<f8", Array.from({ length: 10 }, (_, i) => i)],
        ],
        [
          "fortran.npy",
          oldFile(
            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 10), }",
            f8(19),
          ),
          [[2, 9], "<f8", [
            0,
            2,
            4,
            6,
            8,
            10,
            12,
            14,
            16,
            1,
            3,
            5,
            7,
            9,
            11,
            13,
            15,
            17,
          ]],
        ],
      ];
      for (const [name, bytes, want] of cases) {
        const path = join(dir, name);
        writeFileSync(path, bytes);
        assert.equal(recoverSync(path), true, name);
        const got = npValues(path) as [number[], string, number[]];
        if (name === "v3.npy") {
          assert.deepEqual(got[0], (want as [number[]])[0], name);
          const np = npLoadJson(path);
          assert.deepEqual(np.shape, [11], name);
          assert.equal(readFileSync(path).length, bytes.length - 0, name);
        } else assert.deepEqual(got, want, name);
        assert.equal(isAppendableSync(path), false, `${name} keeps no room`);
        ensureAppendableSync(path);
        assert.deepEqual(readNpySync(path).shape, got[0], name);
      }
    },
  );

  test("a header whose new text does not fit is refused with no byte changed", () => {
    const dir = tempDir();
    // Written without spaces (not NumPy's spelling): NumPy's is longer.
    for (
      const text of [
        "{'descr':'<f8','fortran_order':False,'shape':(3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }    ",
      ]
    ) {
      const path = join(dir, "tight.npy");
      // Exactly as long as its text: no padding at all.
      const body = Uint8Array.from(text.trimEnd(), (c) => c.charCodeAt(0));
      const bytes = new Uint8Array(10 + body.length + 1 + 8 * 12);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(bytes.buffer).setUint16(8, body.length + 1, true);
      bytes.set(body, 10);
      bytes[10 + body.length] = 0x0a;
      bytes.set(f8(12), 11 + body.length);
      writeFileSync(path, bytes);
      assert.throws(
        () => recoverSync(path, { zerofillIncomplete: true }),
        (e: Error) =>
          e instanceof RangeError &&
          e.message ===
            `Cannot recover ${
              JSON.stringify(path)
            }: its header has no room to grow; call ensureAppendable first`,
      );
      assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
    }
  });

  test(
    "a kill at every file call of recover leaves the old file or the recovered one",
    { ...numpyTestOptions(), timeout: 300_000 },
    () => {
      const original = oldFile(
        "{'descr': [('é', '<f8')], 'fortran_order': False, 'shape': (10,), }",
        new Uint8Array([...f8(12), 9, 9, 9]),
        3,
      );
      const dir = tempDir();
      const done = join(dir, "done.npy");
      writeFileSync(done, original);
      recoverSync(done);
      const recovered = new Uint8Array(readFileSync(done));
      assert.equal(recovered.length, original.length - 3);
      let through = false;
      for (const n of killPoints(1, 50)) {
        if (through) break;
        const path = join(dir, `k${n}.npy`);
        writeFileSync(path, original);
        const r = spawnSync(
          CHILD[0],
          [...CHILD[1], String(n), "recover", path],
          {
            encoding: "utf8",
          },
        );
        through = r.stdout.includes("exit 0");
        if (!through) assert.equal(r.signal, "SIGKILL", r.stderr);
        const after = new Uint8Array(readFileSync(path));
        const same = (b: Uint8Array) =>
          b.length === after.length && b.every((x, i) => x === after[i]);
        // The cut first, then the header (adversary round 9: a file object
        // that cannot truncate fails before any byte changes): a kill
        // between leaves the old header over the whole rows, which
        // recover repairs again.
        assert.ok(
          same(original) || same(recovered) ||
            same(original.subarray(0, original.length - 3)),
          `kill after call ${n}`,
        );
        recoverSync(path);
        assert.deepEqual(new Uint8Array(readFileSync(path)), recovered);
        assert.deepEqual(npLoadJson(path).shape, [12]);
        rmSync(path);
      }
      assert.ok(through, "the child got through");
    },
  );

  // Writes past the end on a disk with room for only part of them (the
  // file ends 8 bytes before a page the disk does not have): the file is
  // cut back, as if the call had not run.
  const rows125 =
    "{'descr': '<f8', 'fortran_order': False, 'shape': (8, 125), }";
  const diskCases: [string, string, (path: string) => unknown, number[]][] = [
    [
      "recover zero-filling an old header's last row",
      rows125,
      (p) => recoverSync(p, { zerofillIncomplete: true }),
      [9, 125],
    ],
    [
      "recover zero-filling a new header's last row",
      rows125 + " ".repeat(40),
      (p) => recoverSync(p, { zerofillIncomplete: true }),
      [9, 125],
    ],
    [
      "recover zero-filling an old version 3 header's last row",
      "{'descr': [('é', '<f8', (125,))], 'fortran_order': False, 'shape': (8,), }",
      (p) => recoverSync(p, { zerofillIncomplete: true }),
      [9],
    ],
  ];
  for (const [what, text, call, shape] of diskCases) {
    test(
      `${what} on a full disk fails with the file as it was`,
      tmpfsTestOptions(60_000),
      withTmpfs("size=2m", (dir) => {
        const path = join(dir, "x.npy");
        const header = oldFile(
          text,
          new Uint8Array(0),
          text.includes("é") ? 3 : 1,
        );
        const data = new Uint8Array(8184 - header.length).map((_, i) =>
          i % 251
        );
        const bytes = new Uint8Array([...header, ...data]);
        writeFileSync(path, bytes);
        // Room for the lock file, not for the writes.
        const filler = fillDisk(dir, 4096);
        assert.throws(
          () => call(path),
          (e: Error & { code?: string }) =>
            e.code === "ENOSPC" && e.message.includes(path),
        );
        assert.deepEqual(
          new Uint8Array(readFileSync(path)),
          bytes,
          "no byte changed",
        );
        rmSync(filler);
        call(path);
        const back = readNpySync(path);
        assert.deepEqual(back.shape, shape);
        const whole = new Uint8Array(9000);
        whole.set(data.subarray(0, Math.min(data.length, whole.length)));
        const got = back.data as Float64Array | { [k: string]: unknown }[];
        if (got instanceof Float64Array) {
          assert.deepEqual(new Uint8Array(got.buffer), whole);
        }
        assert.deepEqual(npLoadJson(path).shape, shape);
      }),
    );
  }
});
