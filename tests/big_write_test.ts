/**
 * Writes larger than 2 GiB (issue 12, item 5): the I/O step layer splits
 * every write into pieces of at most 1 GiB, since Node's `fs.writeSync`
 * (and so Deno's and Bun's node:fs) refuses 2 GiB or more. A counting
 * file checks the pieces of a first append, a later append, an fsync
 * append and a `bufferBytes` flush; one real 2.5 GiB append goes to disk
 * (set `NPY_SKIP_BIG_DISK=1` to skip it on a small disk).
 */

import { asyncOnly } from "./_faulty_file.ts";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  type FileLike,
  type FileLikeSync,
  NpyAppendArray,
  type NpyAppendArrayOptions,
  NpyAppendArraySync,
  parseHeader,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const GiB = 2 ** 30;
const HEADER = 128;

interface Call {
  op: "write" | "truncate" | "sync";
  length: number;
  position: number;
}

/**
 * A file that keeps only its first 4 KiB (the header) and counts every
 * call, so that gigabytes cost no memory.
 */
class CountingFile {
  calls: Call[] = [];
  size = 0;
  head = new Uint8Array(4096);

  sync(): FileLikeSync {
    return {
      readSync: (b, p) => {
        const part = this.head.subarray(p, Math.min(this.size, p + b.length));
        b.set(part);
        return part.length;
      },
      writeSync: (b, p) => {
        this.calls.push({ op: "write", length: b.length, position: p });
        if (p < this.head.length) {
          this.head.set(b.subarray(0, this.head.length - p), p);
        }
        this.size = Math.max(this.size, p + b.length);
      },
      sizeSync: () => this.size,
      truncateSync: (n) => {
        this.calls.push({ op: "truncate", length: n, position: 0 });
        this.size = n;
      },
      syncSync: () => {
        this.calls.push({ op: "sync", length: 0, position: 0 });
      },
    };
  }

  /** The asynchronous interface only (the writer takes its async path). */
  async(): FileLike {
    return asyncOnly(this.sync());
  }

  writes(): Array<[number, number]> {
    return this.calls.filter((c) => c.op === "write").map((
      c,
    ) => [c.length, c.position]);
  }
}

/** The pieces of a write of `n` bytes at `at`. */
function pieces(n: number, at: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let done = 0; done < n; done += GiB) {
    out.push([Math.min(GiB, n - done), at + done]);
  }
  return out;
}

type Open = (
  c: CountingFile,
  o?: NpyAppendArrayOptions,
) => Promise<{
  append(a: Uint8Array): Promise<void> | void;
  updateHeader(): Promise<void> | void;
  close(): Promise<void> | void;
  readonly shape: number[];
}>;

const OPENERS: Array<[string, Open]> = [
  ["sync", (c, o) => Promise.resolve(NpyAppendArraySync.open(c.sync(), o))],
  ["async on a FileLike", (c, o) => NpyAppendArray.open(c.async(), o)],
];

describe("writes over 1 GiB go in pieces of at most 1 GiB", () => {
  const big = 2.5 * GiB;
  for (const [name, open] of OPENERS) {
    test(`${name}: a first append of 2.5 GiB creates the file`, async () => {
      const c = new CountingFile();
      const npy = await open(c);
      await npy.append(new Uint8Array(big));
      await npy.close();
      assert.deepEqual(c.writes(), [
        [HEADER, 0], // the header for no rows
        ...pieces(big, HEADER),
        [HEADER, 0],
      ]);
      assert.equal(c.size, HEADER + big);
      assert.deepEqual(parseHeader(c.head).shape, [big]);
    });

    test(`${name}: a later append of 2.5 GiB, then fsync`, async () => {
      for (const fsync of [false, true]) {
        const c = new CountingFile();
        const npy = await open(c, { fsync });
        await npy.append(new Uint8Array(16));
        c.calls = [];
        await npy.append(new Uint8Array(big));
        assert.deepEqual(c.writes(), [
          ...pieces(big, HEADER + 16),
          [HEADER, 0],
        ]);
        assert.deepEqual(
          c.calls.map((x) => x.op),
          [
            "write",
            "write",
            "write",
            ...(fsync ? ["sync"] : []),
            "write",
            ...(fsync ? ["sync"] : []),
          ],
        );
        assert.deepEqual(parseHeader(c.head).shape, [big + 16]);
      }
    });

    test(`${name}: a bufferBytes flush of 1200 MiB`, async () => {
      const c = new CountingFile();
      const npy = await open(c, {
        rewriteHeaderOnAppend: false,
        bufferBytes: 1.25 * GiB,
      });
      await npy.append(new Uint8Array(8));
      c.calls = [];
      const part = new Uint8Array(600 * 2 ** 20);
      await npy.append(part);
      await npy.append(part);
      assert.deepEqual(c.writes(), []);
      await npy.updateHeader();
      assert.deepEqual(c.writes(), [
        ...pieces(1200 * 2 ** 20, HEADER + 8),
        [HEADER, 0],
      ]);
      assert.deepEqual(npy.shape, [8 + 1200 * 2 ** 20]);
      await npy.close();
    });
  }
});

function enoughDisk(dir: string, bytes: number): boolean {
  if (process.env.NPY_SKIP_BIG_DISK === "1") return false;
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize > bytes * 1.5;
  } catch {
    return true; // no statfs here: try
  }
}

describe("a real 2.5 GiB append on disk", () => {
  const dir = tempDir();
  const skip = !enoughDisk(dir, 2.5 * GiB);
  for (const mode of ["sync", "async"] as const) {
    test(`${mode} writer: size and values at the end`, {
      skip: skip && "NPY_SKIP_BIG_DISK=1 or not enough free disk",
      timeout: 300_000,
    }, async () => {
      const p = join(dir, `big_${mode}.npy`);
      try {
        const n = 2.5 * GiB / 4;
        const array = new Float32Array(n);
        // Pages never written stay zero and cost no memory; mark a sample.
        const marks = [
          0,
          1,
          GiB / 4 - 1,
          GiB / 4,
          GiB / 4 + 1,
          2 * GiB / 4,
          n - 2,
          n - 1,
        ];
        marks.forEach((i, k) => array[i] = k + 0.5);
        if (mode === "sync") {
          const npy = NpyAppendArraySync.open(p);
          npy.append(array);
          npy.append(new Float32Array([7.25]));
          npy.close();
        } else {
          const npy = await NpyAppendArray.open(p);
          await npy.append(array);
          await npy.append(new Float32Array([7.25]));
          await npy.close();
        }
        assert.equal(fs.statSync(p).size, HEADER + (n + 1) * 4);
        const fd = fs.openSync(p, "r");
        try {
          const head = new Uint8Array(HEADER);
          fs.readSync(fd, head, 0, HEADER, 0);
          const h = parseHeader(head);
          assert.deepEqual(h.shape, [n + 1]);
          assert.equal(h.dtype.str, "<f4");
          const one = new Float32Array(1);
          const u8 = new Uint8Array(one.buffer);
          const at = (i: number) => {
            fs.readSync(fd, u8, 0, 4, HEADER + i * 4);
            return one[0];
          };
          marks.forEach((i, k) => assert.equal(at(i), k + 0.5, `index ${i}`));
          assert.equal(at(12345), 0);
          assert.equal(at(n), 7.25);
        } finally {
          fs.closeSync(fd);
        }
      } finally {
        fs.rmSync(p, { force: true });
      }
    });
  }
  test("clean up", () => fs.rmSync(dir, { recursive: true, force: true }));
});
