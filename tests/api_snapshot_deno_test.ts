/**
 * The public surface, pinned: every symbol that `mod.ts` (and the
 * `./adapters` and `./cli` entry points) exports, with its kind, and for
 * functions, classes and interfaces their signatures, as `deno doc --json`
 * sees them. Any change to the surface shows as a diff of
 * `tests/api_snapshot.txt`.
 *
 * After a deliberate change, update the snapshot and review the diff:
 *
 * ```sh
 * UPDATE_SNAPSHOT=1 npx -y deno@2.9.6 test -A tests/api_snapshot_deno_test.ts
 * git diff tests/api_snapshot.txt
 * ```
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);
const SNAPSHOT = new URL("api_snapshot.txt", import.meta.url);
const ENTRIES = ["mod.ts", "adapters.ts", "cli.ts"] as const;
/** The most symbols `mod.ts` may export (issue 11: 65 with stacks and groups; stop 24: `castRefusal`). */
const MAX_MOD_SYMBOLS = 66;

// deno doc's JSON is loosely typed; these are the parts read here.
// deno-lint-ignore no-explicit-any
type Json = any;

function type(t: Json): string {
  if (t === undefined || t === null) return "?";
  const v = t.value;
  switch (t.kind) {
    case "keyword":
      return v;
    case "typeRef": {
      const params = v.typeParams as Json[] | undefined;
      return params?.length
        ? `${v.typeName}<${params.map(type).join(", ")}>`
        : v.typeName;
    }
    case "union":
      return (v as Json[]).map(type).join(" | ");
    case "intersection":
      return (v as Json[]).map(type).join(" & ");
    case "array":
      return `${type(v)}[]`;
    case "tuple":
      return `[${(v as Json[]).map(type).join(", ")}]`;
    case "parenthesized":
      return `(${type(v)})`;
    case "typeOperator":
      return `${v.operator} ${type(v.tsType)}`;
    case "fnOrConstructor":
      return `${v.constructor ? "new " : ""}(${params(v.params)}) => ${
        type(v.tsType)
      }`;
    case "literal":
      return v.kind === "string" ? JSON.stringify(v.string) : t.repr;
    case "typeLiteral":
      return `{ ${members(v).join("; ")} }`;
    case "indexedAccess":
      return `${type(v.objType)}[${type(v.indexType)}]`;
    default:
      return t.repr || t.kind;
  }
}

function param(p: Json): string {
  switch (p.kind) {
    case "identifier":
      return `${p.name}${p.optional ? "?" : ""}: ${type(p.tsType)}`;
    case "assign":
      return `${param(p.left).replace(/^(\w+)/, "$1?")}`;
    case "rest":
      return `...${param(p.arg)}`;
    default:
      return p.kind;
  }
}

function params(ps: Json[] | undefined): string {
  return (ps ?? []).map(param).join(", ");
}

function typeParams(tps: Json[] | undefined): string {
  return tps?.length ? `<${tps.map((t) => t.name).join(", ")}>` : "";
}

function fn(name: string, f: Json): string {
  return `${name}${typeParams(f.typeParams)}(${params(f.params)}): ${
    type(f.returnType)
  }`;
}

function members(def: Json): string[] {
  const out: string[] = [];
  for (const c of def.constructors ?? []) {
    if (c.accessibility === "private") continue;
    out.push(`new (${params(c.params)})`);
  }
  for (const p of def.properties ?? []) {
    if (p.accessibility === "private") continue;
    out.push(
      `${p.isStatic ? "static " : ""}${p.readonly ? "readonly " : ""}${p.name}${
        p.optional ? "?" : ""
      }: ${type(p.tsType)}`,
    );
  }
  for (const m of def.methods ?? []) {
    if (m.accessibility === "private") continue;
    const f = m.functionDef ?? m;
    const prefix = m.isStatic ? "static " : "";
    if (m.kind === "getter") {
      out.push(`${prefix}get ${m.name}: ${type(f.returnType)}`);
    } else if (m.kind === "setter") {
      out.push(`${prefix}set ${m.name}(${params(f.params)})`);
    } else {
      out.push(
        `${prefix}${
          fn(m.name + (m.optional ? "?" : ""), {
            typeParams: f.typeParams,
            params: f.params,
            returnType: f.returnType,
          })
        }`,
      );
    }
  }
  for (const s of def.indexSignatures ?? []) {
    out.push(`[${params(s.params)}]: ${type(s.tsType)}`);
  }
  return out;
}

function symbolLines(s: Json): string[] {
  const lines: string[] = [];
  for (const d of s.declarations) {
    const def = d.def;
    switch (d.kind) {
      case "function":
        lines.push(`function ${fn(s.name, def)}`);
        break;
      case "class": {
        const ext = def.extends ? ` extends ${def.extends}` : "";
        lines.push(`class ${s.name}${typeParams(def.typeParams)}${ext}`);
        for (const m of members(def)) lines.push(`  ${m}`);
        break;
      }
      case "interface": {
        const ext = (def.extends ?? []).map(type).join(", ");
        lines.push(
          `interface ${s.name}${typeParams(def.typeParams)}${
            ext ? ` extends ${ext}` : ""
          }`,
        );
        for (const m of members(def)) lines.push(`  ${m}`);
        break;
      }
      case "typeAlias":
        lines.push(
          `type ${s.name}${typeParams(def.typeParams)} = ${type(def.tsType)}`,
        );
        break;
      case "variable":
        lines.push(`${def.kind} ${s.name}: ${type(def.tsType)}`);
        break;
      default:
        lines.push(`${d.kind} ${s.name}`);
    }
  }
  return lines;
}

/** The snapshot text of one entry point, and its symbol count. */
function surface(entry: string): { text: string; count: number } {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  });
  const out = cmd.outputSync();
  if (!out.success) {
    throw new Error(`deno doc failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const key = Object.keys(doc.nodes).find((k) => k.endsWith(`/${entry}`))!;
  const symbols: Json[] = doc.nodes[key].symbols;
  const blocks = symbols
    .map((s) => symbolLines(s).join("\n"))
    .sort((a, b) => {
      const name = (t: string) => t.split("\n")[0]!.replace(/^\S+ /, "");
      return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
    });
  return {
    text: `## ${entry} (${symbols.length} symbols)\n\n${blocks.join("\n")}\n`,
    count: symbols.length,
  };
}

test("the public API matches tests/api_snapshot.txt", () => {
  const parts = ENTRIES.map(surface);
  const actual = parts.map((p) => p.text).join("\n");
  if (Deno.env.get("UPDATE_SNAPSHOT") === "1") {
    writeFileSync(SNAPSHOT, actual);
  }
  const expected = readFileSync(SNAPSHOT, "utf8");
  assert.equal(
    actual,
    expected,
    "The public API changed: if on purpose, run UPDATE_SNAPSHOT=1 deno test -A tests/api_snapshot_deno_test.ts and commit the diff",
  );
  assert.ok(
    parts[0]!.count <= MAX_MOD_SYMBOLS,
    `mod.ts exports ${parts[0]!.count} symbols, more than ${MAX_MOD_SYMBOLS}`,
  );
});

test("internals stay out of mod.ts", async () => {
  const mod = await import("../mod.ts") as Record<string, unknown>;
  for (
    const name of [
      "headerText",
      "wrapHeaderText",
      "checkByteCount",
      "MAGIC",
      "pyRepr",
      "parsePyLiteral",
      "prepareArray",
      "typedArrayName",
      "nodeFs",
      "decodeItems",
    ]
  ) {
    assert.equal(name in mod, false, `${name} is exported`);
  }
  for (const name of ["inspectNpy", "inspectNpySync", "NpyLockedError"]) {
    assert.equal(typeof mod[name], "function", `${name} is missing`);
  }
});
