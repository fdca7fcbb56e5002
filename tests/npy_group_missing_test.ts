/**
 * A member file lost after group.json records its dtype (deleted, emptied,
 * replaced by a folder) is refused by recoverGroup, the writer's open and
 * the reader, changing no byte; a member missing before group.json knows
 * its dtype (a crash inside the first append) still holds 0 rows.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import process from "node:process";
import {
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupReader,
  NpyGroupWriterSync,
  readNpySync,
  recoverGroup,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

/** Every file under a folder (recursively) and its bytes. */
function snapshot(dir: string, out = new Map<string, string>(), at = "") {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) snapshot(p, out, `${at}${name}/`);
    else out.set(at + name, readFileSync(p).toString("base64"));
  }
  return out;
}

const losses: [string, (path: string) => void][] = [
  ["deleted", (p) => rmSync(p, { recursive: true })],
  ["emptied", (p) => {
    rmSync(p, { recursive: true });
    writeFileSync(p, "");
  }],
  ["replaced by a folder", (p) => {
    rmSync(p, { recursive: true });
    mkdirSync(p);
  }],
];

async function refusedEverywhere(dir: string, member: string) {
  const before = snapshot(dir);
  const refused = (e: unknown) =>
    e instanceof NpyFormatError && e.message.includes(`member "v"`) &&
    e.message.includes(member) && e.message.includes("restore");
  await assert.rejects(recoverGroup(dir), refused);
  assert.throws(() => NpyGroupWriterSync.open(dir, {}), refused);
  await assert.rejects(NpyGroupReader.open(dir), refused);
  assert.throws(() => NpyGroupReader.openSync(dir), refused);
  assert.deepEqual(snapshot(dir), before);
}

for (const stack of [false, true]) {
  for (const [how, lose] of losses) {
    test(`a ${stack ? "stack " : ""}member ${how} after appends is refused, no byte changed`, async () => {
      const root = tempDir();
      const dir = join(root, "g");
      const g = NpyGroupWriterSync.open(dir, {
        members: { t: "<i8", v: "<f8" },
        ...(stack ? { shardRows: 2 } : {}),
      });
      g.append({ t: [1, 2, 3], v: [1, 2, 3] });
      g.close();
      const member = join(dir, stack ? "v" : "v.npy");
      lose(member);
      await refusedEverywhere(dir, member);
      if (!stack) {
        assert.deepEqual([...readNpySync(join(dir, "t.npy")).data], [
          1n,
          2n,
          3n,
        ]);
      }
    });
  }
}

test("dtypes recorded at the first append: a member lost later is refused", async () => {
  const root = tempDir();
  const dir = join(root, "g");
  const g = NpyGroupWriterSync.open(dir, { members: { t: {}, v: {} } });
  g.append({ t: new BigInt64Array([1n, 2n]), v: new Float64Array([1, 2]) });
  g.close();
  rmSync(join(dir, "v.npy"));
  await refusedEverywhere(dir, join(dir, "v.npy"));
});

test("a member missing before group.json knows its dtype holds 0 rows (crash inside the first append)", async () => {
  const root = tempDir();
  const dir = join(root, "g");
  NpyGroupWriterSync.open(dir, { members: { t: {}, v: {} } }).close();
  // As a kill inside the first append can leave it: t's header-only file
  // and data, v not written yet, group.json without dtypes.
  const t = NpyAppendArraySync.open(join(dir, "t.npy"));
  t.append(new BigInt64Array([1n, 2n]));
  t.close();
  assert.equal(await recoverGroup(dir), 0);
  assert.deepEqual(readNpySync(join(dir, "t.npy")).shape, [0]);
  const r = await NpyGroupReader.open(dir);
  assert.equal(r.length, 0);
  r.close();
  const g = NpyGroupWriterSync.open(dir, {});
  g.append({ t: new BigInt64Array([7n]), v: new Float64Array([8]) });
  g.close();
  assert.deepEqual([...readNpySync(join(dir, "v.npy")).data], [8]);
});

for (const stack of [false, true]) {
  test(`a ${stack ? "stack " : ""}member lost before any append loses nothing and opens with 0 rows`, async () => {
    const root = tempDir();
    const dir = join(root, "g");
    NpyGroupWriterSync.open(dir, {
      members: { t: "<i8", v: "<f8" },
      ...(stack ? { shardRows: 2 } : {}),
    }).close();
    rmSync(join(dir, stack ? "v" : "v.npy"), { recursive: true, force: true });
    assert.equal(await recoverGroup(dir), 0);
    const r = await NpyGroupReader.open(dir);
    assert.equal(r.length, 0);
    r.close();
    const g = NpyGroupWriterSync.open(dir, {});
    g.append({ t: [1, 2, 3], v: [4, 5, 6] });
    g.close();
    const r2 = await NpyGroupReader.open(dir);
    assert.deepEqual([...r2.readSync().v!.data], [4, 5, 6]);
    r2.close();
  });
}

test("a reader refuses a member lost while it follows the group", async () => {
  const root = tempDir();
  const dir = join(root, "g");
  const g = NpyGroupWriterSync.open(dir, { members: { t: "<i8", v: "<f8" } });
  const r = await NpyGroupReader.open(dir);
  assert.equal(r.length, 0);
  g.append({ t: [1, 2, 3], v: [1, 2, 3] });
  g.close();
  assert.equal(await r.refresh(), 3);
  r.close();
  rmSync(join(dir, "v.npy"));
  await refusedEverywhere(dir, join(dir, "v.npy"));
});

test("a group.json temporary left by a killed writer is removed at the next open; a live one's stays", () => {
  const root = tempDir();
  const dir = join(root, "g");
  NpyGroupWriterSync.open(dir, { members: { t: "<i8" } }).close();
  const gone = spawnSync(process.execPath, ["--version"]);
  assert.equal(gone.status, 0);
  const dead = join(dir, `.group.json.${gone.pid}.abc123.tmp`);
  const live = join(dir, `.group.json.${process.pid}.def456.tmp`);
  writeFileSync(dead, "{");
  writeFileSync(live, "{");
  const g = NpyGroupWriterSync.open(dir);
  g.close();
  assert.equal(existsSync(dead), false);
  assert.equal(existsSync(live), true);
});
