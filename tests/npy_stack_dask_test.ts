/**
 * Stacks read by the Python engines they are for, really running: Dask's
 * `da.from_npy_stack(dir)`, a `distributed.LocalCluster` with two worker
 * processes computing sums and means, and the `*.npy` glob that
 * `ray.data.read_numpy(dir)` reads (one block per file, in order). Cases:
 * a plain C-order stack, a structured one, a Fortran-order one and a
 * stack read while it is written. One Python process (one cluster) for
 * the whole file.
 */

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyStackReader,
  NpyStackWriterSync,
  parseDType,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const CHECK = `
import glob, json, os, sys
import numpy as np
import dask.array as da
from distributed import Client, LocalCluster

def ray_glob(d):
    # What ray.data.read_numpy(d) reads: every *.npy file, one block each.
    paths = sorted(glob.glob(os.path.join(d, "*.npy")), key=lambda p: int(os.path.basename(p)[:-4]))
    return [np.load(p) for p in paths]

if __name__ == "__main__":
    cases = json.loads(sys.argv[1])
    out = {}
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        workers = len(client.scheduler_info()["workers"])
        for c in cases:
            ref = np.load(c["ref"])
            if c.get("rows") is not None:
                ref = ref[tuple(slice(0, c["rows"]) if i == c["axis"] else slice(None) for i in range(ref.ndim))]
            x = da.from_npy_stack(c["dir"])
            got = x.compute()
            blocks = ray_glob(c["dir"])
            r = {
                "dask": bool(got.dtype == ref.dtype and got.shape == ref.shape and np.array_equal(got, ref)),
                "shape": list(got.shape),
                "blocks": len(blocks),
                "glob": bool(np.array_equal(np.concatenate(blocks, axis=c["axis"]), ref)),
                "workers": workers,
            }
            if ref.dtype.names is None:
                s, m = client.compute([x.sum(), x.mean(axis=c["axis"])])
                r["sum"] = bool(np.allclose(s.result(), ref.sum()))
                r["mean"] = bool(np.allclose(m.result(), ref.mean(axis=c["axis"])))
            else:
                f = ref.dtype.names[0]
                s = client.compute(x[f].sum()).result()
                r["sum"] = bool(s == ref[f].sum())
                r["mean"] = bool(np.allclose(client.compute(x[f].mean()).result(), ref[f].mean()))
            out[c["name"]] = r
    print(json.dumps(out))
`;

interface Result {
  dask: boolean;
  shape: number[];
  blocks: number;
  glob: boolean;
  sum: boolean;
  mean: boolean;
  workers: number;
}

interface Case {
  name: string;
  dir: string;
  ref: string;
  axis: number;
  rows?: number;
}

/** Writes the same appends to a stack and to one reference file. */
function write(
  name: string,
  options: {
    shardRows?: number;
    shardBytes?: number;
    dtype?: string;
    fortranOrder?: boolean;
  },
  appends: { data: ArrayLike<number> | Uint8Array; shape: number[] }[],
  keepOpen = false,
): Case & { writer?: NpyStackWriterSync } {
  const dir = tempDir();
  const ref = join(tempDir(), `${name}.npy`);
  const stack = NpyStackWriterSync.open(dir, options);
  const single = NpyAppendArraySync.open(ref, {
    ...(options.dtype ? { dtype: options.dtype } : {}),
    fortranOrder: options.fortranOrder ?? false,
  });
  for (const a of appends) {
    const input = {
      data: a.data as Float64Array,
      shape: a.shape,
      ...(options.dtype ? { dtype: options.dtype } : {}),
      fortranOrder: options.fortranOrder ?? false,
    };
    stack.append(input);
    single.append(input);
  }
  single.close();
  const axis = options.fortranOrder ? appends[0]!.shape.length - 1 : 0;
  if (keepOpen) return { name, dir, ref, axis, writer: stack };
  stack.close();
  return { name, dir, ref, axis };
}

const results: Record<string, Result> = {};
const cases: (Case & { writer?: NpyStackWriterSync })[] = [];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe(
  "stacks read by Dask, a distributed cluster and the Ray glob",
  numpyTestOptions(),
  () => {
    before(() => {
      const r = rng(13);
      // Plain: uneven appends crossing shard boundaries.
      cases.push(write(
        "plain",
        { shardRows: 100 },
        [7, 150, 93, 1, 250, 33].map((n) => ({
          data: Float64Array.from(
            { length: n * 3 },
            () => Math.round(r() * 1e6) / 8,
          ),
          shape: [n, 3],
        })),
      ));
      // Structured records: (t: i8, xy: 2 x f4), raw bytes.
      const dtype = "[('t', '<i8'), ('xy', '<f4', (2,))]";
      const size = parseDType(dtype).itemsize;
      cases.push(write(
        "structured",
        { shardRows: 64, dtype },
        [50, 100, 21].map((n) => {
          const bytes = new Uint8Array(n * size);
          const view = new DataView(bytes.buffer);
          for (let i = 0; i < n; i++) {
            view.setBigInt64(i * size, BigInt(Math.floor(r() * 1e9)), true);
            view.setFloat32(i * size + 8, r(), true);
            view.setFloat32(i * size + 12, r() * 10, true);
          }
          return { data: bytes, shape: [n] };
        }),
      ));
      // Fortran order: grows along the last axis, shards of 40 columns.
      cases.push(write(
        "fortran",
        { shardRows: 40, dtype: "<i4", fortranOrder: true },
        [30, 45, 60].map((n) => ({
          data: Int32Array.from(
            { length: 4 * n },
            () => Math.floor(r() * 1000),
          ),
          shape: [4, n],
        })),
      ));
      // Rotation by size: 4 KiB shards.
      cases.push(write(
        "bytes",
        { shardBytes: 4096, dtype: "<f4" },
        Array.from({ length: 40 }, () => ({
          data: Float32Array.from({ length: 32 }, () => r()),
          shape: [2, 16],
        })),
      ));
      // Mid-write: the writer stays open, its live shard holds 17 rows.
      const live = write(
        "midwrite",
        { shardRows: 50 },
        [120, 47].map((n) => ({
          data: Float64Array.from({ length: n * 2 }, () => r()),
          shape: [n, 2],
        })),
        true,
      );
      cases.push({ ...live, rows: 150 });
      const arg = JSON.stringify(cases.map(({ writer: _, ...c }) => c));
      Object.assign(results, JSON.parse(runPython(CHECK, [arg])));
    });

    test("da.from_npy_stack(dir).compute() equals the data", () => {
      for (const c of cases) assert.ok(results[c.name]!.dask, c.name);
      assert.deepEqual(results.plain!.shape, [534, 3]);
      assert.deepEqual(results.fortran!.shape, [4, 135]);
    });

    test("a LocalCluster with two worker processes computes sums and means equal to NumPy's", () => {
      for (const c of cases) {
        assert.equal(results[c.name]!.workers, 2);
        assert.ok(results[c.name]!.sum, c.name);
        assert.ok(results[c.name]!.mean, c.name);
      }
    });

    test("the *.npy glob (ray.data.read_numpy), one block per shard in order, equals the data", () => {
      for (const c of cases) assert.ok(results[c.name]!.glob, c.name);
      assert.equal(results.plain!.blocks, 6);
      assert.equal(results.structured!.blocks, 3);
      assert.equal(results.fortran!.blocks, 4);
    });

    test("a stack read mid-write: Dask sees the sealed shards, NpyStackReader also the live rows", async () => {
      const c = cases.find((x) => x.name === "midwrite")!;
      assert.deepEqual(results.midwrite!.shape, [150, 2]);
      assert.equal(results.midwrite!.blocks, 3);
      const reader = await NpyStackReader.open(c.dir);
      assert.deepEqual(reader.shape, [167, 2]);
      c.writer!.append({ data: new Float64Array(80), shape: [40, 2] });
      assert.equal(await reader.refresh(), 207);
      assert.equal(reader.shards, 4);
      const tail = await reader.read(-40);
      assert.deepEqual([...tail.data as Float64Array], new Array(80).fill(0));
      c.writer!.close();
    });
  },
);
