/**
 * Compile hints in the ES module bundles (issue 17.2, cold start;
 * scripts/compile_hints.ts): the top-level functions a short-lived process
 * runs are parenthesized, so V8 compiles them with the module (and Deno's
 * code cache keeps them) instead of at their first call. Checked with V8's
 * own function events, under Deno only (V8 flags, `Deno.execPath`).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
// deno-lint-ignore no-import-prefix -- a build tool, fetched by Deno from npm where it runs (bench/ has its own package.json)
import { parse } from "npm:acorn@8.15.0";
import { bundle } from "../scripts/build_npm.ts";
import {
  hintFunctions,
  lazilyCompiled,
  refuseImportCycles,
} from "../scripts/compile_hints.ts";
import { tempDir } from "./_numpy.ts";

/** The names of a module's top-level function declarations. */
function topLevelFunctions(text: string): Set<string> {
  const ast = parse(text, { ecmaVersion: "latest", sourceType: "module" });
  const body = (ast as unknown as {
    body: { type: string; id?: { name: string } }[];
  }).body;
  return new Set(
    body.filter((n) => n.type === "FunctionDeclaration").map((n) => n.id!.name),
  );
}

describe("compile hints", () => {
  test("hinted functions keep their names, values and hoisting", async () => {
    const text = `import{x}from"data:text/javascript,export const x=1";` +
      `const early=twice(3);` +
      `function twice(n){return 2*n}` +
      `function lazy(){return "lazy"}` +
      `var inc=(n)=>n+x,keep=()=>0;` +
      `export{early,twice,lazy,inc,keep};`;
    const { text: out, hinted } = hintFunctions(
      text,
      new Set(["twice", "inc", "absent"]),
    );
    assert.deepEqual(hinted, ["inc", "twice"]);
    assert.ok(out.includes("var twice=(function twice(n){return 2*n});"));
    assert.ok(out.includes("inc=((n)=>n+x)"));
    assert.ok(out.includes("function lazy(){"), "unlisted: as it was");
    assert.ok(out.includes("keep=()=>0"));
    // Hoisted above the code that calls it first.
    assert.ok(out.indexOf("var twice=") < out.indexOf("const early="));
    const m = await import(
      `data:text/javascript,${encodeURIComponent(out)}`
    );
    assert.equal(m.early, 6);
    assert.equal(m.twice.name, "twice");
    assert.equal(m.twice.length, 1);
    assert.equal(m.inc(1), 2);
    assert.equal(m.inc.name, "inc");
    assert.equal(m.lazy(), "lazy");
  });

  test("the bundle's cold path compiles with the module", () => {
    const dir = join(tempDir(), "bundle");
    bundle(["mod.ts"], dir, "esm", true);
    const mod = pathToFileURL(join(dir, "mod.js")).href;
    // One entry: one file, no chunks (`bundle()` splits shared code only).
    const chunks = [join(dir, "mod.js")];
    assert.deepEqual(readdirSync(dir), ["mod.js"]);
    let hinted = 0;
    /** Top-level functions V8 compiled lazily in one run of the scenario. */
    const lazyRun = (): string[] => {
      const out: string[] = [];
      const compiled = lazilyCompiled(mod);
      for (const file of chunks) {
        const text = readFileSync(file, "utf8");
        const declared = topLevelFunctions(text);
        const url = pathToFileURL(file).href;
        for (const c of compiled) {
          if (c.url === url && declared.has(c.name)) out.push(c.name);
        }
      }
      return out;
    };
    for (const file of chunks) {
      hinted += readFileSync(file, "utf8").match(/var [\w$]+=\(function /g)
        ?.length ?? 0;
    }
    // The scenario takes locks in /tmp, where killed lock takers of other
    // tests (other runtimes' kill sweeps, at once in CI) leave what the
    // scenario then removes: a run that found such leftovers runs the
    // tidy-up's functions, which the build's run did not. They are gone
    // after that run, so a function lazy in a second run too is a miss.
    let stillLazy = lazyRun();
    if (stillLazy.length > 0) {
      const again = new Set(lazyRun());
      stillLazy = stillLazy.filter((name) => again.has(name));
    }
    // About 90 functions on 2026-11-30; fewer than 40 means the scenario
    // or the rewrite stopped finding them.
    assert.ok(hinted >= 40, `${hinted} functions hinted`);
    assert.deepEqual(
      stillLazy,
      [],
      "top-level functions still compiled lazily",
    );
  });

  test("files that import each other in a cycle are refused", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "chunks"));
    writeFileSync(
      join(dir, "mod.js"),
      `import{a}from"./chunks/a.js";export{a};`,
    );
    writeFileSync(
      join(dir, "chunks", "a.js"),
      `import"./b.js";export function a(){}`,
    );
    writeFileSync(join(dir, "chunks", "b.js"), `export function b(){}`);
    const files = ["mod.js", "chunks/a.js", "chunks/b.js"];
    refuseImportCycles(dir, files); // a chain, no cycle
    writeFileSync(join(dir, "chunks", "b.js"), `import"../mod.js";`);
    assert.throws(
      () => refuseImportCycles(dir, files),
      /mod\.js -> chunks\/a\.js -> chunks\/b\.js -> mod\.js import each other/,
    );
  });
});
