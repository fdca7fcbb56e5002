/**
 * Stop 27 (h4): a writer out of descriptors releasing its lock by device
 * and inode in `/tmp` (kept without a descriptor since stop 26) could not
 * read the token at the name and trusted the device and inode alone. An
 * inode is reused at once on ext4 once freed: when its lock had been
 * removed meanwhile (`rm`, a `/tmp` cleaner) and another writer of the
 * file (another name of it: `mv` while held, a hard link) had taken the
 * lock at the same name, often on the same inode, the release removed
 * that live writer's lock, and a third writer got in beside it. Now the
 * lock's change time is kept too: an inode changed since it was taken
 * (made anew, or written) is not this hold's, and stays.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { readNpySync } from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { scriptCommand } from "./_runtime.ts";

const CHILD = new URL("./_stop27_release_child.ts", import.meta.url);

const linuxOnly = process.platform !== "linux"
  ? { skip: "ulimit -n and /dev/null: Linux only here" }
  : {};

/** Starts the child under `ulimit -n 256`; resolves its lines as they come. */
function startChild(dir: string) {
  const [cmd, args] = scriptCommand(CHILD);
  const child = spawn("sh", [
    "-c",
    'ulimit -n 256; exec "$0" "$@"',
    cmd,
    ...args,
    dir,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout.on("data", (d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on("data", (d) => (err += d));
  const closed = new Promise<void>((r) =>
    child.on("close", () => {
      for (const w of waiters.splice(0)) w();
      r();
    })
  );
  return {
    closed,
    async line(word: string): Promise<string> {
      for (;;) {
        const hit = out.split("\n").find((l) => l.startsWith(word));
        if (hit !== undefined) return hit;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`child ended before "${word}": ${out}\n${err}`);
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

/**
 * Runs the child; once it holds `x.npy`, `replace` puts another writer's
 * lock (`text`) at the name of its lock by device and inode (`lock`, on
 * inode `ino`) and returns whether it sits on that inode; then the child
 * releases with no descriptor free. That lock must stay.
 */
async function releaseAfter(
  replace: (lock: string, text: string, ino: number) => boolean,
): Promise<void> {
  const dir = tempDir();
  const x = join(dir, "x.npy");
  const child = startChild(dir);
  await child.line("ready");
  const s = statSync(x);
  const lock = `/tmp/npy-append-array-links-${s.dev}-${s.ino}.lock`;
  assert.ok(existsSync(lock), "the writer's lock by device and inode");
  const ino = statSync(lock).ino;
  const theirs = JSON.parse(readFileSync(lock, "utf8"));
  theirs.pid = process.pid;
  theirs.token = "0".repeat(32);
  const text = JSON.stringify(theirs);
  try {
    const same = replace(lock, text, ino);
    writeFileSync(join(dir, "go"), "");
    const closed = await child.line("closed");
    await child.line("done");
    await child.closed;
    assert.equal(closed, "closed ok");
    if (same) {
      assert.ok(existsSync(lock), "the other writer's lock was removed");
      assert.equal(readFileSync(lock, "utf8"), text);
    }
    assert.equal(existsSync(`${x}.lock`), false);
    assert.deepEqual([...readNpySync(x).data as Float64Array], [1, 2]);
  } finally {
    rmSync(lock, { force: true });
  }
}

test(
  "out of descriptors, a writer's release leaves the lock another writer took since on its freed inode",
  { ...linuxOnly, timeout: 180_000 },
  async () => {
    const fillers: string[] = [];
    try {
      await releaseAfter((lock, text, ino) => {
        // Its lock removed by someone, then another writer's at the name:
        // files are made until one gets the freed inode (ext4 gives the
        // lowest free one of the folder's group; those freed before it,
        // such as the writer's slot symlink, are kept taken meanwhile).
        rmSync(lock);
        for (let i = 0; i < 200; i++) {
          writeFileSync(lock, text, { flag: "wx" });
          if (statSync(lock).ino === ino) return true;
          const filler = `${lock}.stop27-h4-filler-${i}`;
          fillers.push(filler);
          renameSync(lock, filler);
        }
        // Not given back here (another file system): nothing to check.
        writeFileSync(lock, text, { flag: "wx" });
        return false;
      });
    } finally {
      for (const f of fillers) rmSync(f, { force: true });
    }
  },
);

test(
  "out of descriptors, a writer's release leaves its lock's inode written with another writer's record",
  { ...linuxOnly, timeout: 180_000 },
  async () => {
    await releaseAfter((lock, text) => {
      writeFileSync(lock, text); // the same inode, changed
      return true;
    });
  },
);
