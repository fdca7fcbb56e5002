/**
 * The README's "open any existing file for appending" recipe
 * (`openForAppend`, section "Repairing files"), taken from README.md as
 * written and run on every kind of file it promises to repair: a header
 * from NumPy < 1.23 with no room to grow, a file cut off in a row, and
 * files whose in-place `ensureAppendable` or atomic writer was killed
 * after each of its file calls (an unfinished change record beside them).
 * Each must open, take an append, and keep every value it held.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { killPoints } from "./_kill_at.ts";
import { scriptCommand, sourcePath } from "./_runtime.ts";
import { oldNpyBytes, ramp } from "./_journal_files.ts";

const CHILD = scriptCommand(new URL("./_journal_child.ts", import.meta.url));

type OpenForAppend = (
  path: string,
) => Promise<{ append(a: Int32Array): Promise<void>; close(): Promise<void> }>;

/** The README's `openForAppend`, as written, importing this clone. */
async function recipe(): Promise<OpenForAppend> {
  const readme = readFileSync(
    new URL("../README.md", import.meta.url),
    "utf8",
  );
  const start = readme.indexOf("import {\n  ensureAppendable,");
  const fn = readme.indexOf("export async function openForAppend", start);
  const end = readme.indexOf("\n}\n", fn);
  assert.ok(start >= 0 && fn > start && end > fn, "the recipe is in README.md");
  const lib = pathToFileURL(sourcePath(new URL("../mod.ts", import.meta.url)));
  const code = readme.slice(start, end + 3)
    .replace('"@x/npy-append-array"', JSON.stringify(lib.href))
    // The module is plain JavaScript: drop the TypeScript annotations.
    .replace("(path: string): Promise<NpyAppendArray>", "(path)");
  const file = join(tempDir(), "recipe.mjs");
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)).openForAppend;
}

/**
 * Runs the recipe on `path`, appends `more`, and checks that the file
 * holds one of `before` (the values it may hold) followed by `more`.
 */
async function openAppendCheck(
  path: string,
  before: Int32Array[],
  more: Int32Array,
): Promise<void> {
  const openForAppend = await recipe();
  const npy = await openForAppend(path);
  await npy.append(more);
  await npy.close();
  const got = [...(readNpySync(path).data as Int32Array)];
  assert.ok(
    before.some((b) => got.join() === [...b, ...more].join()),
    `${path}: ${got.length} values`,
  );
  assert.equal(existsSync(`${path}.journal`), false);
}

/**
 * Files whose `what` (`shift`: in-place `ensureAppendable`; `atomic`: an
 * atomic writer's open, append and close) was killed after its Nth file
 * call, for every N that leaves a change record (each runtime every
 * third N: `killPoints`).
 */
function killedWithRecord(
  what: string,
  setup: (path: string) => void,
): string[] {
  const root = tempDir();
  const out: string[] = [];
  for (const n of killPoints(1, 60)) {
    const sub = join(root, String(n));
    mkdirSync(sub);
    const path = join(sub, "x.npy");
    setup(path);
    const r = spawnSync(CHILD[0], [
      ...CHILD[1],
      "killat",
      String(n),
      what,
      path,
    ]);
    if (r.signal === null) break; // got through: no later call to kill at
    if (existsSync(`${path}.journal`)) out.push(path);
  }
  assert.ok(out.length > 0, `no kill of ${what} left a record`);
  return out;
}

describe("README recipe: openForAppend", () => {
  test("a header with no room to grow (NumPy < 1.23)", async () => {
    const path = join(tempDir(), "old.npy");
    writeFileSync(path, oldNpyBytes(ramp(100)));
    await openAppendCheck(path, [ramp(100)], ramp(5, 100));
  });

  test("a file cut off in its last row", async () => {
    const path = join(tempDir(), "cut.npy");
    const w = NpyAppendArraySync.open(path);
    w.append(ramp(100));
    w.close();
    truncateSync(path, statSync(path).size - 2);
    await openAppendCheck(path, [ramp(99)], ramp(5, 99));
  });

  test("both: no room to grow and cut off in its last row", async () => {
    const path = join(tempDir(), "old-cut.npy");
    const bytes = oldNpyBytes(ramp(100));
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    await openAppendCheck(path, [ramp(99)], ramp(5, 99));
  });

  test("an in-place ensureAppendable killed after each file call", async () => {
    for (
      const path of killedWithRecord(
        "shift",
        (p) => writeFileSync(p, oldNpyBytes(ramp(1000))),
      )
    ) {
      await openAppendCheck(path, [ramp(1000)], ramp(5, 1000));
    }
  });

  test("an atomic writer killed after each file call", async () => {
    for (
      const path of killedWithRecord("atomic", (p) => {
        const w = NpyAppendArraySync.open(p);
        w.append(ramp(1000));
        w.close();
      })
    ) {
      // The killed writer's 10 rows were never acknowledged (its close did
      // not return): rolled back, or forward if its commit was written.
      await openAppendCheck(
        path,
        [ramp(1000), Int32Array.from([...ramp(1000), ...ramp(10)])],
        ramp(5, 1000),
      );
    }
  });
});
