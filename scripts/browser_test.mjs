// The browser test: loads the built package (`npm/`, from
// `deno run -A scripts/build_npm.ts`) in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core from npm), writes `.npy`
// files through OPFS in a dedicated Worker and through MemoryFile in the
// page, hands the bytes back, and checks them with NumPy.
//
// Run with Node (>= 20): `node scripts/browser_test.mjs`. playwright-core is
// installed on first use into a cache folder outside the repository
// ($NPY_BROWSER_DEPS, else ~/.cache/npy-append-array-dev/browser).

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PLAYWRIGHT = "playwright-core@1.65.1";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NPM = join(ROOT, "npm");

function fail(message) {
  console.error(`browser test: ${message}`);
  process.exit(1);
}

function loadPlaywright() {
  const dir = process.env.NPY_BROWSER_DEPS ??
    join(homedir() || tmpdir(), ".cache", "npy-append-array-dev", "browser");
  const version = PLAYWRIGHT.slice(PLAYWRIGHT.lastIndexOf("@") + 1);
  const pkg = join(dir, "node_modules", "playwright-core", "package.json");
  const have = fs.existsSync(pkg)
    ? JSON.parse(fs.readFileSync(pkg, "utf8")).version
    : undefined;
  if (have !== version) {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(join(dir, "package.json"))) {
      fs.writeFileSync(
        join(dir, "package.json"),
        '{ "private": true, "description": "npy-append-array browser test deps" }\n',
      );
    }
    const res = spawnSync("npm", [
      "install",
      "--prefix",
      dir,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      PLAYWRIGHT,
    ], { stdio: "inherit" });
    if (res.status !== 0) fail(`npm install ${PLAYWRIGHT} failed`);
  }
  return createRequire(join(dir, "package.json"))("playwright-core");
}

const TYPES = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".html": "text/html",
  ".json": "application/json",
};

// The page and the worker, served next to the package.
const PAGE =
  `<!doctype html><meta charset="utf-8"><title>npy-append-array</title>`;

const WORKER = `
import { NpyAppendArray, NpyAppendArraySync, readNpySync } from "/mod.js";
import { OpfsFile } from "/adapters.js";

async function opfsFile(name) {
  const root = await navigator.storage.getDirectory();
  const handle = await root.getFileHandle(name, { create: true });
  return { handle, file: new OpfsFile(await handle.createSyncAccessHandle()) };
}

async function run() {
  // Sync writer: create, append twice, close; reopen and append again.
  const a = await opfsFile("sync.npy");
  let npy = NpyAppendArraySync.open(a.file, { deleteIfExists: true });
  npy.append({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
  npy.append([[7, 8, 9]]);
  npy.close();
  npy = NpyAppendArraySync.open(a.file);
  npy.append([[10.5, 11, 12]]);
  npy.close();
  const back = readNpySync(a.file);
  a.file.closeSync();
  // A closed handle: Chromium's InvalidStateError, as the library words it.
  let closedError;
  try {
    readNpySync(a.file);
  } catch (e) {
    closedError = { code: e.code, message: e.message, cause: e.cause?.name };
  }
  const syncBytes = new Uint8Array(await (await a.handle.getFile()).arrayBuffer());

  // Async writer, big-endian ints, Fortran order.
  const b = await opfsFile("async.npy");
  const w = await NpyAppendArray.open(b.file, {
    deleteIfExists: true,
    dtype: ">i4",
    fortranOrder: true,
  });
  await w.append({ data: new Int32Array([1, 2, 3, 4]), shape: [2, 2] });
  await w.append({ data: new Int32Array([5, 6]), shape: [2, 1] });
  await w.close();
  await b.file.close();
  const asyncBytes = new Uint8Array(await (await b.handle.getFile()).arrayBuffer());

  return {
    syncBytes: Array.from(syncBytes),
    asyncBytes: Array.from(asyncBytes),
    readBack: { shape: back.shape, data: Array.from(back.data) },
    closedError,
  };
}

self.onmessage = () => {
  run().then(
    (result) => self.postMessage({ ok: true, result }),
    (e) => self.postMessage({ ok: false, error: String(e && e.stack || e) }),
  );
};
`;

// Chromium's real storage quota, hit by a profile on a 64 MiB tmpfs (needs
// root; skipped otherwise): an append that meets QuotaExceededError is an
// ENOSPC error naming the fix, undone, and the file still loads. A second
// access handle on the open file is refused by Chromium itself.
const QUOTA_WORKER = `
import { NpyAppendArraySync, readNpySync } from "/mod.js";
import { OpfsFile } from "/adapters.js";

async function run() {
  const root = await navigator.storage.getDirectory();
  const fh = await root.getFileHandle("quota.npy", { create: true });
  const h = await fh.createSyncAccessHandle();
  let second = "opened";
  try {
    (await fh.createSyncAccessHandle()).close();
  } catch (e) {
    second = e.name;
  }
  const file = new OpfsFile(h);
  const w = NpyAppendArraySync.open(file, { deleteIfExists: true });
  const chunk = new Float64Array(1 << 17); // 1 MiB
  let appended = 0;
  let error;
  try {
    for (; appended < 1024; appended++) {
      chunk.fill(appended);
      w.append(chunk);
    }
  } catch (e) {
    error = { code: e.code, message: e.message, cause: e.cause?.name };
  }
  const size = h.getSize();
  w.close();
  const back = readNpySync(file);
  h.close();
  return {
    second,
    appended,
    error,
    size,
    rows: back.shape[0],
    last: back.data[back.data.length - 1],
  };
}

self.onmessage = () => {
  run().then(
    (result) => self.postMessage({ ok: true, result }),
    (e) => self.postMessage({ ok: false, error: String(e && e.stack || e) }),
  );
};
`;

// A writer Worker terminated mid-append (the page's `worker.terminate()`,
// the browser's kill), then the file reopened in a new Worker: every append
// the writer acknowledged (posted after `append` returned) is in the file.
// Bounded so it cannot run away: 64-byte rows, at most KILL_ROWS appends
// (a terminated Worker runs on for a while: thousands of appends), and the
// file comes back as base64 text, checked by NumPy. The new Worker retries
// createSyncAccessHandle: Chromium keeps the dead Worker's handle for about
// a second (NoModificationAllowedError).
const KILL_ROWS = 200000;
const KILL_WRITER = `
import { NpyAppendArraySync } from "/mod.js";
import { OpfsFile } from "/adapters.js";
self.onmessage = async () => {
  try {
    const root = await navigator.storage.getDirectory();
    const fh = await root.getFileHandle("kill.npy", { create: true });
    const file = new OpfsFile(await fh.createSyncAccessHandle());
    const w = NpyAppendArraySync.open(file, { deleteIfExists: true, dtype: "<i4" });
    const row = new Int32Array(16);
    for (let i = 0; i < ${KILL_ROWS}; i++) {
      w.append({ data: row.fill(i), shape: [1, 16] });
      self.postMessage({ acked: i });
    }
    w.close();
    self.postMessage({ done: true });
  } catch (e) {
    self.postMessage({ error: String(e && e.stack || e) });
  }
};
`;
const KILL_READER = `
import { NpyAppendArraySync, needsRecoverySync, recoverSync } from "/mod.js";
import { OpfsFile } from "/adapters.js";
self.onmessage = async () => {
  try {
    const root = await navigator.storage.getDirectory();
    const fh = await root.getFileHandle("kill.npy");
    let h;
    for (let tries = 1; !h; tries++) {
      try {
        h = await fh.createSyncAccessHandle();
      } catch (e) {
        if (e.name !== "NoModificationAllowedError" || tries >= 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const file = new OpfsFile(h);
    const recovered = needsRecoverySync(file);
    if (recovered) recoverSync(file);
    const w = NpyAppendArraySync.open(file);
    w.append({ data: new Int32Array(16).fill(-1), shape: [1, 16] });
    w.close();
    const bytes = new Uint8Array(h.getSize());
    h.read(bytes, { at: 0 });
    h.close();
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    self.postMessage({ ok: true, recovered, base64: btoa(text) });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e && e.stack || e) });
  }
};
`;

function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status, type, body) => {
      res.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
      });
      res.end(body);
    };
    if (url.pathname === "/__test/index.html") {
      return send(200, TYPES[".html"], PAGE);
    }
    if (url.pathname === "/favicon.ico") return send(204, "text/plain", "");
    if (url.pathname === "/__test/worker.js") {
      return send(200, TYPES[".js"], WORKER);
    }
    if (url.pathname === "/__test/kill_writer.js") {
      return send(200, TYPES[".js"], KILL_WRITER);
    }
    if (url.pathname === "/__test/kill_reader.js") {
      return send(200, TYPES[".js"], KILL_READER);
    }
    if (url.pathname === "/__test/quota.js") {
      return send(200, TYPES[".js"], QUOTA_WORKER);
    }
    const path = normalize(join(NPM, decodeURIComponent(url.pathname)));
    if (
      !path.startsWith(NPM) || !fs.existsSync(path) ||
      !fs.statSync(path).isFile()
    ) {
      return send(404, "text/plain", "not found");
    }
    send(
      200,
      TYPES[extname(path)] ?? "application/octet-stream",
      fs.readFileSync(path),
    );
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function inBrowser(origin) {
  const { chromium } = loadPlaywright();
  const userDataDir = fs.mkdtempSync(join(tmpdir(), "npy-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${origin}/__test/index.html`);
    const result = await page.evaluate(async () => {
      const mod = await import("/mod.js");
      const { MemoryFile, NpyAppendArray, NpyAppendArraySync, readNpy } = mod;

      // Opening a path has no file system to use in a page.
      let pathError = "";
      try {
        NpyAppendArraySync.open("x.npy");
      } catch (e) {
        pathError = `${e.name}: ${e.message}`;
      }

      // MemoryFile in the page: strings and records.
      const m1 = new MemoryFile();
      const w1 = await NpyAppendArray.open(m1, { dtype: "<U4" });
      await w1.append(["ab", "cdef"]);
      await w1.append(["é"]);
      await w1.close();

      const m2 = new MemoryFile();
      const w2 = NpyAppendArraySync.open(m2, {
        dtype: [["x", "<f4"], ["n", "<i2"]],
      });
      w2.append([{ x: 1.5, n: 2 }, { x: -3, n: 7 }]);
      w2.close();
      const back = await readNpy(m2);

      // OPFS in a dedicated Worker.
      const worker = new Worker("/__test/worker.js", { type: "module" });
      const opfs = await new Promise((resolve, reject) => {
        worker.onmessage = (ev) => resolve(ev.data);
        worker.onerror = (ev) => reject(new Error(`worker: ${ev.message}`));
        worker.postMessage("go");
      });
      worker.terminate();

      // A writer Worker terminated after 50 acknowledged appends; each
      // wait bounded, so a hang is a failure, not a stuck run.
      const within = (ms, what, promise) =>
        Promise.race([
          promise,
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`${what}: no answer in ${ms} ms`)),
              ms,
            )
          ),
        ]);
      const answer = (w, what, onData) =>
        within(
          60000,
          what,
          new Promise((resolve, reject) => {
            w.onerror = (ev) => reject(new Error(`${what}: ${ev.message}`));
            w.onmessage = (ev) => onData(ev.data, resolve, reject);
            w.postMessage("go");
          }),
        );
      const writer = new Worker("/__test/kill_writer.js", { type: "module" });
      let acked = -1;
      const killedAt = await answer(
        writer,
        "kill writer",
        (d, resolve, reject) => {
          if (d.error) reject(new Error(d.error));
          if (d.done) resolve({ done: true, acked });
          if (d.acked !== undefined && acked < 50) {
            acked = d.acked;
            if (acked === 50) {
              writer.terminate();
              resolve({ acked });
            }
          }
        },
      );
      const reader = new Worker("/__test/kill_reader.js", { type: "module" });
      const reopened = await answer(
        reader,
        "kill reader",
        (d, resolve) => resolve(d),
      );
      reader.terminate();
      return {
        killedAt,
        reopened,
        exports: Object.keys(mod).length,
        pathError,
        memoryU: Array.from(m1.bytes()),
        memoryRec: Array.from(m2.bytes()),
        recBack: back.data,
        opfs,
      };
    });
    if (errors.length > 0) fail(`errors in the page:\n${errors.join("\n")}`);
    return result;
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** The quota worker in a profile on a small tmpfs; undefined without root. */
async function quotaInBrowser(origin) {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return;
  const { chromium } = loadPlaywright();
  const mnt = fs.mkdtempSync(join(tmpdir(), "npy-chromium-quota-"));
  const mounted = spawnSync("mount", [
    "-t",
    "tmpfs",
    "-o",
    "size=64m",
    "tmpfs",
    mnt,
  ]);
  if (mounted.status !== 0) {
    fs.rmSync(mnt, { recursive: true, force: true });
    return;
  }
  try {
    const context = await chromium.launchPersistentContext(join(mnt, "p"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto(`${origin}/__test/index.html`);
      return await page.evaluate(async () => {
        const worker = new Worker("/__test/quota.js", { type: "module" });
        const out = await new Promise((resolve, reject) => {
          worker.onmessage = (ev) => resolve(ev.data);
          worker.onerror = (ev) => reject(new Error(`worker: ${ev.message}`));
          worker.postMessage("go");
        });
        worker.terminate();
        return out;
      });
    } finally {
      await context.close();
    }
  } finally {
    spawnSync("umount", [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
}

/** Checks what the quota worker saw. */
function checkQuota(q) {
  if (q === undefined) {
    console.log("browser test: real OPFS quota skipped (needs root for tmpfs)");
    return;
  }
  if (!q.ok) fail(`the OPFS quota worker failed:\n${q.error}`);
  const r = q.result;
  const MiB = 1 << 20;
  if (r.second !== "NoModificationAllowedError") {
    fail(`a second access handle on an open file gave ${r.second}`);
  }
  if (
    r.error?.code !== "ENOSPC" || r.error.cause !== "QuotaExceededError" ||
    !/^Cannot write the file object: ENOSPC: the storage quota is exceeded \(QuotaExceededError: .+\); free some of this origin's storage/
      .test(r.error.message)
  ) {
    fail(`filling the OPFS quota gave ${JSON.stringify(r.error)}`);
  }
  // The failed append undone: the header (128 bytes) and whole appends.
  if (
    r.appended < 1 || r.size !== 128 + r.appended * MiB ||
    r.rows !== r.appended * (MiB / 8) || r.last !== r.appended - 1
  ) {
    fail(`after the quota error the file is ${JSON.stringify(r)}`);
  }
  console.log(
    `browser test: real OPFS quota hit after ${r.appended} MiB: ENOSPC, append undone, file loads`,
  );
}

const CHECK = `
import sys, json
import numpy as np
d = sys.argv[1]
def load(name):
    return np.load(f"{d}/{name}", mmap_mode="r")
a = load("opfs_sync.npy")
assert a.dtype == np.dtype("<f8") and a.shape == (4, 3), (a.dtype, a.shape)
assert a.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10.5, 11, 12]], a.tolist()
b = load("opfs_async.npy")
assert b.dtype == np.dtype(">i4") and b.shape == (2, 3), (b.dtype, b.shape)
assert np.isfortran(b), "not Fortran order"
assert b.tolist() == [[1, 2, 5], [3, 4, 6]], b.tolist()
c = load("memory_u.npy")
assert c.dtype == np.dtype("<U4") and c.tolist() == ["ab", "cdef", "\\u00e9"], c
r = load("memory_rec.npy")
assert r.dtype == np.dtype([("x", "<f4"), ("n", "<i2")]), r.dtype
assert r.tolist() == [(1.5, 2), (-3.0, 7)], r.tolist()
k = load("opfs_killed.npy")
n = len(k) - 1  # the rows the killed writer left, then the reopened one's
assert k.dtype == np.dtype("<i4") and k.shape[1:] == (16,), (k.dtype, k.shape)
assert n >= 51, f"{n} rows: acknowledged appends lost"  # 0..50 acknowledged
assert (k[:n] == np.arange(n, dtype="<i4")[:, None]).all(), "a row changed"
assert (k[n] == -1).all(), k[n]
print(f"numpy: all 5 files load as expected (killed writer: {n} rows kept)")
`;

async function main() {
  if (!fs.existsSync(join(NPM, "mod.js"))) {
    fail("npm/mod.js is missing: run `deno run -A scripts/build_npm.ts` first");
  }
  if (!fs.existsSync(CHROMIUM)) {
    fail(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  const server = await serve();
  const { port } = server.address();
  let result;
  let quota;
  try {
    result = await inBrowser(`http://127.0.0.1:${port}`);
    quota = await quotaInBrowser(`http://127.0.0.1:${port}`);
  } finally {
    server.close();
  }
  if (!result.opfs.ok) fail(`the OPFS worker failed:\n${result.opfs.error}`);
  const expectedPathError =
    "TypeError: Cannot open a path here: this runtime has neither Deno nor node:fs; pass a FileLike such as MemoryFile or OpfsFile";
  if (result.pathError !== expectedPathError) {
    fail(`opening a path in the page gave ${JSON.stringify(result.pathError)}`);
  }
  const closed = result.opfs.result.closedError;
  if (
    closed?.code !== "EBADF" || closed.cause !== "InvalidStateError" ||
    !/^Cannot read the file object: EBADF: the OPFS access handle is closed \(InvalidStateError: .+\); open a new one /
      .test(closed.message)
  ) {
    fail(`reading a closed OPFS handle gave ${JSON.stringify(closed)}`);
  }
  const rb = result.opfs.result.readBack;
  if (
    JSON.stringify(rb) !==
      JSON.stringify({
        shape: [4, 3],
        data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5, 11, 12],
      })
  ) {
    fail(`readNpySync on OPFS gave ${JSON.stringify(rb)}`);
  }
  if (
    JSON.stringify(result.recBack) !==
      JSON.stringify([{ x: 1.5, n: 2 }, { x: -3, n: 7 }])
  ) {
    fail(`readNpy on MemoryFile gave ${JSON.stringify(result.recBack)}`);
  }

  if (!result.reopened.ok) {
    fail(
      `reopening the killed writer's OPFS file failed:\n${result.reopened.error}`,
    );
  }
  if (result.killedAt.done || result.killedAt.acked !== 50) {
    fail(
      `the writer Worker was not terminated mid-run: ${
        JSON.stringify(result.killedAt)
      }`,
    );
  }

  const dir = fs.mkdtempSync(join(tmpdir(), "npy-browser-"));
  const files = {
    "opfs_sync.npy": result.opfs.result.syncBytes,
    "opfs_async.npy": result.opfs.result.asyncBytes,
    "memory_u.npy": result.memoryU,
    "memory_rec.npy": result.memoryRec,
  };
  fs.writeFileSync(
    join(dir, "opfs_killed.npy"),
    Buffer.from(result.reopened.base64, "base64"),
  );
  for (const [name, bytes] of Object.entries(files)) {
    fs.writeFileSync(join(dir, name), Uint8Array.from(bytes));
  }
  const { runPython } = await import(
    pathToFileURL(join(NPM, "tests", "_numpy.js")).href
  );
  try {
    console.log(runPython(CHECK, [dir]).trim());
  } catch (e) {
    fail(`NumPy check failed:\n${e.message}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  checkQuota(quota);
  console.log(
    `browser test: ok (Chromium, ${result.exports} exports from mod.js; OPFS sync and async writers in a Worker; a Worker terminated mid-run, ${
      result.reopened.recovered ? "recovered" : "no recovery needed"
    }; MemoryFile in the page)`,
  );
}

await main();
