/**
 * The whole test suite, on every runtime, and the package checks: what
 * `deno task test` (and so `.ci/run`) runs.
 *
 * 1. `deno test -A --doc` (all tests, doc examples, `*_deno_test.ts` files);
 * 2. `bun test` (Bun 1.4.5 from npm) on `tests/*_test.ts` except the
 *    `*_deno_test.ts` files, which use `Deno.*`;
 * 3. `scripts/build_npm.ts` builds `npm/`, tests included;
 * 4. `node --test` on the built tests (Node >= 20);
 * 5. package checks: `deno task build:jsr` and `deno publish --dry-run`
 *    in `jsr/`, `deno doc --lint mod.ts`, publint and Are The Types Wrong
 *    on `npm/`;
 * 6. the browser test (`scripts/browser_test.mjs`, headless Chromium).
 *
 * The tests' Python runs go through one fork server
 * (`scripts/py_fork_server.py`), started here for the whole run.
 *
 * With `CI` set, a run that reports skipped (ignored, todo) tests fails:
 * NumPy tests skip locally without NumPy, never in CI.
 *
 * Run: `deno run -A scripts/test_all.ts [step ...]` with steps among
 * `deno bun build node package browser`, run in the order given; with
 * none, all of them, steps 1 and 2-4 side by side (`LANES`), then 5 and 6.
 *
 * @module
 */

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { PYTHON, PYTHON_SERVER_ENV } from "../tests/_numpy.ts";
import { fileURLToPath } from "node:url";

/** Pinned tool versions (all from npm). */
export const VERSIONS = {
  bun: "bun@1.4.5",
  publint: "publint@0.3.25",
  attw: "@arethetypeswrong/cli@0.18.5",
} as const;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CI = (Deno.env.get("CI") ?? "") !== "" && Deno.env.get("CI") !== "false";

interface Result {
  step: string;
  ok: boolean;
  summary: string;
}

const results: Result[] = [];
/** Tests counted over every runner, for the closing line. */
const total = { passed: 0, failed: 0, skipped: 0 };

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Echoes a child's output as it comes; with a `label`, each line starts
 * with `[label] `, so that two test runs side by side (`LANES`) can be
 * told apart in the log.
 */
function echo(
  to: { writeSync(b: Uint8Array): number },
  label: string | undefined,
): (chunk: Uint8Array) => void {
  if (label === undefined) return (chunk) => void to.writeSync(chunk);
  const decoder = new TextDecoder();
  let partial = "";
  return (chunk) => {
    const lines = (partial + decoder.decode(chunk, { stream: true }))
      .split("\n");
    partial = lines.pop()!;
    if (lines.length === 0) return;
    to.writeSync(
      new TextEncoder().encode(lines.map((l) => `[${label}] ${l}\n`).join("")),
    );
  };
}

/**
 * Runs a command, echoing its output (each line led by `[label] ` when
 * given); resolves to its exit code and text.
 */
function exec(
  cmd: string,
  args: string[],
  cwd = ROOT,
  quiet = false,
  label?: string,
): Promise<{ code: number; text: string }> {
  console.log(`\n${label ? `[${label}] ` : ""}$ ${[cmd, ...args].join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...Deno.env.toObject(), NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    const out = echo(Deno.stdout, label);
    const err = echo(Deno.stderr, label);
    child.stdout.on("data", (chunk: Uint8Array) => {
      if (!quiet) out(chunk);
      text += new TextDecoder().decode(chunk);
    });
    child.stderr.on("data", (chunk: Uint8Array) => {
      err(chunk);
      text += new TextDecoder().decode(chunk);
    });
    child.on("error", (e) => {
      text += String(e);
      resolve({ code: 127, text });
    });
    child.on("close", (code) => {
      resolve({ code: code ?? 1, text: text.replace(ANSI, "") });
    });
  });
}

function record(step: string, ok: boolean, summary: string): void {
  results.push({ step, ok, summary });
  console.log(`\n[${ok ? "ok" : "FAILED"}] ${step}: ${summary}`);
}

/** Fails a test run that skipped tests while CI is set. */
function judge(
  step: string,
  code: number,
  counts: { passed: number; failed: number; skipped: number } | null,
  raw?: string,
): void {
  if (counts === null) {
    record(step, false, `exit code ${code}; no test summary found`);
    total.failed++;
    return;
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  const summary = raw ??
    `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  if (code !== 0 || counts.failed > 0) {
    record(step, false, `${summary} (exit code ${code})`);
  } else if (counts.passed === 0) {
    record(step, false, `${summary}: no tests ran`);
  } else if (CI && counts.skipped > 0) {
    record(step, false, `${summary}: tests must not be skipped in CI`);
  } else {
    record(step, true, summary);
  }
}

function num(text: string, re: RegExp): number {
  let total = 0;
  for (const m of text.matchAll(re)) total += Number(m[1]);
  return total;
}

/** The test files of the runtime-neutral suite (not `*_deno_test.ts`). */
function sharedTests(): string[] {
  return fs.readdirSync(join(ROOT, "tests"))
    .filter((f) => f.endsWith("_test.ts") && !f.endsWith("_deno_test.ts"))
    .sort();
}

async function stepDeno(): Promise<void> {
  const { code, text } = await exec(Deno.execPath(), ["test", "-A", "--doc"]);
  // "ok | 12 passed (30 steps) | 0 failed | 1 ignored (2 steps) (3s)"
  const line = text.split("\n").reverse().find((l) =>
    /^(ok|FAILED) \| \d+ passed/.test(l.trim())
  );
  if (line === undefined) return judge("deno test", code, null);
  const counts = (word: string) => {
    const m = line.match(new RegExp(`(\\d+) ${word}(?: \\((\\d+) steps?\\))?`));
    return m ? Number(m[1]) : 0;
  };
  judge("deno test", code, {
    passed: counts("passed"),
    failed: counts("failed"),
    skipped: counts("ignored"),
  }, line.trim());
}

async function stepBun(): Promise<void> {
  const files = sharedTests().map((f) => `./tests/${f}`);
  const { code, text } = await exec(
    "npx",
    [
      "-y",
      VERSIONS.bun,
      "test",
      // Bun's default is 5 s a test; the NumPy comparisons take longer
      "--timeout",
      "600000",
      ...files,
    ],
    ROOT,
    false,
    "bun",
  );
  if (!/Ran \d+ tests? across/.test(text)) {
    return judge("bun test", code, null);
  }
  judge("bun test", code, {
    passed: num(text, /^\s*(\d+) pass$/gm),
    failed: num(text, /^\s*(\d+) fail$/gm),
    skipped: num(text, /^\s*(\d+) skip$/gm) + num(text, /^\s*(\d+) todo$/gm),
  });
}

/** Builds `npm/` in a child process, so the other lane's output flows on. */
async function stepBuild(): Promise<void> {
  const { code, text } = await exec(
    Deno.execPath(),
    ["run", "-A", join(ROOT, "scripts", "build_npm.ts")],
    ROOT,
    false,
    "build",
  );
  record(
    "build npm",
    code === 0,
    code === 0 ? "npm/ built" : `exit code ${code}: ${text.slice(-2000)}`,
  );
}

async function stepNode(): Promise<void> {
  const files = sharedTests().map((f) =>
    join("tests", f.replace(/\.ts$/, ".js"))
  );
  const { code, text } = await exec(
    "node",
    ["--test", ...files],
    join(ROOT, "npm"),
    false,
    "node",
  );
  if (!/^# tests \d+/m.test(text)) return judge("node --test", code, null);
  judge("node --test", code, {
    passed: num(text, /^# pass (\d+)/gm),
    failed: num(text, /^# fail (\d+)/gm) + num(text, /^# cancelled (\d+)/gm),
    skipped: num(text, /^# skipped (\d+)/gm) + num(text, /^# todo (\d+)/gm),
  });
}

/** mod.ts must load in a browser: no `node:` module in its import graph. */
async function checkNoNodeImports(): Promise<void> {
  const { code, text } = await exec(
    Deno.execPath(),
    ["info", "--json", "mod.ts"],
    ROOT,
    true,
  );
  if (code !== 0) return record("no node: imports", false, `exit code ${code}`);
  const info = JSON.parse(text.slice(text.indexOf("{"))) as {
    modules: { specifier: string }[];
  };
  const bad = info.modules.map((m) => m.specifier).filter((s) =>
    !s.startsWith("file:")
  );
  record(
    "no node: imports",
    bad.length === 0,
    bad.length === 0
      ? `${info.modules.length} modules reachable from mod.ts, all local`
      : `mod.ts reaches ${bad.join(", ")}`,
  );
}

async function stepPackage(): Promise<void> {
  await checkNoNodeImports();
  // The JSR package is published from jsr/ (RELEASING.md), built first.
  const built = await exec(Deno.execPath(), ["task", "build:jsr"]);
  record("deno task build:jsr", built.code === 0, `exit code ${built.code}`);
  const checks: [string, string, string[], string?][] = [
    ["deno publish --dry-run (jsr/)", Deno.execPath(), [
      "publish",
      "--dry-run",
      "--allow-dirty",
    ], join(ROOT, "jsr")],
    ["deno doc --lint", Deno.execPath(), ["doc", "--lint", "mod.ts"]],
    ["publint", "npx", ["-y", VERSIONS.publint, "--strict", "npm"]],
    ["attw", "npx", [
      "-y",
      VERSIONS.attw,
      "--pack",
      "npm",
      "--profile",
      "esm-only",
    ]],
  ];
  for (const [name, cmd, args, cwd] of checks) {
    const { code } = await exec(cmd, args, cwd);
    record(name, code === 0, `exit code ${code}`);
  }
}

/** Where the browser test looks for Chromium (Debian's package). */
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

async function stepBrowser(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    // Like a missing NumPy: a notice and a skip locally, a failure in CI.
    console.log(
      `\nbrowser test: ${CHROMIUM} is missing; install it with "apt-get install chromium" (Debian) to run the OPFS test`,
    );
    total.skipped++;
    record(
      "browser test",
      !CI,
      CI ? `${CHROMIUM} is missing (CI needs it)` : `skipped: no ${CHROMIUM}`,
    );
    return;
  }
  const { code } = await exec("node", ["scripts/browser_test.mjs"]);
  record("browser test", code === 0, `exit code ${code}`);
}

/**
 * Starts `scripts/py_fork_server.py` for the whole run and names its
 * socket in `PYTHON_SERVER_ENV` (`tests/_numpy.ts`), which every test
 * process inherits: their NumPy and
 * Dask runs then fork a Python that imported both once, instead of
 * starting one each (thousands a runtime). Without NumPy nothing is
 * started and the tests run Python themselves. The server ends with this
 * process.
 *
 * @returns A function that stops the server.
 */
async function startPythonServer(): Promise<() => void> {
  const socket = join(
    fs.mkdtempSync(join(Deno.env.get("TMPDIR") ?? "/tmp", "npy-pyserver-")),
    "socket",
  );
  const child = spawn(PYTHON, [
    join(ROOT, "scripts", "py_fork_server.py"),
    socket,
    String(Deno.pid),
  ], {
    env: {
      ...Deno.env.toObject(),
      PYTHONIOENCODING: "utf-8",
      PYTHONPATH: join(ROOT, "scripts"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = await new Promise<boolean>((resolve) => {
    child.on("error", () => resolve(false));
    child.on("exit", () => resolve(false));
    child.stdout!.on("data", (chunk: Uint8Array) => {
      if (new TextDecoder().decode(chunk).includes("ready")) resolve(true);
    });
  });
  const stop = () => {
    child.kill();
    fs.rmSync(join(socket, ".."), { recursive: true, force: true });
  };
  if (!ready) {
    console.log(
      `\n(no Python fork server: the tests start ${PYTHON} each time)`,
    );
    stop();
    return () => {};
  }
  Deno.env.set(PYTHON_SERVER_ENV, socket);
  console.log(`\nPython fork server at ${socket}`);
  return stop;
}

/**
 * The steps of a whole run (no steps named) that run side by side, each
 * lane's in order: the Deno suite, and the Bun suite, the npm build and
 * the Node suite. The suites run three times over (one runtime each) and
 * must finish within CI's 90 minutes on a 2-core machine; one runtime's
 * suite keeps about one core busy, so two lanes use both. Each lane's
 * tests use their own temporary folders and file names, as the suite
 * always has (helpers and runtimes have long run it side by side on one
 * machine). The package checks and the browser test come after both.
 */
const LANES: string[][] = [["deno"], ["bun", "build", "node"]];

const STEPS: Record<string, () => Promise<void>> = {
  deno: stepDeno,
  bun: stepBun,
  build: stepBuild,
  node: stepNode,
  package: stepPackage,
  browser: stepBrowser,
};

if (import.meta.main) {
  const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(STEPS);
  const unknown = wanted.filter((name) => STEPS[name] === undefined);
  if (unknown.length > 0) {
    console.error(
      `Unknown step "${unknown[0]}"; use some of: ${
        Object.keys(STEPS).join(" ")
      }`,
    );
    Deno.exit(2);
  }
  const stopPythonServer = await startPythonServer();
  const runSteps = async (names: string[]) => {
    for (const name of names) {
      const start = Date.now();
      await STEPS[name]!();
      console.log(
        `\n(${name}: ${((Date.now() - start) / 60_000).toFixed(1)} min)`,
      );
    }
  };
  if (Deno.args.length === 0) {
    await Promise.all(LANES.map(runSteps));
    await runSteps(wanted.filter((name) => !LANES.flat().includes(name)));
  } else {
    await runSteps(wanted);
  }
  stopPythonServer();
  console.log(`\n== Summary${CI ? " (CI: skipped tests fail)" : ""}`);
  for (const r of results) {
    console.log(`${r.ok ? "ok    " : "FAILED"} ${r.step}: ${r.summary}`);
  }
  const ok = results.every((r) => r.ok);
  // One plain closing line over all runners: a failed step that is not a
  // test run (build, package checks, browser) counts as one failure.
  const stepFailures = results.filter((r) => !r.ok).length;
  const failed = Math.max(total.failed, ok ? 0 : stepFailures);
  console.log(
    `\ntotal: ${total.passed} passed, ${failed} failed` +
      (total.skipped > 0 ? `, ${total.skipped} skipped` : ""),
  );
  Deno.exit(ok ? 0 : 1);
}
