/**
 * Stop 20 (h6): a stack writer killed leaves two locks of its folder, the
 * one beside it (`<dir>.lock`) and the one by device and inode in `/tmp`.
 * Deno without --allow-run (`deno run -R -W cli.ts ...`) cannot tell its
 * holder dead: its refusal named `<dir>.lock` only, and once the user had
 * removed that as told, the next run was refused again, naming the next
 * (the `/tmp` one, then the live shard's beside it, then its `/tmp` one):
 * four runs. The refusal now names all four.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { readNpyStackSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { sourcePath } from "./_runtime.ts";

const CHILD = new URL("./_stop20_folder_lock_child.ts", import.meta.url);
const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
/** Deno, this one or (under Bun and Node) Deno from npm. */
const DENO: string[] = deno === undefined
  ? ["npx", "-y", "deno@2.9.6"]
  : [deno.execPath()];

test(
  "a killed stack writer's locks, Deno without --allow-run: one refusal names all four, removing them lets the next writer on",
  {
    timeout: 120_000,
  },
  () => {
    const dir = join(tempDir(), "s");
    const child = (flags: string[], mode: string) =>
      spawnSync(
        DENO[0]!,
        [...DENO.slice(1), "run", ...flags, sourcePath(CHILD), mode, dir],
        { encoding: "utf8" },
      );
    const k = child(["-A"], "kill");
    // Killed (through npx: its exit status 137).
    assert.ok(
      k.signal === "SIGKILL" || k.status === 137,
      `${k.status} ${k.signal} ${k.stdout}${k.stderr}`,
    );
    const run = () => child(["-R", "-W"], "next");
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    const { message } = JSON.parse(first.stdout) as { message: string };
    const told = /or remove (.+) \(the locks it left\) if that process is gone$/
      .exec(message);
    assert.ok(told !== null, message);
    const named = [...told[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    // Beside the folder and in /tmp, the live shard's beside it and in /tmp.
    assert.equal(named[0], `${dir}.lock`);
    assert.ok(named.some((f) => /npy-append-array-folder-/.test(f)), message);
    assert.ok(named.includes(join(dir, "1.npy.part.lock")), message);
    assert.ok(named.some((f) => /npy-append-array-links-/.test(f)), message);
    assert.equal(named.length, 4, message);
    for (const f of named) rmSync(f);
    const second = run();
    assert.equal(
      second.stdout.trim(),
      "appended",
      second.stdout + second.stderr,
    );
    assert.deepEqual(
      [...readNpyStackSync(dir).data as Float64Array],
      [1, 2, 3, 4],
    );
  },
);
