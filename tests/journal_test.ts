/**
 * The change record (`src/_journal.ts`, SPEC section 10): an in-place
 * `ensureAppendable` killed or failing at every single write call, with
 * and without a half-done last write, is settled into the old file or the
 * wholly converted one, never a mix; the record's data slot shrinks when
 * space is short. Runs in memory, on every runtime.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryFile, readNpySync } from "../mod.ts";
import {
  crc32,
  type JournalFile,
  type JournalStore,
  settleFile,
  shiftInPlace,
} from "../src/_journal.ts";
import { inspect } from "../src/_inspect.ts";
import { runSync } from "../src/_io.ts";
import type { FileLikeSync } from "../src/file_like.ts";

/** A process that dies (every later call throws) at its n-th mutation. */
class World {
  ops = 0;
  dead = false;
  constructor(
    readonly killAt: number,
    readonly sticky = true,
    readonly partial = false,
    /** Free space: writes that grow files past it fail. */
    public free = Infinity,
  ) {}
  mutate(half?: () => void): void {
    if (this.dead) throw new Error("killed");
    this.ops++;
    if (this.killAt > 0 && this.ops === this.killAt) {
      if (this.sticky) this.dead = true;
      if (this.partial) half?.();
      throw new Error("No space left on device (injected)");
    }
  }
  wrap(m: MemoryFile): JournalFile {
    return {
      readSync: (b, p) => {
        if (this.dead) throw new Error("killed");
        return m.readSync(b, p);
      },
      writeSync: (b, p) => {
        this.mutate(() => m.writeSync(b.subarray(0, b.length >> 1), p));
        const growth = Math.max(0, p + b.length - m.sizeSync());
        if (growth > this.free) {
          throw new Error("No space left on device (capacity)");
        }
        this.free -= growth;
        m.writeSync(b, p);
      },
      sizeSync: () => m.sizeSync(),
      truncateSync: (n) => {
        this.mutate();
        this.free += m.sizeSync() - n;
        m.truncateSync(n);
      },
      syncSync: () => {},
      closeSync: () => {},
    };
  }
}

/** A record kept in memory, its calls going through a world. */
function memoryStore(world: World, box: { mem: MemoryFile | null }) {
  const store: JournalStore = {
    label: "x.npy.journal",
    open: () => box.mem === null ? null : world.wrap(box.mem),
    create(fill) {
      // Filled aside, then linked: a crash while filling leaves no record.
      const mem = new MemoryFile();
      const f = world.wrap(mem);
      fill(f);
      world.mutate();
      box.mem = mem;
      return f;
    },
    remove() {
      world.mutate();
      box.mem = null;
    },
  };
  return store;
}

/** A file as NumPy before 1.22 wrote it (header padded to 16, no growth room). */
function npSaveLike(values: Int32Array): Uint8Array {
  let text =
    `{'descr': '<i4', 'fortran_order': False, 'shape': (${values.length},), }`;
  const total = Math.ceil((10 + text.length + 1) / 16) * 16;
  text = text.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + values.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  out.set(new Uint8Array(values.buffer), total);
  return out;
}

const VALUES = Int32Array.from({ length: 700 }, (_, i) => i * 7 - 1000);
const OLD = npSaveLike(VALUES);

function shift(
  file: FileLikeSync,
  store: JournalStore,
  chunk: number,
): void {
  const info = runSync(inspect(), file);
  assert.equal(info.appendable, false);
  shiftInPlace(
    file,
    store,
    "x.npy",
    info.header.headerLength,
    info.grownHeader,
    info.fileSize,
    chunk,
  );
}

function bytesOf(m: MemoryFile): Uint8Array {
  const b = new Uint8Array(m.sizeSync());
  m.readSync(b, 0);
  return b;
}

/** The converted file, made without faults. */
const NEW = (() => {
  const m = new MemoryFile(OLD.slice());
  shift(new World(0).wrap(m), memoryStore(new World(0), { mem: null }), 256);
  return bytesOf(m);
})();

test("a converted file holds the same values behind an appendable header", () => {
  const m = new MemoryFile(NEW.slice());
  const arr = readNpySync(m);
  assert.deepEqual(arr.shape, [700]);
  assert.deepEqual([...arr.data as Int32Array], [...VALUES]);
  assert.equal(runSync(inspect(), m).appendable, true);
});

/**
 * Runs the shift with a world that fails at its n-th mutation, then
 * settles with a healthy one; returns which file resulted.
 */
function runKilledAt(
  n: number,
  opts: { sticky: boolean; partial: boolean; chunk: number },
): { outcome: "old" | "new"; total: number; threw: boolean } {
  const world = new World(n, opts.sticky, opts.partial);
  const m = new MemoryFile(OLD.slice());
  const box = { mem: null as MemoryFile | null };
  let threw = false;
  try {
    shift(world.wrap(m), memoryStore(world, box), opts.chunk);
  } catch {
    threw = true;
  }
  if (!opts.sticky && threw && box.mem === null) {
    // A failure the process survived, with no record left: unchanged.
    assert.deepEqual(
      bytesOf(m),
      OLD,
      `failure at ${n}: record gone, file changed`,
    );
  }
  const healthy = new World(0);
  settleFile(healthy.wrap(m), memoryStore(healthy, box), () => {});
  assert.equal(box.mem, null, `failure at ${n}: record left after settling`);
  const got = bytesOf(m);
  const outcome = got.length === OLD.length && crc32(got) === crc32(OLD)
    ? "old"
    : got.length === NEW.length && crc32(got) === crc32(NEW)
    ? "new"
    : null;
  assert.ok(outcome !== null, `failure at ${n}: a mix of old and new bytes`);
  return { outcome, total: world.ops, threw };
}

for (const partial of [false, true]) {
  for (const chunk of [256, 1000, 64 * 1024]) {
    test(
      `a kill at every write of an in-place rewrite (chunk ${chunk}${
        partial ? ", last write half done" : ""
      }) leaves the old or the whole new file`,
      () => {
        const total = new World(0);
        {
          const m = new MemoryFile(OLD.slice());
          shift(total.wrap(m), memoryStore(total, { mem: null }), chunk);
        }
        const seen = { old: 0, new: 0 };
        // 1 .. every mutation: the first chunk, the middle ones, the last
        // one, the header, the removal of the record.
        // (In memory, no child process: cheap, so every runtime runs every
        // point rather than sharing them as the kill sweeps do.)
        for (let n = 1; n <= total.ops; n++) {
          const r = runKilledAt(n, { sticky: true, partial, chunk });
          assert.ok(r.threw);
          seen[r.outcome]++;
        }
        assert.ok(seen.old > 0 && seen.new > 0, JSON.stringify(seen));
      },
    );
  }
}

test("one failing write (a full disk that clears) at every call: the file is old, or new after settling", () => {
  const total = new World(0);
  shift(
    total.wrap(new MemoryFile(OLD.slice())),
    memoryStore(total, { mem: null }),
    256,
  );
  for (let n = 1; n <= total.ops; n++) {
    runKilledAt(n, { sticky: false, partial: true, chunk: 256 });
  }
});

test("a full disk while reserving shrinks the record's data slot, then succeeds", () => {
  // Room for the record's fixed part and a 16 KiB slot, not a 64 KiB one.
  const world = new World(0, true, false, 4096 + 20_000);
  const big = Int32Array.from({ length: 20_000 }, (_, i) => i);
  const bigFile = new MemoryFile(npSaveLike(big));
  shift(world.wrap(bigFile), memoryStore(world, { mem: null }), 64 * 1024);
  assert.deepEqual([...readNpySync(bigFile).data as Int32Array], [...big]);
  assert.equal(runSync(inspect(), bigFile).appendable, true);
});

test("a full disk for the file's growth leaves it unchanged, with no record", () => {
  const world = new World(0, true, false, 20);
  const m = new MemoryFile(OLD.slice());
  const box = { mem: null as MemoryFile | null };
  assert.throws(
    () => shift(world.wrap(m), memoryStore(world, box), 256),
    /^Error: Cannot rewrite "x\.npy" in place: No space left on device \(capacity\); the file is unchanged/,
  );
  assert.deepEqual(bytesOf(m), OLD);
  assert.equal(box.mem, null);
});
