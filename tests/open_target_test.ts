/**
 * Opening targets (`src/_open_target.ts`, issue 12 item 7, issue 15 item
 * 7, issue 16 item 6): anything but a regular file is refused at once,
 * naming the path, and a FIFO never blocks; a missing folder fails at
 * `open`; errors from the runtime (ENOENT, ENOSPC, EROFS) name the file
 * and keep their `code` and `cause`; one wording for a target of the wrong
 * kind.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import process from "node:process";
import {
  ensureAppendable,
  ensureAppendableSync,
  isAppendable,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyReader,
  readNpy,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { pathFs } from "../src/_path_fs.ts";
import { tempDir } from "./_numpy.ts";
import { withTmpfs } from "./_tmpfs.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_lock_child.ts", import.meta.url);
const ENTRY_POINTS = 14;

/** Runs every entry point on `path` in a child that must end within 60 s. */
function probe(path: string): string[] {
  const [cmd, args] = scriptCommand(CHILD);
  const r = spawnSync(cmd, [...args, "probe", path], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.signal, null, `blocked: ${r.stdout}${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("targets that are not regular files are refused at once", () => {
  const cases: [string, (dir: string) => string, string][] = [
    ["a FIFO", (dir) => {
      const p = join(dir, "pipe.npy");
      assert.equal(spawnSync("mkfifo", [p]).status, 0);
      return p;
    }, "a FIFO (named pipe)"],
    ["a directory", (dir) => {
      const p = join(dir, "folder.npy");
      mkdirSync(p);
      return p;
    }, "a directory"],
    ["an empty directory", (dir) => {
      const p = join(dir, "empty");
      mkdirSync(p);
      return p;
    }, "a directory"],
    ["a device", () => "/dev/null", "a device"],
  ];
  for (const [name, make, what] of cases) {
    test(`${name}: every entry point, without blocking`, (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const dir = tempDir();
      const path = make(dir);
      const lines = probe(path);
      assert.equal(lines.length, ENTRY_POINTS, lines.join("\n"));
      for (const line of lines) {
        assert.match(
          line,
          new RegExp(
            `^[\\w.]+: TypeError: Cannot (read|open|recover|rewrite|inspect) ${
              escape(JSON.stringify(path))
            }: it is ${
              escape(what)
            }, not a regular file; pass the path of a \\.npy file$`,
          ),
        );
      }
      // Nothing was removed or locked.
      assert.ok(existsSync(path));
      assert.equal(existsSync(`${path}.lock`), false);
    });
  }
});

describe("a lock file that is not a regular file is refused at once", () => {
  const dead = () => spawnSync(process.execPath, ["-e", "0"]).pid!;
  const cases: [string, (path: string) => string, string][] = [
    ["a FIFO at <x>.lock", (p) => {
      assert.equal(spawnSync("mkfifo", [`${p}.lock`]).status, 0);
      return `${p}.lock`;
    }, "a FIFO (named pipe)"],
    ["a folder at <x>.lock", (p) => {
      mkdirSync(`${p}.lock`);
      return `${p}.lock`;
    }, "a directory"],
    ["a FIFO at the takeover guard of a stale lock", (p) => {
      writeFileSync(
        `${p}.lock`,
        JSON.stringify({ pid: dead(), start: null, host: "", token: "x" }),
      );
      assert.equal(spawnSync("mkfifo", [`${p}.lock.takeover`]).status, 0);
      return `${p}.lock.takeover`;
    }, "a FIFO (named pipe)"],
  ];
  for (const [name, make, what] of cases) {
    test(`${name}: a TypeError naming it, without blocking`, (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const path = join(tempDir(), "x.npy");
      writeFileSync(path, "");
      const bad = make(path);
      const [cmd, args] = scriptCommand(CHILD);
      const r = spawnSync(cmd, [...args, "try", path], {
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.signal, null, `blocked: ${r.stdout}${r.stderr}`);
      assert.equal(
        r.stdout.trim(),
        `TypeError: Cannot read ${
          JSON.stringify(bad)
        }: it is ${what}, not a regular file; remove it`,
        r.stderr,
      );
      assert.ok(existsSync(bad));
      assert.equal(readFileSync(path, "utf8"), "");
    });
  }
});

describe("a file whose name is taken by a FIFO or a folder while it is open", () => {
  for (const kind of ["fifo-reader", "dir-reader", "fifo-writer"]) {
    test(`${kind}: keeps to its file past 1024 scattered calls, without blocking`, (t) => {
      if (process.platform === "win32") return t.skip("POSIX only");
      const path = join(tempDir(), "x.npy");
      const w = NpyAppendArraySync.open(path);
      for (let i = 0; i < 300; i++) {
        w.append({ data: new Float64Array([i, -i]), shape: [1, 2] });
      }
      w.close();
      if (kind === "fifo-writer") rmSync(path);
      const [cmd, args] = scriptCommand(CHILD);
      const r = spawnSync(cmd, [...args, "swap", path, kind], {
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.signal, null, `blocked: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout.trim(), "rows 1700", r.stderr);
      const old = readNpySync(`${path}.old`);
      const n = kind === "fifo-writer" ? 1700 : 300;
      assert.deepEqual(old.shape, [n, 2]);
      assert.equal((old.data as Float64Array)[2 * n - 2], n - 1);
      assert.equal(
        statSync(path).isDirectory() ? "dir" : "fifo",
        kind.split("-")[0],
      );
    });
  }
});

describe("missing files and folders", () => {
  test("a missing folder fails at open, not at the first append", async () => {
    const dir = tempDir();
    const path = join(dir, "no", "such", "dir", "x.npy");
    const want = {
      code: "ENOENT",
      message: `Cannot open ${JSON.stringify(path)}: its folder ${
        JSON.stringify(join(dir, "no", "such", "dir"))
      } does not exist; create it first`,
    };
    assert.throws(() => NpyAppendArraySync.open(path), want);
    await assert.rejects(NpyAppendArray.open(path), want);
    await assert.rejects(
      NpyAppendArray.open(new URL(`file://${path}`)),
      want,
    );
    assert.equal(existsSync(join(dir, "no")), false);
  });

  test("a folder that is a file fails at open", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "plain"), "x");
    const path = join(dir, "plain", "x.npy");
    assert.throws(() => NpyAppendArraySync.open(path), {
      code: "ENOTDIR",
      message: `Cannot open ${JSON.stringify(path)}: ${
        JSON.stringify(join(dir, "plain"))
      } is not a folder`,
    });
  });

  test("ensureAppendable of a missing file: ENOENT naming it, by copy and in place, sync and async", async () => {
    const dir = tempDir();
    for (const path of [join(dir, "gone.npy"), join(dir, "no", "x.npy")]) {
      const want = {
        name: "Error",
        code: "ENOENT",
        message: new RegExp(
          `^Cannot rewrite ${
            escape(JSON.stringify(path))
          }: ENOENT: no such file or directory, (stat|open) '`,
        ),
      };
      assert.throws(() => ensureAppendableSync(path), want);
      assert.throws(() => ensureAppendableSync(path, { inplace: true }), want);
      await assert.rejects(ensureAppendable(path), want);
      await assert.rejects(ensureAppendable(path, { inplace: true }), want);
    }
  });

  test("a symlink to a missing file: refused at the first append, saying so, nothing created", async () => {
    const dir = tempDir();
    const link = join(dir, "link.npy");
    symlinkSync(join(dir, "nowhere.npy"), link);
    const want = {
      code: "EEXIST",
      message: `Cannot create ${
        JSON.stringify(link)
      }: it is a symlink to a missing file; create that file, or pass its path`,
    };
    for (const options of [{}, { deleteIfExists: true }]) {
      const w = NpyAppendArraySync.open(link, options);
      assert.throws(() => w.append(new Float64Array([1])), want);
      w.close();
      const a = await NpyAppendArray.open(link, options);
      await assert.rejects(a.append(new Float64Array([1])), want);
      await a.close();
    }
    assert.deepEqual(readdirSync(dir), ["link.npy"]);
  });

  test("runtime errors read as node:fs words them, on every runtime (ELOOP, ENAMETOOLONG)", () => {
    const dir = tempDir();
    const loop = join(dir, "loop.npy");
    symlinkSync(loop, loop);
    const long = join(dir, `${"x".repeat(300)}.npy`);
    const cases: [() => unknown, string, string, string][] = [
      [
        () => NpyAppendArraySync.open(loop),
        loop,
        "ELOOP",
        "too many symbolic links encountered, stat",
      ],
      [
        () => NpyAppendArraySync.open(long),
        long,
        "ENAMETOOLONG",
        "name too long, stat",
      ],
      [() => readNpySync(long), long, "ENAMETOOLONG", "name too long, stat"],
    ];
    // With the fix after them, as a TypeError or RangeError (adversary 6).
    const fixes: Record<string, [string, string]> = {
      ELOOP: [
        "TypeError",
        "; a symbolic link on the path leads back to itself: fix or remove that link",
      ],
      ENAMETOOLONG: [
        "RangeError",
        "; a name on the path (or the path) is longer than the file system allows: use a shorter name",
      ],
    };
    for (const [run, path, code, text] of cases) {
      assert.throws(run, {
        code,
        name: fixes[code]![0],
        message: `Cannot open ${
          JSON.stringify(path)
        }: ${code}: ${text} '${path}'${fixes[code]![1]}`,
      });
    }
  });

  test("a missing file: ENOENT naming it, from every reader", async () => {
    const path = join(tempDir(), "gone.npy");
    const check = (e: unknown) => {
      assert.equal((e as { code?: string }).code, "ENOENT");
      assert.match(
        (e as Error).message,
        new RegExp(
          `^Cannot (read|recover|inspect) ${
            escape(JSON.stringify(path))
          }: ENOENT: no such file or directory`,
        ),
      );
      assert.ok((e as Error).cause instanceof Error);
      return true;
    };
    assert.throws(() => readNpySync(path), check);
    await assert.rejects(readNpy(path), check);
    await assert.rejects(NpyReader.open(path), check);
    await assert.rejects(isAppendable(path), check);
    assert.throws(() => recoverSync(path), check);
    assert.equal(existsSync(`${path}.lock`), false);
  });

  test("one wording for a target of the wrong kind", async () => {
    // (A number gets a hint: see adversary13_hostile_targets_test.)
    for (const bad of [true, {}, null]) {
      await assert.rejects(readNpy(bad as never), {
        name: "TypeError",
        message:
          "Cannot read target: pass a path, a file: URL, a FileLike or a FileLikeSync",
      });
      assert.throws(() => NpyAppendArraySync.open(bad as never), {
        name: "TypeError",
        message:
          "Cannot open target: pass a path, a file: URL or a FileLikeSync (readSync, writeSync, sizeSync)",
      });
      await assert.rejects(NpyAppendArray.open(bad as never), {
        message:
          "Cannot open target: pass a path, a file: URL, a FileLike or a FileLikeSync",
      });
    }
    assert.throws(() => readNpySync(new URL("https://example.com/x.npy")), {
      name: "TypeError",
      message:
        'Cannot open "https://example.com/x.npy": only file: URLs are supported; pass a path, a file: URL, a FileLike or a FileLikeSync',
    });
  });
});

/** Fills the disk of `dir` up to the last byte. */
function fill(dir: string): void {
  for (let size = 1 << 20, i = 0; size >= 1; i++) {
    try {
      writeFileSync(join(dir, `filler${i}`), new Uint8Array(size));
    } catch {
      size >>= 1;
    }
  }
}

const root = process.getuid?.() === 0;
const ci = (process.env.CI ?? "") !== "" && process.env.CI !== "false";
const mountOptions = root || ci ? {} : { skip: "mounting a tmpfs needs root" };

describe("runtime errors name the file", mountOptions, () => {
  test(
    "ENOSPC on an append, on a full 2 MiB disk",
    withTmpfs("size=2m", (dir) => {
      const path = join(dir, "full.npy");
      const npy = NpyAppendArraySync.open(path);
      npy.append(new Float64Array(1000));
      const before = readFileSync(path);
      assert.throws(
        () => npy.append(new Float64Array(512 * 1024)), // 4 MiB
        (e: unknown) => {
          assert.equal((e as { code?: string }).code, "ENOSPC");
          assert.match(
            (e as Error).message,
            new RegExp(
              `^Cannot write ${
                escape(JSON.stringify(path))
              }: (ENOSPC: )?no space left on device`,
              "i",
            ),
          );
          assert.equal(
            ((e as Error).cause as { code?: string }).code,
            "ENOSPC",
          );
          return true;
        },
      );
      npy.close();
      assert.deepEqual(readNpySync(path).shape, [1000]);
      assert.deepEqual(
        readFileSync(path).subarray(0, 128),
        before.subarray(0, 128),
      );
    }),
  );

  test(
    "ENOSPC on the first append of a new file, and at open on a full disk",
    withTmpfs("size=2m", (dir) => {
      const path = join(dir, "new.npy");
      const npy = NpyAppendArraySync.open(path);
      fill(dir);
      assert.throws(() => npy.append(new Float64Array(4096)), (e: unknown) => {
        assert.equal((e as { code?: string }).code, "ENOSPC");
        assert.match(
          (e as Error).message,
          new RegExp(`^Cannot write ${escape(JSON.stringify(path))}: `),
        );
        return true;
      });
      npy.close();
      // The disk is full: even the lock file cannot be written.
      fill(dir);
      const other = join(dir, "other.npy");
      assert.throws(() => NpyAppendArraySync.open(other), (e: unknown) => {
        assert.equal((e as { code?: string }).code, "ENOSPC");
        assert.match(
          (e as Error).message,
          new RegExp(`^Cannot open ${escape(JSON.stringify(other))}: `),
        );
        return true;
      });
      assert.equal(existsSync(`${other}.lock`), false);
    }),
  );

  test(
    "EROFS on a read-only disk: open and recover name the file",
    withTmpfs("size=2m", (dir) => {
      const path = join(dir, "ro.npy");
      const npy = NpyAppendArraySync.open(path);
      npy.append(new Float64Array(3));
      npy.close();
      assert.equal(statSync(path).size, 128 + 24);
      const r = spawnSync("mount", ["-o", "remount,ro", dir]);
      assert.equal(r.status, 0, String(r.stderr));
      for (
        const call of [
          () => NpyAppendArraySync.open(path),
          () => recoverSync(path),
        ]
      ) {
        assert.throws(call, (e: unknown) => {
          assert.equal((e as { code?: string }).code, "EROFS");
          assert.match(
            (e as Error).message,
            new RegExp(
              `^Cannot (open|recover) ${
                escape(JSON.stringify(path))
              }: (EROFS: )?read-only file system`,
              "i",
            ),
          );
          return true;
        });
      }
      assert.deepEqual(readNpySync(path).shape, [3]);
    }),
  );
});

describe("fsync: true syncs the folder of a new file", () => {
  for (const fsync of [true, false]) {
    test(`fsync: ${fsync}`, () => {
      const dir = tempDir();
      const path = join(dir, "durable.npy");
      const fs = pathFs();
      const synced: string[] = [];
      const original = fs.syncDir;
      fs.syncDir = (p) => {
        synced.push(p);
        original(p);
      };
      try {
        const npy = NpyAppendArraySync.open(path, { fsync });
        assert.deepEqual(synced, []);
        npy.append(new Float64Array([1]));
        npy.append(new Float64Array([2]));
        npy.close();
      } finally {
        fs.syncDir = original;
      }
      assert.deepEqual(synced, fsync ? [dir] : []);
      assert.deepEqual(readNpySync(path).shape, [2]);
    });
  }
});
