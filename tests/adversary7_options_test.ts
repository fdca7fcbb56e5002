/**
 * Adversary round 7: options that are not an object (`null`, a string, a
 * number, a boolean, an array) given to any public function taking
 * options. Each must end in a `TypeError` naming the file (or folder, or
 * `header`) that says options must be an object, before any I/O: never an
 * engine error ("Cannot read properties of null"), and no byte of any file
 * changes. `undefined` stays allowed.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  ensureAppendable,
  ensureAppendableSync,
  inspectNpy,
  inspectNpySync,
  isAppendable,
  isAppendableSync,
  MemoryFile,
  needsRecovery,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriter,
  NpyGroupWriterSync,
  NpyReader,
  NpyStackWriter,
  NpyStackWriterSync,
  parseHeader,
  readNpy,
  readNpyRecords,
  readNpyRecordsSync,
  readNpySync,
  recover,
  recoverGroup,
  recoverGroupSync,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const BAD: unknown[] = [null, "<f8", 5, true, []];

/** Every file under `dir` with its bytes, as text. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${p}:${Buffer.from(readFileSync(p)).toString("hex")}`);
    }
  };
  walk(dir);
  return out.join("\n");
}

type Call = (options: unknown) => unknown;

describe("options that are not an object", () => {
  const dir = tempDir();
  const file = join(dir, "x.npy");
  const stack = join(dir, "stack");
  const group = join(dir, "group");
  const w = NpyAppendArraySync.open(file, { dtype: "<f8" });
  w.append(new Float64Array([1, 2, 3]));
  w.close();
  const s = NpyStackWriterSync.open(stack, { dtype: "<i4", shardRows: 2 });
  s.append(new Int32Array([1, 2, 3]));
  s.close();
  const g = NpyGroupWriterSync.open(group, { members: { a: "<i4" } });
  g.append({ a: new Int32Array([1, 2]) });
  g.close();
  const header = readFileSync(file).subarray(0, 128);

  const cases: [string, string, Call][] = [
    [
      "NpyAppendArraySync.open",
      file,
      (o) => NpyAppendArraySync.open(file, o as never),
    ],
    ["NpyAppendArray.open", file, (o) => NpyAppendArray.open(file, o as never)],
    ["NpyReader.open", file, (o) => NpyReader.open(file, o as never)],
    ["NpyReader.openSync", file, (o) => NpyReader.openSync(file, o as never)],
    ["readNpy", file, (o) => readNpy(file, o as never)],
    ["readNpySync", file, (o) => readNpySync(file, o as never)],
    ["readNpyRecords", file, (o) => readNpyRecords(file, o as never)],
    ["readNpyRecordsSync", file, (o) => readNpyRecordsSync(file, o as never)],
    ["inspectNpy", file, (o) => inspectNpy(file, o as never)],
    ["inspectNpySync", file, (o) => inspectNpySync(file, o as never)],
    ["isAppendable", file, (o) => isAppendable(file, o as never)],
    ["isAppendableSync", file, (o) => isAppendableSync(file, o as never)],
    ["needsRecovery", file, (o) => needsRecovery(file, o as never)],
    ["needsRecoverySync", file, (o) => needsRecoverySync(file, o as never)],
    ["recover", file, (o) => recover(file, o as never)],
    ["recoverSync", file, (o) => recoverSync(file, o as never)],
    ["ensureAppendable", file, (o) => ensureAppendable(file, o as never)],
    [
      "ensureAppendableSync",
      file,
      (o) => ensureAppendableSync(file, o as never),
    ],
    [
      "NpyStackWriterSync.open",
      stack,
      (o) => NpyStackWriterSync.open(stack, o as never),
    ],
    [
      "NpyStackWriter.open",
      stack,
      (o) => NpyStackWriter.open(stack, o as never),
    ],
    [
      "NpyGroupWriterSync.open",
      group,
      (o) => NpyGroupWriterSync.open(group, o as never),
    ],
    [
      "NpyGroupWriter.open",
      group,
      (o) => NpyGroupWriter.open(group, o as never),
    ],
    [
      "NpyGroupReader.openSync",
      group,
      (o) => NpyGroupReader.openSync(group, o as never),
    ],
    [
      "NpyGroupReader.open",
      group,
      (o) => NpyGroupReader.open(group, o as never),
    ],
    ["recoverGroupSync", group, (o) => recoverGroupSync(group, o as never)],
    ["recoverGroup", group, (o) => recoverGroup(group, o as never)],
    ["parseHeader", "header", (o) => parseHeader(header, o as never)],
    [
      "encodeHeader",
      "header",
      (o) =>
        encodeHeader(
          { dtype: "<f8", fortranOrder: false, shape: [3] },
          o as never,
        ),
    ],
  ];

  for (const [name, label, call] of cases) {
    test(`${name}: a TypeError naming ${label === "header" ? "the header" : "the target"}, no byte changed`, async () => {
      const before = snapshot(dir);
      for (const bad of BAD) {
        let err: unknown = null;
        try {
          await call(bad);
        } catch (e) {
          err = e;
        }
        assert.ok(
          err instanceof TypeError,
          `${name}(${JSON.stringify(bad)}): ${err}`,
        );
        const shown = label === "header"
          ? " header: "
          : `${JSON.stringify(label)}: `;
        assert.ok(err.message.includes(shown), err.message);
        assert.match(
          err.message,
          /options must be an object such as \{ \w+: (?:[^{}]+|\{ \w+: [^{}]+ \}) \}, not /,
        );
        assert.doesNotMatch(err.message, /properties of|\.$/);
      }
      assert.equal(snapshot(dir), before);
    });
  }

  test("undefined options stay allowed", async () => {
    assert.equal(readNpySync(file, undefined).shape[0], 3);
    assert.equal((await inspectNpy(file, undefined)).shape[0], 3);
    assert.equal(parseHeader(header, undefined).shape[0], 3);
    const r = NpyGroupReader.openSync(group, undefined);
    r.closeSync();
  });

  test("a file object is named as such", () => {
    assert.throws(
      () => readNpySync(new MemoryFile(readFileSync(file)), null as never),
      /^TypeError: Cannot read the file object: options must be an object/,
    );
  });

  test("cleanup", () => rmSync(dir, { recursive: true, force: true }));
});
