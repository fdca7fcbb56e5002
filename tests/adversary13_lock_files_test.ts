/**
 * Adversary round 13, known defects: lock files that cannot be judged.
 *
 * A lock file another user may not read (made under `umask 077`, or
 * chmodded) gave the second user's writer the system's `EACCES` naming
 * the lock, not `NpyLockedError`; its takeover guard the same. Now: an
 * `NpyLockedError` naming the lock file and the fix, no byte changed; a
 * reader of a file holding more bytes than its header counts reads the
 * header's rows (a writer may be appending), as `np.load` does.
 *
 * A lock file that is a symlink to a huge file was read whole (a 3 GiB
 * one took 49 s on Node, then gave an engine error naming no file). Now:
 * a lock record is read only when it takes at most 64 KiB; a larger one
 * is a `TypeError` naming it, as a folder, a FIFO or a device is.
 *
 * The second user is `nobody` (`setpriv`), running this runtime.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { NpyAppendArraySync, readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";
import { LOCK_CHILD } from "./_lock_holder.ts";
import { nobodyTestOptions, runAsNobody } from "./_as_nobody.ts";

const WRITERS = [
  "recover",
  "recoverSync",
  "ensureAppendable",
  "ensureAppendableSync",
  "NpyAppendArray.open",
  "NpyAppendArraySync.open",
  "deleteIfExists",
];

/** A folder both users may write, holding `x.npy` of rows `[i, -i]`. */
function sharedFile(rows = 3): string {
  const dir = tempDir();
  chmodSync(dir, 0o777);
  const path = join(dir, "x.npy");
  const w = NpyAppendArraySync.open(path);
  for (let i = 0; i < rows; i++) w.append([[i, -i]]);
  w.close();
  chmodSync(path, 0o666);
  return path;
}

/** The child's `probe PATH` as `nobody`: one line per entry point. */
function probeAsNobody(path: string): Map<string, string> {
  const [cmd, args] = scriptCommand(LOCK_CHILD);
  const r = runAsNobody(cmd, [...args, "probe", path]);
  assert.equal(r.signal, null, `blocked: ${r.stdout}${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<string, string>();
  for (const line of r.stdout.trim().split("\n")) {
    const at = line.indexOf(": ");
    out.set(line.slice(0, at), line.slice(at + 2));
  }
  assert.equal(out.size, 14, r.stdout);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The refusal of a lock file `nobody` may not read. */
function unreadableRefusal(verb: string, path: string, lock: string): RegExp {
  return new RegExp(
    `^NpyLockedError: Cannot ${verb} ${
      escape(JSON.stringify(path))
    }: its lock file ${
      escape(JSON.stringify(lock))
    } is another user's, which this user may not read, so whether its writer is alive cannot be told; close that writer first, or have the lock's owner or root remove it if no writer runs$`,
  );
}

function verbOf(name: string): string {
  return name.startsWith("recover")
    ? "recover"
    : name.startsWith("ensure")
    ? "rewrite"
    : "open";
}

describe("a lock file another user may not read", () => {
  test(
    "a live writer's private lock: NpyLockedError for every writer, no byte changed",
    nobodyTestOptions(120_000),
    () => {
      const path = sharedFile();
      const w = NpyAppendArraySync.open(path);
      try {
        w.append([[3, -3]]);
        chmodSync(`${path}.lock`, 0o600);
        const before = readFileSync(path);
        const out = probeAsNobody(path);
        for (const name of WRITERS) {
          assert.match(
            out.get(name)!,
            unreadableRefusal(verbOf(name), path, `${path}.lock`),
            name,
          );
        }
        // Readers of a complete file need no lock.
        assert.equal(out.get("readNpySync"), "ok");
        assert.deepEqual(readFileSync(path), before);
      } finally {
        w.close();
      }
      assert.deepEqual(
        Array.from(readNpySync(path).data as Float64Array),
        [0, -0, 1, -1, 2, -2, 3, -3],
      );
    },
  );

  test(
    "a dead writer's private lock: held (its holder cannot be judged), not EACCES",
    nobodyTestOptions(120_000),
    () => {
      const path = sharedFile();
      const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
      writeFileSync(
        `${path}.lock`,
        JSON.stringify({ pid: dead, start: null, host: "", token: "x" }),
        { mode: 0o600 },
      );
      const before = readFileSync(path);
      const out = probeAsNobody(path);
      for (const name of WRITERS) {
        assert.match(
          out.get(name)!,
          unreadableRefusal(verbOf(name), path, `${path}.lock`),
          name,
        );
      }
      assert.deepEqual(readFileSync(path), before);
      // Its owner (root here) takes it over as before.
      const w = NpyAppendArraySync.open(path);
      w.append([[3, -3]]);
      w.close();
      assert.equal(readNpySync(path).shape[0], 4);
    },
  );

  test(
    "a private takeover guard beside a stale lock: NpyLockedError naming the guard",
    nobodyTestOptions(120_000),
    () => {
      const path = sharedFile();
      const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
      const record = JSON.stringify({
        pid: dead,
        start: null,
        host: "",
        token: "x",
      });
      writeFileSync(`${path}.lock`, record, { mode: 0o644 });
      writeFileSync(`${path}.lock.takeover`, record, { mode: 0o600 });
      const before = readFileSync(path);
      const out = probeAsNobody(path);
      for (const name of WRITERS) {
        assert.match(
          out.get(name)!,
          unreadableRefusal(verbOf(name), path, `${path}.lock.takeover`),
          name,
        );
      }
      assert.deepEqual(readFileSync(path), before);
      assert.equal(readFileSync(`${path}.lock`, "utf8"), record);
    },
  );

  test(
    "a hard-linked file's lock by identity in /tmp, private: NpyLockedError naming it",
    nobodyTestOptions(120_000),
    () => {
      const path = sharedFile();
      const other = join(path, "..", "y.npy");
      linkSync(path, other);
      const w = NpyAppendArraySync.open(path);
      try {
        const st = statSync(path);
        const byId = `/tmp/npy-append-array-links-${st.dev}-${st.ino}.lock`;
        chmodSync(byId, 0o600);
        const before = readFileSync(path);
        const out = probeAsNobody(other);
        for (const name of WRITERS) {
          assert.match(
            out.get(name)!,
            unreadableRefusal(verbOf(name), other, byId),
            name,
          );
        }
        assert.deepEqual(readFileSync(path), before);
      } finally {
        w.close();
      }
    },
  );

  test(
    "a reader beside a writer whose lock it may not read reads the header's rows",
    nobodyTestOptions(120_000),
    () => {
      const path = sharedFile();
      const w = NpyAppendArraySync.open(path);
      try {
        chmodSync(`${path}.lock`, 0o600);
        // An append in progress: data past the header's rows.
        writeFileSync(path, new Uint8Array(16), { flag: "a" });
        const out = probeAsNobody(path);
        for (const name of ["readNpy", "readNpySync", "NpyReader.openSync"]) {
          assert.equal(out.get(name), "ok", name);
        }
      } finally {
        truncateSync(path, statSync(path).size - 16);
        w.close();
      }
    },
  );
});

describe("a lock file that is no lock record: at once, never read whole", () => {
  const cases: [string, (lock: string, dir: string) => void, RegExp][] = [
    [
      "a symlink to a 3 GiB file",
      (lock, dir) => {
        const big = join(dir, "big.bin");
        writeFileSync(big, "");
        truncateSync(big, 3 * 2 ** 30);
        symlinkSync(big, lock);
      },
      /it holds 3221225472 bytes, more than the 65536 such a file takes; remove it$/,
    ],
    [
      "a 70 KB regular file",
      (lock) => {
        writeFileSync(lock, "x".repeat(70_000));
      },
      /it holds 70000 bytes, more than the 65536 such a file takes; remove it$/,
    ],
    ["a symlink to /dev/zero", (lock) => {
      symlinkSync("/dev/zero", lock);
    }, /it is a device, not a regular file; remove it$/],
    ["a folder", (lock) => {
      mkdirSync(lock);
    }, /it is a directory, not a regular file; remove it$/],
  ];
  for (const [name, make, reason] of cases) {
    test(`${name}: a TypeError naming it for every writer`, (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const path = sharedFile();
      const lock = `${path}.lock`;
      make(lock, join(path, ".."));
      const before = readFileSync(path);
      const [cmd, args] = scriptCommand(LOCK_CHILD);
      const started = Date.now();
      const r = spawnSync(cmd, [...args, "probe", path], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.signal, null, `blocked: ${r.stdout}${r.stderr}`);
      assert.ok(Date.now() - started < 30_000, "read the file whole");
      const lines = new Map(
        r.stdout.trim().split("\n").map((l) => {
          const at = l.indexOf(": ");
          return [l.slice(0, at), l.slice(at + 2)] as const;
        }),
      );
      for (const w of WRITERS) {
        const got = lines.get(w) ?? "";
        assert.ok(
          got.startsWith(`TypeError: Cannot read ${JSON.stringify(lock)}: `),
          `${w}: ${got}`,
        );
        assert.match(got, reason, w);
      }
      assert.deepEqual(readFileSync(path), before);
    });
  }
});
