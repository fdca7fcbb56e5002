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
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readNpyStackSync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

test("a killed stack writer's locks, Deno without --allow-run: one refusal names all four, removing them lets the next writer on", () => {
  const root = tempDir();
  const dir = join(root, "s");
  const killed = join(root, "killed.ts"), next = join(root, "next.ts");
  writeFileSync(
    killed,
    `import { NpyStackWriterSync } from "${MOD}";
const w = NpyStackWriterSync.open(${JSON.stringify(dir)}, { shardRows: 2 });
w.append(new Float64Array([1, 2, 3]));
Deno.kill(Deno.pid, "SIGKILL");`,
  );
  writeFileSync(
    next,
    `import { NpyStackWriterSync } from "${MOD}";
try {
  const w = NpyStackWriterSync.open(${JSON.stringify(dir)}, { shardRows: 2 });
  w.append(new Float64Array([4]));
  w.close();
  console.log("appended");
} catch (e) {
  console.log(JSON.stringify({ message: (e as Error).message }));
}`,
  );
  const k = spawnSync("deno", ["run", "-A", killed], { encoding: "utf8" });
  assert.equal(k.signal, "SIGKILL", k.stderr);
  const run = () =>
    spawnSync("deno", ["run", "-R", "-W", next], { encoding: "utf8" });
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
  assert.equal(second.stdout.trim(), "appended", second.stdout + second.stderr);
  assert.deepEqual(
    [...readNpyStackSync(dir).data as Float64Array],
    [1, 2, 3, 4],
  );
});
