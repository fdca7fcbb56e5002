/**
 * Stop 27 (h4): writers of two runtimes (this one and another: Bun under
 * Deno, else Deno) race on one file, one stack and one group, several
 * rounds each, while readers of both runtimes read it whole again and
 * again. Every writer writes down each row it got acknowledged
 * (`_stop27_race_child.ts`). Without kills, every read must be a
 * consistent prefix (each writer's rows in order, none missing between,
 * none twice): this found a group reader refusing a live group of stacks
 * as damaged (`stop27_group_seal_race_test.ts`). With some writers
 * SIGKILLed once they have a row acknowledged, a reader may meet a file or
 * folder that needs recovery until the next writer has made it (read
 * again); after the race and a recovery, every acknowledged row is there
 * once, nothing is there twice, and a killed writer left at most its one
 * row in flight. Scratch runs of 20 writers of Deno, Bun and Node at once,
 * a third to two fifths of them killed, found nothing more for writers.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { recoverGroupSync, recoverStackSync, recoverSync } from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { RUNTIME, scriptCommand, sourcePath } from "./_runtime.ts";

const CHILD = new URL("./_stop27_race_child.ts", import.meta.url);

/** The child under this runtime and under another one (through npx). */
function commands(): [string, string[]][] {
  const script = sourcePath(CHILD);
  const other: [string, string[]] = RUNTIME === "deno"
    ? ["npx", ["-y", "bun@1.4.5", script]]
    : ["npx", ["-y", "deno@2.9.6", "run", "-A", script]];
  return [scriptCommand(CHILD), other];
}

interface Kid {
  child: ChildProcess;
  out: string;
  err: string;
  done: Promise<void>;
}

function start([cmd, args]: [string, string[]], more: string[]): Kid {
  const child = spawn(cmd, [...args, ...more], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: npx and the runtime killed
  });
  const kid: Kid = { child, out: "", err: "", done: Promise.resolve() };
  child.stdout!.on("data", (d) => (kid.out += d));
  child.stderr!.on("data", (d) => (kid.err += d));
  kid.done = new Promise((r) => child.on("close", () => r()));
  return kid;
}

/** Resolves once `check()` holds, looking again every 10 ms. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 240_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const acked = (file: string) =>
  readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map(Number);

const WRITERS = 8;

async function race(
  kind: "file" | "stack" | "group",
  kills: boolean,
): Promise<void> {
  const KILLED = new Set(kills ? [1, 4, 6] : []);
  const dir = tempDir();
  const path = join(dir, kind === "file" ? "x.npy" : "x");
  const cmds = commands();
  const writers = Array.from({ length: WRITERS }, (_, i) => {
    const acks = join(dir, `acks${i}`);
    writeFileSync(acks, "");
    const kid = start(cmds[i % 2]!, [
      "write",
      kind,
      path,
      String(i),
      "2",
      "3",
      acks,
    ]);
    return { kid, acks, i };
  });
  const readers = cmds.map((c, j) => {
    const fault = join(dir, `fault${j}`);
    const more = kills ? ["killed"] : [];
    return { kid: start(c, ["read", kind, path, fault, ...more]), fault };
  });
  try {
    for (const w of writers) {
      await until(
        () => w.kid.out.includes("waiting") || w.kid.child.exitCode !== null,
        `writer ${w.i} waiting`,
      );
      assert.ok(w.kid.out.includes("waiting"), w.kid.err);
    }
    writeFileSync(`${path}.go`, "");
    // Killed once it has a row acknowledged: holding the lock, or between
    // rounds, or waiting for it.
    await Promise.all(
      writers.filter((w) => KILLED.has(w.i)).map(async (w) => {
        await until(
          () => acked(w.acks).length > 0 || w.kid.child.exitCode !== null,
          `writer ${w.i} acknowledged`,
        );
        try {
          process.kill(-w.kid.child.pid!, "SIGKILL");
        } catch {
          // ended already
        }
      }),
    );
    await Promise.all(writers.map((w) => w.kid.done));
    writeFileSync(`${path}.stop`, "");
    await Promise.all(readers.map((r) => r.kid.done));
  } finally {
    for (const k of [...writers, ...readers]) {
      try {
        process.kill(-k.kid.child.pid!, "SIGKILL");
      } catch {
        // ended
      }
    }
  }
  for (const [j, r] of readers.entries()) {
    assert.equal(
      existsSync(r.fault) ? readFileSync(r.fault, "utf8") : "",
      "",
      `reader ${j}`,
    );
    assert.equal(r.kid.child.exitCode, 0, `reader ${j}: ${r.kid.err}`);
  }
  for (const w of writers) {
    if (!KILLED.has(w.i)) {
      assert.equal(w.kid.child.exitCode, 0, `writer ${w.i}: ${w.kid.err}`);
      assert.match(w.kid.out, /done acked 6/);
    }
  }
  if (kind === "file") recoverSync(path);
  else if (kind === "stack") recoverStackSync(path);
  else recoverGroupSync(path);
  const dump = start(cmds[0]!, ["dump", kind, path]);
  await dump.done;
  assert.equal(dump.child.exitCode, 0, dump.err);
  const rows = JSON.parse(dump.out) as [number, number][];
  if (kind === "file" && numpyTestOptions().skip === undefined) {
    const n = runPython(
      "import sys, numpy as np; print(np.load(sys.argv[1], mmap_mode='r').shape[0])",
      [path],
    );
    assert.equal(Number(n), rows.length);
  }
  const seen = new Map<string, number>();
  for (const [id, seq] of rows) {
    const key = `${id - 1},${seq - 1}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  for (const [key, n] of seen) assert.equal(n, 1, `row ${key} ${n} times`);
  for (const w of writers) {
    const got = acked(w.acks);
    for (const s of got) assert.ok(seen.has(`${w.i},${s}`), `lost ${w.i},${s}`);
    const extra = [...seen.keys()].filter((k) => {
      const [id, seq] = k.split(",").map(Number);
      return id === w.i && seq! >= got.length;
    });
    // A killed writer's row in flight: written, not yet acknowledged.
    assert.ok(extra.length <= (KILLED.has(w.i) ? 1 : 0), `${extra}`);
    if (extra.length === 1) assert.equal(extra[0], `${w.i},${got.length}`);
  }
}

const opts = { timeout: 600_000 };

for (const kind of ["file", "stack", "group"] as const) {
  test(
    `writers of two runtimes race on one ${kind}; readers beside them read a consistent prefix`,
    opts,
    async () => {
      await race(kind, false);
    },
  );

  test(
    `writers of two runtimes race on one ${kind}, some killed: every acknowledged row once`,
    opts,
    async () => {
      await race(kind, true);
    },
  );
}
