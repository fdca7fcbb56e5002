/**
 * Adversary round 11: a writer in a worker thread that is terminated
 * (`worker.terminate()`, the thread-level kill) runs no exit hook, so its
 * lock file stayed, naming a live process: every later writer of the file
 * (in that process: "this process holds it; close that first", which
 * nothing could do; in others: a live holder) was refused until the
 * process ended. The lock now records the thread too (Linux), and a lock
 * whose thread is gone is stale, taken over as a dead process's is. A
 * live worker's lock still refuses.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { Worker } from "node:worker_threads";
import {
  NpyAppendArraySync,
  NpyGroupReader,
  NpyGroupWriterSync,
  NpyLockedError,
  NpyStackWriterSync,
  readNpyStack,
  readNpySync,
} from "../mod.ts";
import { npLoadJson, numpyTestOptions, tempDir } from "./_numpy.ts";
import { scriptCommand, sourcePath } from "./_runtime.ts";

const WORKER = new URL("./_adversary11_worker.ts", import.meta.url);
const CHILD = new URL("./_lock_child.ts", import.meta.url);

/** Starts the worker on `kind` and `path`, once it posted `ready`. */
async function startWorker(kind: string, path: string): Promise<Worker> {
  const w = new Worker(sourcePath(WORKER), { workerData: { kind, path } });
  await new Promise<void>((resolve, reject) => {
    w.once("message", () => resolve());
    w.once("error", reject);
  });
  return w;
}

/**
 * Terminates the worker and waits until its thread has ended (on Deno
 * some milliseconds after `terminate()` resolves; until then its lock is
 * a live thread's), reading the thread from the lock file `lockPath`.
 */
async function stop(worker: Worker, lockPath: string): Promise<void> {
  const { thread } = JSON.parse(readFileSync(lockPath, "utf8"));
  await worker.terminate();
  if (typeof thread !== "number") return;
  for (let i = 0; existsSync(`/proc/self/task/${thread}`); i++) {
    assert.ok(i < 400, `thread ${thread} still runs after 2 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const linux = process.platform === "linux";
const why = "threads are told apart through /proc (Linux)";

describe("adversary 11: a writer in a terminated worker thread", () => {
  for (const kind of ["file", "async"]) {
    test(`${kind}: once its thread ended, this process opens the file again, the worker's rows kept`, async (t) => {
      if (!linux) return t.skip(why);
      const dir = tempDir();
      const path = join(dir, "x.npy");
      const worker = await startWorker(kind, path);
      // While it runs, its lock holds.
      assert.throws(() => NpyAppendArraySync.open(path), NpyLockedError);
      await stop(worker, `${path}.lock`);
      const w = NpyAppendArraySync.open(path);
      w.append(new Int32Array([4]));
      w.close();
      assert.deepEqual([...readNpySync(path).data as Int32Array], [
        1,
        2,
        3,
        4,
      ]);
      assert.deepEqual(readdirSync(dir), ["x.npy"]);
    });
  }

  test("another process takes the lock over while this one lives on", async (t) => {
    if (!linux) return t.skip(why);
    const path = join(tempDir(), "x.npy");
    const [exe, args] = scriptCommand(CHILD);
    const worker = await startWorker("file", path);
    let r = spawnSync(exe, [...args, "try", path], { encoding: "utf8" });
    assert.match(r.stdout, /^NpyLockedError: .*it is held by pid/, r.stderr);
    await stop(worker, `${path}.lock`);
    r = spawnSync(exe, [...args, "try", path], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), "opened", r.stderr);
    assert.deepEqual([...readNpySync(path).data as Int32Array], [1, 2, 3]);
  });

  test("a stack writer's folder and live shard", async (t) => {
    if (!linux) return t.skip(why);
    const dir = join(tempDir(), "s");
    const worker = await startWorker("stack", dir);
    assert.throws(() => NpyStackWriterSync.open(dir), NpyLockedError);
    await stop(worker, `${dir}.lock`);
    const w = NpyStackWriterSync.open(dir);
    w.append(new Int32Array([4]));
    w.close();
    assert.deepEqual([...(await readNpyStack(dir)).data as Int32Array], [
      1,
      2,
      3,
      4,
    ]);
  });

  test("a group writer's folder and members", async (t) => {
    if (!linux) return t.skip(why);
    const dir = join(tempDir(), "g");
    const worker = await startWorker("group", dir);
    assert.throws(() => NpyGroupWriterSync.open(dir), NpyLockedError);
    await stop(worker, `${dir}.lock`);
    const w = NpyGroupWriterSync.open(dir);
    w.append({ a: new Int32Array([4]), b: new Float64Array([4]) });
    w.close();
    const g = await NpyGroupReader.open(dir);
    const got = await g.read(0, g.length);
    assert.deepEqual([...got.a!.data as Int32Array], [1, 2, 3, 4]);
    assert.deepEqual([...got.b!.data as Float64Array], [1, 2, 3, 4]);
  });

  test(
    "what the next writer leaves is what np.load reads",
    numpyTestOptions(),
    async (t) => {
      if (!linux) return t.skip(why);
      const path = join(tempDir(), "x.npy");
      const worker = await startWorker("file", path);
      await stop(worker, `${path}.lock`);
      const w = NpyAppendArraySync.open(path);
      w.append(new Int32Array([4, 5]));
      w.close();
      const j = npLoadJson(path);
      assert.deepEqual(j.shape, [5]);
      assert.deepEqual(j.values, [1, 2, 3, 4, 5]);
    },
  );
});
