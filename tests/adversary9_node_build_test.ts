/**
 * Adversary round 9, the npm package's Node build (`node/library.js` and
 * its V8 code cache): what a Node user meets in an error's stack. V8
 * before 12 (Node 20) names a script compiled from a code cache by the
 * name the cache was made under, not by the `filename` given at run time;
 * the build made the cache under its own path, so every stack frame of
 * the library, on every machine that installed the package, named a
 * folder of the machine that built it (`/work/.../npm/node/library.js`),
 * a file that does not exist there. Now the cache is made under the name
 * `npy-append-array/node/library.js`; a Node that names the script by its
 * `filename` shows the installed path. Runs on the npm build only (`node
 * --test npm/tests/`); under Deno and Bun there is no build to check and
 * no test is registered.
 *
 * The second fault was in every bundle (npm's ES modules, Node's and
 * Bun's builds, JSR's `dist/`): esbuild writes a class whose body names
 * it (a static `open` returning `new NpyReader(...)`) as `var
 * NpyReader=class _NpyReader{...}`, so nine public classes had `name`
 * `"_NpyReader"`, `"_NpyAppendArraySync"`..., which Node's `console.log`
 * of a writer and the stack frames of their methods showed (`at
 * _NpyAppendArraySync.append`). `bundle()` now names them back.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import process from "node:process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPILED } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";
import * as lib from "../mod.ts";

const pkgDir = fileURLToPath(new URL("../", import.meta.url));

/** What the installed package's errors show: three kinds of failure. */
const SCRIPT = `import * as lib from "npy-append-array";
const lib2 = await import("./node_modules/npy-append-array/node/library.js");
const stacks = [];
try { lib.readNpySync("/no/such/folder/x.npy"); } catch (e) { stacks.push(e.stack); }
try { lib.parseHeader(new Uint8Array(16)); } catch (e) { stacks.push(e.stack); }
const w = lib.NpyAppendArraySync.open(new lib.MemoryFile());
try { w.append("text"); } catch (e) { stacks.push(e.stack); }
console.log(JSON.stringify({ from: lib2.compiledFrom, stacks }));
`;

/** Prints each exported function whose `name` is not its export's name. */
const NAMES = `const lib = await import(process.argv[2]);
const bad = Object.entries(lib)
  .filter(([k, v]) => typeof v === "function" && v.name !== k)
  .map(([k, v]) => k + " is named " + v.name);
const w = lib.NpyAppendArraySync.open(new lib.MemoryFile());
let frame = "";
try { w.append("text"); } catch (e) {
  frame = e.stack.split("\\n").find((l) => /at _?NpyAppendArraySync\\.append /.test(l)) ?? e.stack;
}
let caller = false;
try { w.append("text"); } catch (e) { caller = e.stack.includes("names.mjs"); }
console.log(JSON.stringify({ bad, frame: frame.trim().split(" ")[1], caller }));
`;

/** A project with a copy of the package's Node build installed. */
function installedCopy(): { dir: string; lib: string } {
  const dir = tempDir();
  const pkg = join(dir, "node_modules", "npy-append-array");
  mkdirSync(pkg, { recursive: true });
  cpSync(join(pkgDir, "package.json"), join(pkg, "package.json"));
  cpSync(join(pkgDir, "node"), join(pkg, "node"), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(dir, "main.mjs"), SCRIPT);
  return { dir, lib: join(pkg, "node", "library.js") };
}

if (COMPILED) {
  describe("npm build: Node's stack traces", () => {
    test("frames of the cached build name no folder of the build machine", () => {
      const { dir, lib: libFile } = installedCopy();
      const r = spawnSync(process.execPath, ["main.mjs"], {
        cwd: dir,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout.trim());
      assert.equal(got.from, "cache");
      assert.equal(got.stacks.length, 3);
      for (const stack of got.stacks as string[]) {
        const frames = stack.split("\n").filter((l) =>
          l.includes("library.js")
        );
        assert.ok(frames.length > 0, stack);
        for (const f of frames) {
          assert.ok(!f.includes(pkgDir), `names the build's folder: ${f}`);
          const file = /\((.*):\d+:\d+\)$|at (.*):\d+:\d+$/.exec(f);
          assert.ok(file !== null, f);
          assert.ok(
            [libFile, "npy-append-array/node/library.js"].includes(
              file[1] ?? file[2]!,
            ),
            f,
          );
        }
      }
    });
  });

  describe("npm build: class names", () => {
    test("every exported class keeps its name, in every build", () => {
      const bad = Object.entries(lib)
        .filter(([k, v]) => typeof v === "function" && v.name !== k)
        .map(([k, v]) => `${k} is named ${(v as { name: string }).name}`);
      assert.deepEqual(bad, []);
      const dir = tempDir();
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(pkgDir, join(dir, "node_modules", "npy-append-array"), "dir");
      writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
      writeFileSync(join(dir, "names.mjs"), NAMES);
      const runs: [string, string[]][] = [
        ["Node's build", [process.execPath, "names.mjs", "npy-append-array"]],
        ["the ES modules", [
          process.execPath,
          "names.mjs",
          "./node_modules/npy-append-array/mod.js",
        ]],
        ["Bun's build", [
          "npx",
          "-y",
          "bun@1.4.5",
          "names.mjs",
          "npy-append-array",
        ]],
      ];
      for (const [what, cmd] of runs) {
        const r = spawnSync(cmd[0]!, cmd.slice(1), {
          cwd: dir,
          encoding: "utf8",
        });
        assert.equal(r.status, 0, `${what}: ${r.stderr}`);
        const got = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
        assert.deepEqual(got.bad, [], what);
        // JavaScriptCore's frames name no class.
        if (cmd[0] === process.execPath) {
          assert.equal(got.frame, "NpyAppendArraySync.append", what);
          // The caller's own line is within V8's 10 frames of an error.
          assert.equal(got.caller, true, what);
        }
      }
    });
  });
}
