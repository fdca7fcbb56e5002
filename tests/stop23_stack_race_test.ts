/**
 * Stop 23 (h2): writers of a stack, and of a group of stacks, racing on
 * Deno and Bun at once (two of each; on Node, Node's), each opening,
 * appending two rows and closing in a loop, with readers (ours) beside
 * them: a reader sees of each writer a prefix of its rows, none twice,
 * and at the end every acknowledged row is read once, by us and by Dask.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { NpyGroupReader, readNpyStackSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { COMPILED, scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop23_race_child.ts", import.meta.url);
const COUNT = 12;

/** Two writers on the runtime running the tests, and two on the other of Deno and Bun. */
function commands(): [string, string[]][] {
  const own = scriptCommand(CHILD);
  if (COMPILED) return [own, own];
  const path = fileURLToPath(CHILD);
  const deno: [string, string[]] = ["deno", ["run", "-A", path]];
  const bun: [string, string[]] = ["bun", [path]];
  return [deno, deno, bun, bun];
}

/** Each writer's values seen in order, a prefix of its own, none twice. */
function checkRows(values: readonly number[], writers: number): number[] {
  assert.equal(new Set(values).size, values.length, "a row read twice");
  const seen: number[] = [];
  for (let t = 1; t <= writers; t++) {
    const mine = values.filter((v) => Math.floor(v / 1000) === t);
    assert.deepEqual(
      mine,
      Array.from({ length: mine.length }, (_, i) => t * 1000 + i),
    );
    seen.push(mine.length);
  }
  assert.equal(seen.reduce((a, b) => a + b, 0), values.length);
  return seen;
}

async function race(kind: "stack" | "group"): Promise<string> {
  const dir = join(tempDir(), kind);
  const cmds = commands();
  const acked = cmds.map(() => 0);
  let running = cmds.length;
  const done = cmds.map(([exe, pre], i) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(exe, [
        ...pre,
        dir,
        String(i + 1),
        String(COUNT),
        kind,
      ], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      child.stdout!.on("data", (b) => {
        for (const m of String(b).matchAll(/ack (\d+)/g)) {
          acked[i] = Number(m[1]) % 1000 + 1;
        }
      });
      child.on("exit", (code) => {
        running--;
        resolve(code);
      });
    })
  );
  let reads = 0;
  const read = (): number[] => {
    if (kind === "stack") return [...readNpyStackSync(dir).data as Int32Array];
    using r = NpyGroupReader.openSync(dir);
    const got = r.readSync();
    const a = [...got.a!.data as Int32Array];
    assert.deepEqual([...got.b!.data as Int32Array], a);
    return a;
  };
  while (running > 0) {
    const before = [...acked];
    try {
      const seen = checkRows(read(), cmds.length);
      seen.forEach((n, i) => assert.ok(n >= before[i]!, `writer ${i + 1}`));
      reads++;
    } catch (e) {
      // Nothing there yet (the first writer not through its first append).
      if (
        !/no shard yet|does not exist|no member|group\.json/.test(String(e))
      ) {
        throw e;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(await Promise.all(done), cmds.map(() => 0));
  const seen = checkRows(read(), cmds.length);
  assert.deepEqual(seen, cmds.map(() => 2 * COUNT));
  assert.ok(reads > 0, "no read while they ran");
  return dir;
}

test(
  "stack writers on Deno and Bun racing, readers beside: every acknowledged row read once, by us and by Dask",
  { ...numpyTestOptions(), timeout: 300_000 },
  async () => {
    const dir = await race("stack");
    const ours = [...readNpyStackSync(dir).data as Int32Array];
    const dask = JSON.parse(runPython(
      "import sys, json, dask.array as da; print(json.dumps(da.from_npy_stack(sys.argv[1]).compute().tolist()))",
      [dir],
    ));
    assert.deepEqual(dask, ours);
  },
);

test(
  "group writers (members are stacks) on Deno and Bun racing, readers beside: every acknowledged row read once",
  { timeout: 300_000 },
  async () => {
    await race("group");
  },
);
