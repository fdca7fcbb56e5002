/**
 * Adversary 7: the npm package's Bun build (`bun/*.cjs` and the bytecode
 * beside them) against the ES module build in one folder: a Bun writer and
 * a Node writer exclude each other on one file, and a Bun writer
 * SIGKILLed mid-append leaves a file that `recover` from Node makes whole
 * (NumPy reads every row it holds). Runs from the npm build only
 * (`node --test npm/tests/adversary7_bun_bytecode_test.js`).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { COMPILED, RUNTIME } from "./_runtime.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import * as lib from "../mod.ts";

const CHILD = `import * as lib from "npy-append-array";
const [op, path] = process.argv.slice(2);
if (op === "hold") {
  const w = lib.NpyAppendArraySync.open(path, { dtype: "<i4" });
  w.append({ data: new Int32Array([-1, -1]), shape: [1, 2] });
  console.log("READY");
  for (let i = 0; ; i++) w.append({ data: new Int32Array([i, i]), shape: [1, 2] });
} else {
  try {
    lib.NpyAppendArraySync.open(path);
    console.log("opened");
  } catch (e) {
    console.log(e instanceof lib.NpyLockedError ? "NpyLockedError" : String(e));
  }
}
`;

/** A project folder with the package installed (a link) and the child. */
function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, "node_modules"));
  const pkgDir = fileURLToPath(new URL("..", import.meta.url));
  symlinkSync(pkgDir, join(dir, "node_modules", "npy-append-array"), "dir");
  writeFileSync(join(dir, "child.mjs"), CHILD);
  return dir;
}

if (COMPILED && RUNTIME === "node") {
  describe("adversary 7: the Bun bytecode build beside Node", () => {
    test("a Node writer keeps a Bun writer out", () => {
      const dir = project();
      const path = join(dir, "n.npy");
      const w = lib.NpyAppendArraySync.open(path);
      try {
        w.append([[1, 2]]);
        const r = spawnSync(
          "npx",
          ["-y", "bun@1.4.5", "child.mjs", "open", path],
          { cwd: dir, encoding: "utf8" },
        );
        assert.equal(r.stdout.trim(), "NpyLockedError", r.stderr);
      } finally {
        w.close();
      }
    });

    test(
      "a Bun writer killed mid-append: Node is kept out, then recovers every row",
      { ...numpyTestOptions(), timeout: 120_000 },
      async () => {
        const dir = project();
        const path = join(dir, "b.npy");
        const child = spawn(
          "npx",
          ["-y", "bun@1.4.5", "child.mjs", "hold", path],
          { cwd: dir, detached: true, stdio: ["ignore", "pipe", "inherit"] },
        );
        const exited = new Promise((r) => child.once("exit", r));
        await new Promise<void>((resolve, reject) => {
          let out = "";
          child.stdout!.on("data", (d) => {
            out += String(d);
            if (out.includes("READY")) resolve();
          });
          child.once("exit", () => reject(new Error(`child exited: ${out}`)));
        });
        await new Promise((r) => setTimeout(r, 300));
        assert.throws(
          () => lib.NpyAppendArraySync.open(path),
          (e: Error) =>
            e instanceof lib.NpyLockedError && /\(bun\)/.test(e.message),
        );
        // The whole group: npx and the Bun it started.
        process.kill(-child.pid!, "SIGKILL");
        await exited;
        assert.equal(await lib.recover(path), true);
        const w = lib.NpyAppendArraySync.open(path);
        const rows = w.shape[0]!;
        assert.ok(rows > 2, `${rows} rows`);
        w.append([[7, 7]]);
        w.close();
        const np = npLoadJson(path);
        assert.equal(np.dtype, "<i4");
        assert.deepEqual(np.shape, [rows + 1, 2]);
        const want = [-1, -1];
        for (let i = 0; i < rows - 1; i++) want.push(i, i);
        want.push(7, 7);
        assert.deepEqual(np.values, want);
      },
    );
  });
}
