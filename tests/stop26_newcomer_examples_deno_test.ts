/**
 * Stop 26 (h7): every JSDoc example (`deno doc mod.ts`, what a newcomer
 * reads next to the README) imports only what a user of the package can:
 * `@x/npy-append-array` and its `/adapters` and `/cli` entries, `node:`,
 * `jsr:` or `npm:` modules. `readNpyRecords` and `readNpyRecordsSync`
 * imported `./read_npy_records.ts`: saved as a file, each failed with
 * "Module not found".
 */

import { test } from "node:test";
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const ALLOWED = /^(@x\/npy-append-array(\/adapters|\/cli)?|(node|jsr|npm):.+)$/;

/** Every `@example` text anywhere in `deno doc --json` output. */
function examples(node: unknown, where: string, out: [string, string][]) {
  if (Array.isArray(node)) {
    for (const n of node) examples(n, where, out);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  const here = typeof obj.name === "string" ? `${where}/${obj.name}` : where;
  const tags = (obj.jsDoc as { tags?: { kind: string; doc?: string }[] })
    ?.tags;
  for (const t of tags ?? []) {
    if (t.kind === "example") out.push([here, t.doc ?? ""]);
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k !== "jsDoc") examples(v, here, out);
  }
}

test("every JSDoc example imports only the package's entries and node: modules", () => {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts", "adapters.ts", "cli.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const found: [string, string][] = [];
  examples(JSON.parse(new TextDecoder().decode(out.stdout)), "", found);
  assert.ok(found.length > 100, `only ${found.length} examples`);
  const bad: string[] = [];
  for (const [where, doc] of found) {
    for (const m of doc.matchAll(/\bfrom\s+"([^"]+)"|\bimport\s+"([^"]+)"/g)) {
      const spec = m[1] ?? m[2]!;
      if (!ALLOWED.test(spec)) bad.push(`${where}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
