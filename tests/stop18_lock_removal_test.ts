/**
 * Stop 18: a maintenance call (`recover`, `ensureAppendable` by copy and
 * in place, `recoverStack`, `recoverGroup`) that finished its work but
 * whose lock file could not be removed (a failing disk: the removal made
 * to fail with `EIO` by `strace`) threw the bare system error, `Cannot
 * remove "x.npy.lock": EIO`, which reads as if the work had failed and
 * names no fix. Now it says the work finished, names the lock file and
 * says to remove it or that the next opener takes it over; the system
 * error's code is kept. The work is done, and a later call in the same
 * process takes the lock over.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  inspectNpySync,
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";
import { compactHeaderFile } from "./_test_files.ts";
import { straceFailing, straceOptions } from "./_strace.ts";

const CHILD = new URL("./_stop18_lock_child.ts", import.meta.url);

/** A file of rows 0, 1, 2 (`<f8`) and a torn fourth row. */
function tornFile(path: string): void {
  const w = NpyAppendArraySync.open(path);
  w.append(Float64Array.of(0, 1, 2));
  w.close();
  appendFileSync(path, new Uint8Array(4));
}

const values = (path: string) => [...readNpySync(path).data as Float64Array];

/** Each call: what it needs done (in `root`), its target, and the check that it was done. */
const CASES: [
  string,
  string,
  (root: string) => string,
  (target: string) => void,
][] = [
  ["recover", "recover", (root) => {
    const path = join(root, "x.npy");
    tornFile(path);
    return path;
  }, (path) => {
    assert.equal(inspectNpySync(path).needsRecovery, false);
    assert.deepEqual(values(path), [0, 1, 2]);
  }],
  ["ensureAppendable (by copy)", "ensure", (root) => {
    const path = join(root, "x.npy");
    writeFileSync(path, compactHeaderFile());
    return path;
  }, (path) => {
    assert.equal(inspectNpySync(path).appendable, true);
    assert.deepEqual(values(path), [0, 1, 2]);
  }],
  ["ensureAppendable (in place)", "ensure-inplace", (root) => {
    const path = join(root, "x.npy");
    writeFileSync(path, compactHeaderFile());
    return path;
  }, (path) => {
    assert.equal(inspectNpySync(path).appendable, true);
    assert.deepEqual(values(path), [0, 1, 2]);
  }],
  ["recoverStack", "recover-stack", (root) => {
    // A killed writer's live shard with a torn row.
    const dir = join(root, "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
    w.append(Float64Array.of(0, 1, 2));
    w.close();
    renameSync(join(dir, "1.npy"), join(dir, "1.npy.part"));
    rmSync(join(dir, "info"));
    appendFileSync(join(dir, "1.npy.part"), new Uint8Array(4));
    return dir;
  }, (dir) => {
    assert.equal(
      inspectNpySync(join(dir, "1.npy.part")).needsRecovery,
      false,
    );
    assert.deepEqual([...readNpyStackSync(dir).data as Float64Array], [
      0,
      1,
      2,
    ]);
  }],
  ["recoverGroup", "recover-group", (root) => {
    const dir = join(root, "g");
    const w = NpyGroupWriterSync.open(dir, {
      members: { a: "<f8", b: "<f8" },
    });
    w.append({ a: Float64Array.of(0, 1, 2), b: Float64Array.of(3, 4, 5) });
    w.close();
    appendFileSync(join(dir, "a.npy"), new Uint8Array(4));
    return dir;
  }, (dir) => {
    assert.equal(inspectNpySync(join(dir, "a.npy")).needsRecovery, false);
    const r = NpyGroupReader.openSync(dir);
    const got = r.readSync();
    r.closeSync();
    assert.deepEqual([...got.a!.data as Float64Array], [0, 1, 2]);
    assert.deepEqual([...got.b!.data as Float64Array], [3, 4, 5]);
  }],
];

for (const [what, op, make, done] of CASES) {
  test(
    `${what} finished, its lock file's removal failing (EIO): the error says it finished, names the lock file and the fix, code kept`,
    { timeout: 120_000, ...straceOptions },
    () => {
      const root = tempDir();
      const target = make(root);
      const lock = `${target}.lock`;
      const out = straceFailing(CHILD, [target, op], {
        paths: [lock],
        calls: ["unlink", "unlinkat"],
        error: "EIO",
        when: 1,
      });
      const lines = out.trim().split("\n");
      assert.equal(lines[0], "err EIO", out);
      const message = JSON.parse(lines[1]!) as string;
      const verb = op.startsWith("ensure") ? "rewrite" : "recover";
      assert.ok(
        message.startsWith(
          `Cannot remove the lock file ${
            JSON.stringify(lock)
          } after the ${verb} of ${JSON.stringify(target)}: EIO`,
        ),
        message,
      );
      assert.match(
        message,
        new RegExp(
          `; the ${verb} itself finished\\. Remove the lock file, or leave it: a later call in this process takes it over, and once this process has ended the next opener does; until then other processes find "[^"]*" locked$`,
        ),
      );
      // The same call again in that process took the lock over.
      assert.equal(lines[2], "again ok", out);
      assert.equal(lines.at(-1), "done", out);
      done(target);
      assert.equal(existsSync(lock), false, "removed at the child's exit");
      assert.equal(
        readdirSync(root).some((n) => n.includes(".lock")),
        false,
        String(readdirSync(root)),
      );
    },
  );
}

test(
  "recoverStack that fails, its lock file's removal failing too: its own failure is thrown, not the removal's",
  { timeout: 120_000, ...straceOptions },
  () => {
    const root = tempDir();
    const dir = join(root, "s");
    const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<f8" });
    w.append(Float64Array.of(0, 1, 2));
    w.close();
    rmSync(join(dir, "1.npy")); // info lists it
    const out = straceFailing(CHILD, [dir, "recover-stack"], {
      paths: [`${dir}.lock`],
      calls: ["unlink", "unlinkat"],
      error: "EIO",
      when: 1,
    });
    const lines = out.trim().split("\n");
    assert.equal(lines[0], "err damaged-stack", out);
    assert.match(
      JSON.parse(lines[1]!) as string,
      /its info lists 2 shards but "[^"]*1\.npy" is missing; restore the file, or remove info and run recoverStack$/,
    );
    assert.equal(lines.at(-1), "done", out);
    assert.equal(existsSync(`${dir}.lock`), false);
  },
);
