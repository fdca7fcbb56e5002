// A short, seeded run of the fuzzer in scripts/fuzz.ts (which runs
// 100,000 cases and more): hostile files end in a result, an
// NpyFormatError or a RangeError of the library, never another exception.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  encodeHeader,
  MemoryFile,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyFormatError,
  parseHeader,
  readNpy,
  readNpySync,
} from "../mod.ts";
import {
  asyncOnly,
  frameHeader,
  isAllowedError,
  loadMaintenance,
  runFuzz,
  writerSeeds,
} from "./_fuzz.ts";

// 8 runs of 400 cases (small enough for bun's default 5 s per test).
const CASES = 400;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

function seeds(): Uint8Array[] {
  const dir = fileURLToPath(new URL("./fixtures/", import.meta.url));
  const out: Uint8Array[] = [];
  try {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith(".npy")) {
        out.push(new Uint8Array(readFileSync(join(dir, name))));
      }
    }
  } catch {
    // no fixtures yet: the writer's files alone
  }
  return [...out, ...writerSeeds()];
}

function withData(text: string, dataBytes: number): Uint8Array {
  const header = frameHeader(text);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header);
  return out;
}

describe("fuzz", () => {
  for (const seed of SEEDS) {
    test(`${CASES} mutated and made-up files, seed ${seed}`, {
      timeout: 60_000,
    }, async () => {
      const report = await runFuzz({
        seeds: seeds(),
        cases: CASES,
        seed,
        maintenance: await loadMaintenance(),
        // The bounds of scripts/fuzz.ts (1 s, 100 MiB), looser on time for
        // loaded CI machines.
        slowMs: 5000,
        maxCaseBytes: 100 * 2 ** 20,
      });
      assert.deepEqual(
        report.failures.map((f) =>
          `case ${f.index}: ${f.what}: ${f.error} (file ${f.file})`
        ),
        [],
      );
      // The run reached past the parser: some files were read and opened.
      assert.ok((report.outcomes["readNpySync: ok"] ?? 0) > CASES / 50);
      // Record files (a quarter of the cases) get read too, several
      // records included.
      assert.ok((report.outcomes["readNpyRecordsSync: ok"] ?? 0) > CASES / 50);
    });
  }
});

describe("hostile sizes fail before allocating", () => {
  // Each file is a few hundred bytes; each header claims far more.
  const huge: Array<[string, string]> = [
    ["shape (2**60,)", "(1152921504606846976,)"],
    ["shape (2**53,)", "(9007199254740992,)"],
    ["shape (10**400,)", `(1${"0".repeat(400)},)`],
    ["shape (2**26, 2**26, 2**26)", "(67108864, 67108864, 67108864)"],
    ["shape (2**40, 2**10) of f8, a safe byte count", "(1099511627776, 1024)"],
    ["shape (2**31,) of f8", "(2147483648,)"],
  ];
  for (const [name, shape] of huge) {
    const text =
      `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
    test(`readNpy on ${name}`, async () => {
      const bytes = withData(text, 200);
      assert.ok(bytes.length < 1024);
      assert.throws(() => readNpySync(new MemoryFile(bytes)), NpyFormatError);
      await assert.rejects(readNpy(new MemoryFile(bytes)), NpyFormatError);
      await assert.rejects(
        readNpy(asyncOnly(new MemoryFile(bytes))),
        NpyFormatError,
      );
      // allowIncomplete reads what the data holds: nothing
      try {
        const got = readNpySync(new MemoryFile(bytes), {
          allowIncomplete: true,
        });
        const items = got.shape.reduce((a, b) => a * b, 1);
        assert.ok(items * 8 <= 200, `read ${items} items from 200 bytes`);
      } catch (e) {
        assert.ok(isAllowedError(e), String(e));
      }
    });
    test(`open on ${name}`, async () => {
      const bytes = withData(text, 200);
      assert.throws(
        () => NpyAppendArraySync.open(new MemoryFile(bytes)),
        (e) => isAllowedError(e),
      );
      await assert.rejects(
        NpyAppendArray.open(asyncOnly(new MemoryFile(bytes))),
        (e) => isAllowedError(e),
      );
    });
  }

  const zeroSize: Array<[string, string]> = [
    ["|V0", "(2147483648,)"],
    ["|S0", "(4294967296,)"],
    ["[]", "(1099511627776,)"],
    ["[('a', '<f4', (0,))]", "(9007199254740991,)"],
  ];
  for (const [descr, shape] of zeroSize) {
    test(`readNpy on zero-byte items ${descr} with shape ${shape}`, () => {
      const bytes = withData(
        `{'descr': ${
          descr.startsWith("[") ? descr : `'${descr}'`
        }, 'fortran_order': False, 'shape': ${shape}, }`,
        0,
      );
      assert.throws(
        () => readNpySync(new MemoryFile(bytes)),
        (e: unknown) =>
          e instanceof NpyFormatError && /zero bytes per item/.test(e.message),
      );
    });
  }

  test("a structured field of 2**60 elements", () => {
    const bytes = withData(
      "{'descr': [('a', '<f8', (1152921504606846976,))], 'fortran_order': False, 'shape': (1,), }",
      64,
    );
    assert.throws(() => parseHeader(bytes), NpyFormatError);
    assert.throws(() => readNpySync(new MemoryFile(bytes)), NpyFormatError);
  });

  test("a header length field of 4 GiB", () => {
    const bytes = encodeHeader({
      dtype: "<f8",
      fortranOrder: false,
      shape: [1],
    });
    const v2 = new Uint8Array(bytes.length + 2);
    v2.set(bytes.subarray(0, 8));
    v2[6] = 2;
    new DataView(v2.buffer).setUint32(8, 0xffffffff, true);
    v2.set(bytes.subarray(10), 12);
    // The file is 130 bytes: a reader says it is cut short (stop 23, h4),
    // parseHeader (given first bytes only) that the length passes the cap;
    // neither allocates the 4 GiB.
    assert.throws(
      () => readNpySync(new MemoryFile(v2)),
      (e: unknown) =>
        e instanceof NpyFormatError &&
        /truncated .npy file: the header needs 4294967307 bytes but the file has 130/
          .test(e.message),
    );
    assert.throws(
      () => parseHeader(v2),
      (e: unknown) =>
        e instanceof NpyFormatError && /maxHeaderSize/.test(e.message),
    );
  });
});
