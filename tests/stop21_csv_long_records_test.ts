/**
 * Stop 21 (h7): a long CSV record arriving in many chunks (a 16 MB text
 * field, a quoted field with line breaks, from a pipe that gives 64 KiB at
 * a time) was parsed again from its start at every chunk: quadratic. An
 * 8 MB line from standard input took 13 s, against 3.4 s from a file;
 * 16 MB in 16 KiB chunks took over 40 s in the parser alone. The parser now
 * waits for a chunk holding a line end outside quotes before it parses.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { CsvParser } from "../src/cli/_csv_parse.ts";

function parse(
  text: string,
  chunk: number,
  comments = "#",
): [string[], number][] {
  const out: [string[], number][] = [];
  const p = new CsvParser(
    { delimiter: ",", comments, label: "t.csv" },
    (f, l) => out.push([f, l]),
  );
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  p.finish();
  return out;
}

const MB = 1 << 20;
for (
  const [name, text, want] of [
    [
      "a 16 MB unquoted field",
      "1,2\n" + "a".repeat(16 * MB) + ",3\n4,5\n",
      3,
    ],
    [
      "a 16 MB quoted field with a line break every 64 characters",
      '"' + ("b".repeat(63) + "\n").repeat(MB / 4) + '""x",7\n8,9',
      2,
    ],
  ] as const
) {
  test(`${name} in 16 KiB chunks: parsed in linear time`, () => {
    // Against one parse of the whole text: quadratic work made it
    // hundreds of times slower; linear stays within a few times.
    let t0 = performance.now();
    assert.equal(parse(text, text.length).length, want);
    const whole = performance.now() - t0;
    t0 = performance.now();
    const got = parse(text, 16 * 1024);
    const ms = performance.now() - t0;
    assert.equal(got.length, want);
    assert.ok(
      ms < 10 * whole + 2000,
      `took ${Math.round(ms)} ms, against ${Math.round(whole)} ms in one chunk`,
    );
  });
}

test("the same records (or error) whatever the chunk size, quotes in comments included", () => {
  const text = '1,2 # it\'s "odd\n"a\nb",3\n# "\n4,"5""6"\n' +
    "x".repeat(5000) + ',"y\n\nz"\r\n7,8\r9,"1\r2"';
  const outcome = (chunk: number, comments: string) => {
    try {
      return parse(text, chunk, comments);
    } catch (e) {
      return (e as Error).message;
    }
  };
  const want = outcome(text.length, "#");
  assert.equal(want.length, 6);
  const bare = outcome(text.length, "");
  assert.equal(
    bare,
    "Cannot read t.csv line 1, column 2: a quote inside an unquoted field",
  );
  for (const chunk of [1, 2, 3, 7, 64, 1000, 4999]) {
    assert.deepEqual(outcome(chunk, "#"), want, `chunks of ${chunk}`);
    assert.deepEqual(
      outcome(chunk, ""),
      bare,
      `chunks of ${chunk}, no comments`,
    );
  }
});
