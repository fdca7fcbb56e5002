/**
 * The JSR package (issue 17.2, cold start on Deno), as
 * `scripts/build_jsr.ts` builds it: each export is an esbuild bundle of
 * the TypeScript sources whose types are those sources
 * (`// @ts-self-types="../mod.ts"`), so Deno loads 3 modules instead of 72
 * while type checks and documentation stay the sources'. The package is
 * built from the sources at publish time (no copy in git); these tests
 * build it once into a temporary folder and check what a JSR user gets:
 * the same names, the same documentation and types, working code, one
 * class per name across entries, and a package `deno publish` accepts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as sources from "../mod.ts";
import * as sourceAdapters from "../adapters.ts";
import { buildJsr, selfTypes } from "../scripts/build_jsr.ts";
import { tempDir } from "./_numpy.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const ENTRIES = { ".": "mod", "./adapters": "adapters", "./cli": "cli" };

let built: string | undefined;
/** The package, built once for the whole file. */
function pkg(): string {
  return built ??= buildJsr(join(tempDir(), "jsr"));
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Runs Deno; its exit code and output (stdout then stderr, no colours). */
function deno(args: string[], cwd: string): { code: number; out: string } {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.FORCE_COLOR; // set (to "0") by scripts/test_all.ts: Deno colours then
  const r = spawnSync(Deno.execPath(), args, {
    cwd,
    encoding: "utf8",
    env,
    maxBuffer: 1 << 28,
  });
  return {
    code: r.status ?? 1,
    out: `${r.stdout}${r.stderr}`.replace(ANSI, ""),
  };
}

/** Every file under `dir`, relative to it, sorted. */
function files(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The relative modules a bundle imports statically. */
function imports(path: string): string[] {
  const js = readFileSync(path, "utf8");
  return [
    ...js.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.{0,2}\/[^"']*)["']/g),
  ].map((m) => m[1]!);
}

describe("JSR package: bundles typed by the TypeScript sources", () => {
  test("exports point at the bundles, each typed by its source, which is published as it is", () => {
    const dir = pkg();
    const config = JSON.parse(readFileSync(join(dir, "deno.json"), "utf8"));
    const root = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
    assert.equal(config.name, root.name);
    assert.equal(config.version, root.version);
    assert.deepEqual(root.exports, {
      ".": "./mod.ts",
      "./adapters": "./adapters.ts",
      "./cli": "./cli.ts",
    });
    for (const [key, name] of Object.entries(ENTRIES)) {
      assert.equal(config.exports[key], `./dist/${name}.js`);
      const first = readFileSync(join(dir, "dist", `${name}.js`), "utf8")
        .split("\n")[0];
      assert.equal(first, selfTypes(`${name}.ts`));
    }
    // The types and the documentation: byte for byte the repository's.
    const published = files(dir).filter((f) =>
      !f.startsWith("dist/") && f !== "deno.json"
    );
    assert.deepEqual(
      published,
      [
        "LICENSE",
        "README.md",
        "adapters.ts",
        "cli.ts",
        "mod.ts",
        ...files(join(ROOT, "src")).map((f) => `src/${f}`),
      ].sort(),
    );
    for (const f of published) {
      assert.ok(
        readFileSync(join(dir, f)).equals(readFileSync(join(ROOT, f))),
        f,
      );
    }
  });

  test("mod.js loads 3 modules: itself and shared chunks, never a source file", () => {
    const dist = join(pkg(), "dist");
    const seen = new Set<string>();
    const walk = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const s of imports(path)) {
        assert.match(s, /^\.{1,2}\/(chunks\/)?chunk-[^/]+\.js$/, path);
        walk(join(path, "..", s));
      }
    };
    walk(join(dist, "mod.js"));
    assert.ok(seen.size <= 3, [...seen].join(", "));
    for (const name of ["adapters", "cli"]) {
      for (const s of imports(join(dist, `${name}.js`))) {
        assert.match(s, /^\.\/chunks\/chunk-[^/]+\.js$/, name);
      }
    }
  });

  test("the bundles export the sources' names, and write what the sources read", async () => {
    const dist = join(pkg(), "dist");
    const lib: typeof sources = await import(
      pathToFileURL(join(dist, "mod.js")).href
    );
    const adapters: typeof sourceAdapters = await import(
      pathToFileURL(join(dist, "adapters.js")).href
    );
    const cli = await import(pathToFileURL(join(dist, "cli.js")).href);
    assert.deepEqual(Object.keys(lib).sort(), Object.keys(sources).sort());
    assert.deepEqual(
      Object.keys(adapters).sort(),
      Object.keys(sourceAdapters).sort(),
    );
    assert.deepEqual(Object.keys(cli), ["main"]);

    const path = join(tempDir(), "bundle.npy");
    const npy = lib.NpyAppendArraySync.open(path);
    npy.append({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    npy.append([[7, 8, 9]]);
    npy.close();
    const a = sources.readNpySync(path);
    assert.deepEqual(a.shape, [3, 3]);
    assert.deepEqual([...(a.data as Float64Array)], [
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
    ]);
    // The bundle's errors are its own classes, with the sources' messages.
    writeFileSync(path, "not a .npy file\n".repeat(20));
    assert.throws(() => lib.readNpySync(path), (e: unknown) => {
      assert.ok(e instanceof lib.NpyFormatError);
      assert.equal(e.code, "bad-magic");
      assert.match(e.message, /bundle\.npy/);
      return true;
    });
  });

  test("mod.js and adapters.js share one class per name (a DenoFile is a SyncBackedFile of mod.js)", async () => {
    const dist = join(pkg(), "dist");
    const lib: typeof sources = await import(
      pathToFileURL(join(dist, "mod.js")).href
    );
    const adapters: typeof sourceAdapters = await import(
      pathToFileURL(join(dist, "adapters.js")).href
    );
    const path = join(tempDir(), "adapter.npy");
    using file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
    });
    const f = new adapters.DenoFile(file);
    assert.ok(f instanceof lib.SyncBackedFile);
    assert.ok(!(f instanceof sources.SyncBackedFile));
    const npy = lib.NpyAppendArraySync.open(f);
    npy.append([[1, 2]]);
    npy.close();
    assert.deepEqual(sources.readNpySync(path).shape, [1, 2]);
  });

  test("deno doc of the bundles is deno doc of the sources", () => {
    const dir = pkg();
    const names = Object.values(ENTRIES);
    const src = deno(["doc", "--json", ...names.map((n) => `${n}.ts`)], ROOT);
    assert.equal(src.code, 0, src.out.slice(-2000));
    const out = deno(
      ["doc", "--json", ...names.map((n) => `dist/${n}.js`)],
      dir,
    );
    assert.equal(out.code, 0, out.out.slice(-2000));
    const norm = (text: string, base: string) =>
      text.replaceAll(pathToFileURL(base).href, "file:///PKG");
    const docs = JSON.parse(norm(out.out, dir));
    const expected = JSON.parse(norm(src.out, ROOT));
    // Keyed by entry: the bundle's URL there, the source's here.
    assert.deepEqual(
      Object.keys(docs.nodes),
      names.map((n) => `file:///PKG/dist/${n}.js`),
    );
    for (const n of names) {
      const got = docs.nodes[`file:///PKG/dist/${n}.js`];
      assert.ok(got.symbols.length > 0, n);
      assert.deepEqual(got, expected.nodes[`file:///PKG/${n}.ts`], n);
    }
  });

  test("a user's type error against the bundle is caught: the types are the sources', not any", () => {
    const user = join(tempDir(), "user.ts");
    writeFileSync(
      user,
      [
        "import {",
        "  NpyAppendArraySync,",
        "  type NpyAppendArrayOptions,",
        "  readNpySync,",
        `} from ${
          JSON.stringify(pathToFileURL(join(pkg(), "dist", "mod.js")).href)
        };`,
        `const options: NpyAppendArrayOptions = { deleteIfExists: true };`,
        `const shape: readonly number[] = readNpySync("a.npy").shape;`,
        `const wrong: string = NpyAppendArraySync.open("a.npy", options);`,
        `console.log(shape, wrong);`,
        "",
      ].join("\n"),
    );
    const r = deno(["check", user], join(user, ".."));
    assert.notEqual(r.code, 0, r.out);
    const errors = [...r.out.matchAll(/TS\d+ \[ERROR\][^\n]*/g)];
    assert.equal(errors.length, 1, r.out);
    assert.match(r.out, /TS2322 .*'NpyAppendArraySync'.*'string'/);
    assert.match(r.out, /user\.ts:8:/);
  });

  test("deno publish --dry-run accepts the package and uploads the bundles and the sources", () => {
    const dir = pkg();
    const r = deno(["publish", "--dry-run", "--allow-dirty"], dir);
    assert.equal(r.code, 0, r.out.slice(-3000));
    assert.match(r.out, /Checking for slow types/);
    for (const f of ["dist/mod.js", "dist/cli.js", "mod.ts", "src/header.ts"]) {
      assert.ok(r.out.includes(`${pathToFileURL(dir).href}/${f} `), f);
    }
    assert.match(r.out, /dist\/chunks\/chunk-[^/ ]+\.js /);
  });

  test("the command line runs from its bundle", () => {
    const dir = tempDir();
    const path = join(dir, "c.npy");
    const npy = sources.NpyAppendArraySync.open(path);
    npy.append([[1, 2, 3]]);
    npy.close();
    const r = deno(
      ["run", "-R", "-W", join(pkg(), "dist", "cli.js"), "info", path],
      dir,
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /shape:\s+\(1, 3\)/);
    assert.match(r.out, /dtype:\s+<f8/);
  });
});
