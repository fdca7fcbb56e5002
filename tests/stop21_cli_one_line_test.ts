/**
 * Stop 21 (h4): the README promises that the CLI's errors are one line on
 * stderr naming the file. A path holding a newline (`"new\nline.npy"`)
 * gave a two-line error, and one holding terminal escapes (`"\x1b[31m"`)
 * sent them raw to the terminal: the CLI's own messages quote paths as
 * `"${path}"`. Every line the CLI writes to stderr now shows control
 * characters (C0, DEL, C1, U+2028, U+2029) escaped as JSON does (`\n`,
 * `\u001b`).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NpyAppendArraySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { cli } from "./_cli_run.ts";

test(
  "CLI errors stay one line whatever the names hold",
  { timeout: 240_000 },
  () => {
    const dir = tempDir();
    try {
      const odd = [
        "new\nline",
        "esc\x1b[31mred",
        "cr\rret",
        "ls\u2028sep",
        "c1\u0085x",
      ];
      {
        using w = NpyAppendArraySync.open(join(dir, "a.npy"), { dtype: "<f8" });
        w.append([[1, 2], [3, 4]]);
      }
      {
        using w = NpyAppendArraySync.open(join(dir, "b.npy"), { dtype: "<f8" });
        w.append([1, 2, 3]);
      }
      const cases: string[][] = [];
      for (const s of odd) {
        writeFileSync(join(dir, `${s}.csv`), "1,2\n3,x\n");
        cases.push(
          ["info", `${s}.npy`],
          ["info", "a.npy", `${s}.npy`],
          ["recover", `${s}.npy`],
          ["to-csv", `${s}.npy`],
          ["concat", "a.npy", `${s}.npy`],
          ["concat", `${s}.npy`, "a.npy", "b.npy"],
          ["from-csv", `${s}.csv`, "out.npy"],
          ["split", `${s}.npy`, "parts", "--rows", "1"],
          [`${s}`],
          ["info", `--${s}`],
        );
      }
      for (const args of cases) {
        const r = cli(args, { cwd: dir });
        assert.ok(
          r.code === 1 || r.code === 2,
          `${JSON.stringify(args)}: ${r.code}`,
        );
        assert.ok(r.stderr.endsWith("\n"), JSON.stringify(r.stderr));
        const body = r.stderr.slice(0, -1);
        assert.doesNotMatch(
          body,
          // deno-lint-ignore no-control-regex
          /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/,
          `${JSON.stringify(args)}: ${JSON.stringify(r.stderr)}`,
        );
        assert.match(
          body,
          /\\n|\\u001b|\\r|\\u2028|\\u0085/,
          JSON.stringify(r.stderr),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
