/**
 * The lock's own text helpers (`src/_lock_text.ts`, issue 17.2 cold
 * start): the bytes and time text of a lock record are those
 * `TextEncoder` and `Date.prototype.toISOString` give, and a lock record
 * written with them reads back whole.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isoTime, utf8 } from "../src/_lock_text.ts";
import { acquireLock } from "../src/_lock.ts";
import { refuseLongName } from "../src/_lock_names.ts";
import { tempDir } from "./_numpy.ts";

describe("lock text", () => {
  test("utf8 gives TextEncoder's bytes", () => {
    const cases = [
      "",
      "plain ascii x.npy",
      "\u00e9t\u00e9 \u00ff\u0100",
      "\u20ac \u4e2d\u6587 \uffff",
      "emoji \ud83d\ude00 and \ud800\udc00 \udbff\udfff",
      // Lone surrogates: U+FFFD, as TextEncoder.
      "lone \ud800 high",
      "lone \udc00 low",
      "\ud83d",
      "\ude00\ud83d",
      "\x00\x7f\x80\u07ff\u0800",
    ];
    for (let c = 0; c < 0x800; c += 7) cases.push(String.fromCharCode(c));
    for (let c = 0xd700; c < 0xe100; c += 13) {
      cases.push(String.fromCharCode(c) + "a" + String.fromCharCode(c));
    }
    const enc = new TextEncoder();
    for (const text of cases) {
      assert.deepEqual([...utf8(text)], [...enc.encode(text)], text);
    }
  });

  test("isoTime gives toISOString's text", () => {
    const times = [
      0,
      1,
      999,
      86399999,
      86400000,
      951782400000, // 2000-02-29
      951868800000, // 2000-03-01
      4107542399999, // 2100-02-28T23:59:59.999
      4107542400000, // 2100-03-01 (2100 is no leap year)
      -1, // 1969-12-31T23:59:59.999
      -62167219200000, // 0000-01-01
      253402300799999, // 9999-12-31T23:59:59.999
      Date.now(),
    ];
    for (let t = -3e12; t < 8e12; t += 7654321987) times.push(t);
    for (const t of times) {
      assert.equal(isoTime(t), new Date(t).toISOString(), String(t));
    }
  });

  test("a lock record with a non-ASCII name reads back whole, and the long-name limit counts UTF-8 bytes", () => {
    const dir = tempDir();
    const path = join(dir, "d\u00e9j\u00e0 \ud83d\ude00.npy");
    const lock = acquireLock(path, "open");
    try {
      const record = JSON.parse(readFileSync(lock.lockPath, "utf8"));
      assert.equal(record.path, path);
      assert.equal(
        record.since,
        new Date(Date.parse(record.since)).toISOString(),
      );
      assert.ok(Math.abs(Date.parse(record.since) - Date.now()) < 60000);
    } finally {
      lock.release();
    }
    // 255 bytes at most, with ".lock.takeover.<pid>.<token>.stale" (48
    // bytes) added: a name of 207 bytes passes, 208 do not, whether they
    // are ASCII or 2-byte (\u00e9) or 4-byte characters.
    const ok = (name: string) => refuseLongName(join(dir, name), "open");
    ok("a".repeat(207));
    ok("\u00e9".repeat(103) + "a");
    ok("\ud83d\ude00".repeat(51) + "abc");
    assert.throws(() => ok("a".repeat(208)), RangeError);
    assert.throws(() => ok("\u00e9".repeat(104)), RangeError);
    assert.throws(() => ok("\ud83d\ude00".repeat(52)), RangeError);
  });
});
