/**
 * Fuzzes everything that reads a `.npy` file (header parser, writers'
 * `open`, readers, maintenance functions) with mutated and made-up files.
 * See `tests/_fuzz.ts` for the mutations and what is checked.
 *
 *     deno run -A scripts/fuzz.ts [--cases N] [--seed S] [--only I] [--slow-ms MS]
 *       [--max-case-bytes B]
 *
 * A case slower than `--slow-ms` (default 1000) or growing the resident set
 * by more than `--max-case-bytes` (default 100 MiB) is a failure.
 *
 * Seeds are the NumPy fixtures in `tests/fixtures/*.npy` plus files our
 * writer makes. Exits 1 when any case fails, printing the case index and
 * the file (base64) so it can be replayed with `--seed S --only I`.
 *
 * @module
 */

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadMaintenance, runFuzz, writerSeeds } from "../tests/_fuzz.ts";

function arg(name: string, fallback: number | undefined): number | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`${name} needs a non-negative integer`);
    process.exit(2);
  }
  return n;
}

/** The seed files: NumPy fixtures and files our writer makes. */
export function loadSeeds(): Uint8Array[] {
  const dir = fileURLToPath(new URL("../tests/fixtures/", import.meta.url));
  const seeds: Uint8Array[] = [];
  try {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith(".npy")) {
        seeds.push(new Uint8Array(readFileSync(join(dir, name))));
      }
    }
  } catch {
    // no fixtures: the writer's seeds alone
  }
  return [...seeds, ...writerSeeds()];
}

if (import.meta.main) {
  const cases = arg("--cases", 100_000)!;
  const seed = arg("--seed", 1)!;
  const only = arg("--only", undefined);
  // The issue's bounds: no case over 1 s or 100 MiB.
  const slowMs = arg("--slow-ms", 1000);
  const maxCaseBytes = arg("--max-case-bytes", 100 * 2 ** 20)!;
  const seeds = loadSeeds();
  const maintenance = await loadMaintenance();
  console.error(
    `fuzzing ${
      only !== undefined ? `case ${only}` : `${cases} cases`
    }, seed ${seed}, ${seeds.length} seed files, maintenance: ${
      Object.keys(maintenance).join(", ") || "none"
    }`,
  );
  const report = await runFuzz({
    seeds,
    cases,
    seed,
    ...(only !== undefined ? { only } : {}),
    ...(slowMs !== undefined ? { slowMs } : {}),
    maxCaseBytes,
    maintenance,
    ...(process.argv.includes("--trace")
      ? { trace: (i: number) => writeFileSync("/dev/stderr", `${i}\n`) }
      : {}),
    progress: (n) => console.error(`  ${n} cases`),
  });
  const outcomes = Object.entries(report.outcomes).sort();
  for (const [k, v] of outcomes) console.log(`${String(v).padStart(8)}  ${k}`);
  console.log(
    `${report.cases} cases, seed ${report.seed}, ${
      (report.elapsedMs / 1000).toFixed(1)
    } s, slowest case ${report.slowestIndex} (${
      report.slowestMs.toFixed(1)
    } ms), largest resident-set growth in one case ${
      (report.maxCaseRssGrowth / 2 ** 20).toFixed(1)
    } MiB, peak resident set ${
      (report.peakRss / 2 ** 20).toFixed(0)
    } MiB, ${report.failures.length} failures`,
  );
  for (const f of report.failures) {
    console.log(`\ncase ${f.index}: ${f.what}: ${f.error}\n  file: ${f.file}`);
  }
  process.exit(report.failures.length > 0 ? 1 : 0);
}
