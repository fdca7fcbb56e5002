/**
 * Stop 23 (h3, issue 17.2): a lock taker marks its hold record's temporary
 * in a slot, a symlink naming it (DECISIONS "Stop 21: locks"). The names
 * of those temporaries are 60 bytes and more in `/tmp` (every lock by
 * device and inode: `npy-append-array-links-<dev>-<ino>.lock.<pid>.<token>.new`),
 * and ext4 keeps a symlink's text in the inode only below 60 bytes: a
 * longer one takes a disk block, whose release when the slot was removed
 * cost every writer 0.3 to 8 ms of its open (a `discard` mount frees the
 * block on the device at once). A slot's text is now short where the name
 * is long, and is still read back, as the long form of older writers is.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { paused } from "./_hold_temp_paused.ts";

/** A pid no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["--version"]);
  return r.pid!;
}

test(
  "a taker's slot in /tmp is a symlink of under 60 bytes naming its temporary",
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const s = join(dir, "s");
    // Paused before linking its stack's lock by device and inode in /tmp.
    const b = await paused(2, "stack", s);
    try {
      const texts = readdirSync("/tmp")
        .filter((n) => /^npy-append-array-hold\.\d+\.new$/.test(n))
        .map((n) => {
          try {
            return readlinkSync(join("/tmp", n));
          } catch {
            return ""; // removed meanwhile (another process's)
          }
        })
        .filter((t) => t.includes(`.${b.pid}.`));
      assert.equal(texts.length, 1, texts.join(" "));
      const text = texts[0]!;
      assert.ok(text.length < 60, `${text.length} bytes: ${text}`);
      // It names the taker's temporary, which is there.
      const temp = text.startsWith("~")
        ? `npy-append-array-${text.slice(1)}.new`
        : text;
      assert.ok(existsSync(join("/tmp", temp)), temp);
    } finally {
      writeFileSync(`${s}.go`, "");
    }
    assert.match(await b.done, /appended/);
  },
);

test(
  "a killed taker's slot, short or long, is removed with its temporary by the next taker",
  () => {
    const dir = tempDir();
    // A name long enough for the slot's text to be short.
    const file = join(dir, "a-file-name-long-enough-for-a-short-slot-text.npy");
    const lock = `${file}.lock`;
    const pid = deadPid();
    const short = "0123456789abcdef";
    const long = "fedcba9876543210";
    // Killed between writing their records and linking them: the
    // temporaries and the slots naming them stay.
    writeFileSync(`${lock}.${pid}.${short}.new`, "");
    symlinkSync(`~.${pid}.${short}`, `${lock}.0.new`);
    writeFileSync(`${lock}.${pid}.${long}.new`, "");
    symlinkSync(
      `a-file-name-long-enough-for-a-short-slot-text.npy.lock.${pid}.${long}.new`,
      `${lock}.1.new`,
    );
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([1, 2, 3]));
    w.close();
    assert.deepEqual(readdirSync(dir).sort(), [
      "a-file-name-long-enough-for-a-short-slot-text.npy",
    ]);
    assert.deepEqual([...readNpySync(file).data as Float64Array], [1, 2, 3]);
  },
);

test(
  "a killed taker's slot beside a lock whose name starts with ~ is read in full",
  () => {
    const dir = tempDir();
    const file = join(dir, "~x.npy");
    const pid = deadPid();
    const token = "0123456789abcdef";
    writeFileSync(`${file}.lock.${pid}.${token}.new`, "");
    symlinkSync(`~x.npy.lock.${pid}.${token}.new`, `${file}.lock.0.new`);
    const w = NpyAppendArraySync.open(file);
    w.append(new Float64Array([4]));
    w.close();
    assert.deepEqual(readdirSync(dir), ["~x.npy"]);
  },
);
