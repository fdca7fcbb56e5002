/**
 * Every code block of README.md runs as written, on the runtime it names,
 * in a temporary folder (so reruns start clean), in README order (a Python
 * block reads what the TypeScript block before it wrote):
 *
 * - `ts` blocks under Deno, with the README's own `deno.json` import map
 *   (the `json` block holding `"imports"`) pointed at this clone;
 * - `js` blocks under Node on the built npm package (`npm/`), packed with
 *   `npm pack` and installed into a project with `npm install`, as the
 *   README's Install section says; under Bun on the sources;
 * - `python` blocks saved as scripts, run with `/usr/bin/python3` (NumPy;
 *   Dask and distributed for the stack block). A line marked `readme-test: skip` is left out: Ray
 *   (`import ray`, `ray.data.read_numpy`) cannot be installed here (no
 *   PyPI); the block's last part checks the `*.npy` files Ray would read;
 * - `sh` blocks under bash with `npy-append-array` running this clone's
 *   `cli.ts` under Deno;
 * - the `group.json` block equals the file the group example wrote.
 *
 * Every `ts` and `js` block says `ignore` in its info string for Deno's own
 * `deno test --doc` (which would run it in the clone's folder); this file
 * runs them. Shell blocks that say `ignore` are not run: the list is pinned
 * below (registry installs, the clone-and-pack commands that need the
 * network, the contributor commands), so a new block cannot be skipped by
 * accident. The clone-and-pack path is run here from `npm/` instead (Node).
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPILED, RUNTIME } from "./_runtime.ts";
import { hasNumpy, numpyTestOptions, PYTHON } from "./_numpy.ts";

/** The clone's root (or `npm/` when the tests run compiled under Node). */
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const README = fs.readFileSync(join(ROOT, "README.md"), "utf8");

interface Block {
  lang: string;
  info: string;
  line: number;
  code: string;
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    out.push({
      lang: open[1]!,
      info: open[2]!.trim(),
      line: start + 1,
      code: body.join("\n") + "\n",
    });
  }
  return out;
}

const ALL = blocks(README);
/** Shell blocks marked `ignore` are not run (see the list below). */
const notRun = (b: Block): boolean =>
  b.info.includes("ignore") && b.lang !== "ts" && b.lang !== "js";
const IGNORED_EXPECTED = [
  "sh: git clone",
  "sh: deno add jsr:@x/npy-append-array",
  "sh: npx -y deno@2.9.6 task demo",
];

test("README: blocks not run are the pinned ones, each with a reason", () => {
  for (const b of ALL.filter((b) => b.lang === "ts" || b.lang === "js")) {
    assert.ok(
      b.info.includes("ignore"),
      `README.md:${b.line}: mark it \`${b.lang} ignore\` so deno test --doc leaves it to this test`,
    );
  }
  const ignored = ALL.filter(notRun).map((b) =>
    `${b.lang}: ${b.code.split("\n")[0]!.split(/\s+#|\s{2,}/)[0]}`
  );
  assert.deepEqual(
    ignored.map((s) => IGNORED_EXPECTED.some((e) => s.startsWith(e))),
    ignored.map(() => true),
    `unexpected ignored blocks: ${ignored.join(" | ")}`,
  );
  assert.equal(ignored.length, IGNORED_EXPECTED.length);
  const langs = new Set(ALL.map((b) => b.lang));
  for (const l of langs) {
    assert.ok(
      ["ts", "js", "python", "sh", "json"].includes(l),
      `a README block in "${l}" has no runner`,
    );
  }
});

test("README: under 30,000 bytes", () => {
  const bytes = new TextEncoder().encode(README).length;
  assert.ok(bytes < 30_000, `README.md is ${bytes} bytes, 30,000 or more`);
});

test("README: the API section lists exactly the surface of tests/api_snapshot.txt", () => {
  const snapshot = fs.readFileSync(
    join(ROOT, "tests", "api_snapshot.txt"),
    "utf8",
  );
  const modPart = snapshot.split(/^## /m).find((p) => p.startsWith("mod.ts"));
  assert.ok(modPart, "api_snapshot.txt has no mod.ts section");
  const surface = new Set(
    [...modPart.matchAll(
      /^(?:class|function|interface|type|const|let|enum) (\w+)/gm,
    )]
      .map((m) => m[1]!),
  );
  const api = README.slice(README.indexOf("\n## API\n"));
  const section = api.slice(0, api.indexOf("\n## ", 5));
  assert.match(section, new RegExp(`exports ${surface.size} symbols`));
  // One list item per group: `- group: names`, wrapped over lines.
  const items = section.split(/^- /m).slice(1).map((item) =>
    item.split(/\n\n/)[0]!.replace(/\s+/g, " ")
  );
  assert.ok(items.length > 0, "the API section lists no groups");
  const listed = new Set<string>();
  for (const item of items) {
    const names = item.slice(item.indexOf(":") + 1).replace(/\([^)]*\)/g, "");
    for (const m of names.matchAll(/`([^`]+)`/g)) {
      for (const name of m[1]!.split(/,\s*/)) listed.add(name);
    }
  }
  // "and their `...Sync` twins" of the maintenance row
  for (
    const f of ["recover", "ensureAppendable", "isAppendable", "needsRecovery"]
  ) {
    listed.delete("...Sync");
    listed.add(`${f}Sync`);
  }
  assert.deepEqual([...listed].sort(), [...surface].sort());
});

const DIR = fs.mkdtempSync(join(os.tmpdir(), "readme-"));

function run(
  cmd: string,
  args: string[],
  what: Block,
  env: Record<string, string> = {},
): string {
  const res = spawnSync(cmd, args, {
    cwd: DIR,
    encoding: "utf8",
    env: { ...process.env, ...env, NO_COLOR: "1" },
    timeout: 300_000,
  });
  assert.equal(
    res.status,
    0,
    `README.md:${what.line} (${what.lang}) failed under ${cmd}:\n${res.stdout}\n${res.stderr}${
      res.error ? String(res.error) : ""
    }`,
  );
  if (process.env.README_TEST_VERBOSE) console.log(res.stdout);
  return res.stdout;
}

function hasDask(): boolean {
  return spawnSync(PYTHON, ["-c", "import dask.array, distributed"], {
    stdio: "ignore",
  }).status === 0;
}

if (RUNTIME === "deno" && !COMPILED) {
  const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno
    .execPath();
  const importMap = ALL.find((b) =>
    b.lang === "json" && b.code.includes('"imports"')
  );
  test("README: the Deno import map points at a clone's mod.ts", () => {
    assert.ok(importMap, "README has no deno.json import map block");
    const map = JSON.parse(importMap.code) as {
      imports: Record<string, string>;
    };
    for (const [k, v] of Object.entries(map.imports)) {
      assert.match(v, /^\.\/npy-append-array\//, k);
      map.imports[k] = v.replace("./npy-append-array/", ROOT + "/");
    }
    fs.writeFileSync(join(DIR, "deno.json"), JSON.stringify(map));
    // Every TypeScript block type-checks, as a user's editor would check it.
    const files = ALL.flatMap((b, i) => {
      if (b.lang !== "ts") return [];
      const file = join(DIR, `check_${i + 1}.ts`);
      fs.writeFileSync(file, b.code);
      return [file];
    });
    run(deno, ["check", "--quiet", ...files], importMap);
  });

  let n = 0;
  for (const block of ALL) {
    n++;
    if (notRun(block)) continue;
    const name = `README.md:${block.line} ${block.lang}`;
    if (block.lang === "ts") {
      test(name, () => {
        const file = join(DIR, `block_${n}.ts`);
        fs.writeFileSync(file, block.code);
        run(deno, ["run", "-A", "--quiet", file], block);
      });
    } else if (block.lang === "python") {
      const dask = block.code.includes("dask");
      const opts = numpyTestOptions();
      const skip = opts.skip ??
        (dask && hasNumpy() && !hasDask() && !process.env.CI
          ? `Dask or distributed not found for ${PYTHON} (apt-get install python3-dask python3-distributed)`
          : undefined);
      test(name, skip ? { skip } : {}, () => {
        // Ray is not installable here: its lines carry this marker.
        const code = block.code.split("\n").filter((l) =>
          !l.includes("readme-test: skip")
        ).join("\n");
        // Saved and run as a script, as a reader would (a `-c` program
        // hid that Dask's worker processes import the script again).
        const file = join(DIR, `block_${n}.py`);
        fs.writeFileSync(file, code);
        run(PYTHON, [file], block);
      });
    } else if (block.lang === "sh") {
      test(name, () => {
        const cli = join(ROOT, "cli.ts");
        const prelude =
          `set -euo pipefail\nnpy-append-array() { "${deno}" run -A --quiet "${cli}" "$@"; }\n`;
        run("bash", ["-c", prelude + block.code], block);
      });
    } else if (block.lang === "json" && block.code.includes('"members"')) {
      test(name, () => {
        const written = JSON.parse(
          fs.readFileSync(join(DIR, "train", "group.json"), "utf8"),
        );
        assert.deepEqual(written, JSON.parse(block.code));
      });
    }
  }
}

// Node: the js blocks on the packed and installed npm package.
// Bun: the same blocks on the sources.
if (RUNTIME === "node" || (RUNTIME === "bun" && !COMPILED)) {
  const jsBlocks = ALL.filter((b) => b.lang === "js");
  test(`README: install the package (${RUNTIME})`, () => {
    const mod = join(DIR, "node_modules", "npy-append-array");
    fs.writeFileSync(
      join(DIR, "package.json"),
      JSON.stringify({ name: "readme-blocks", private: true, type: "module" }),
    );
    if (RUNTIME === "node") {
      // ROOT is npm/: the README's `npm pack ./npm`, then `npm install`.
      const tgz = run("npm", ["pack", ROOT, "--silent"], ALL[0]!).trim()
        .split("\n").pop()!;
      run("npm", [
        "install",
        "--offline",
        "--no-audit",
        "--no-fund",
        join(DIR, tgz),
      ], ALL[0]!);
      assert.ok(fs.existsSync(join(mod, "mod.js")));
    } else {
      fs.mkdirSync(mod, { recursive: true });
      for (const f of ["mod.ts", "adapters.ts", "src"]) {
        fs.symlinkSync(join(ROOT, f), join(mod, f));
      }
      fs.writeFileSync(
        join(mod, "package.json"),
        JSON.stringify({
          name: "npy-append-array",
          type: "module",
          exports: { ".": "./mod.ts", "./adapters": "./adapters.ts" },
        }),
      );
    }
  });
  let n = 0;
  for (const block of jsBlocks) {
    n++;
    test(`README.md:${block.line} js (${RUNTIME})`, () => {
      const file = join(DIR, `block_${n}.mjs`);
      fs.writeFileSync(file, block.code);
      run(process.execPath, [file], block);
    });
  }
}

test("README: remove the temporary folder", () => {
  fs.rmSync(DIR, { recursive: true, force: true });
});
