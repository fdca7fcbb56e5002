"""NumPy's side of the benchmark's user workloads, best of several rounds.

Usage: python3 bench/python_users.py DIR SCALE
Prints one JSON line per result: {workload, ms, units, unit}.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

d, scale = sys.argv[1], float(sys.argv[2])
out = []


def best(run, rounds=3):
    b = float("inf")
    for r in range(rounds + 1):
        t = time.perf_counter()
        run()
        if r:
            b = min(b, time.perf_counter() - t)
    return b * 1000


p = os.path.join(d, "py.npy")
items = max(1 << 18, round(256 * 2**20 * scale / 4)) >> 1
a = np.arange(items, dtype="<f8")
out.append({"workload": "whole-array write", "ms": best(lambda: np.save(p, a)),
            "units": a.nbytes / 2**20, "unit": "MiB"})
rows = max(1024, round(64 * 1024 * 1024 / 8 * scale))
np.save(p, np.arange(rows, dtype="<f8"))
out.append({"workload": "whole read", "ms": best(lambda: np.load(p)),
            "units": os.path.getsize(p) / 2**20, "unit": "MiB"})
n = 100_000
np.save(p, np.arange(n * 3, dtype="<f8").reshape(n, 3))
picks = []
seed = 12345
for _ in range(10_000):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    picks.append(seed % n)


def rows_run():
    m = np.load(p, mmap_mode="r")
    s = 0.0
    for i in picks:
        s += float(m[i][0])


out.append({"workload": "random rows", "ms": best(rows_run),
            "units": len(picks), "unit": "reads"})
os.unlink(p)
cold = ("import time; t=time.perf_counter(); import numpy as np; "
        "np.save(%r, np.arange(3000.0).reshape(1000, 3)); "
        "print((time.perf_counter()-t)*1000)") % os.path.join(d, "cold-py.npy")
walls, inproc = [], []
for _ in range(5):
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", cold], capture_output=True,
                       text=True, check=True)
    walls.append((time.perf_counter() - t) * 1000)
    inproc.append(float(r.stdout))
out.append({"workload": "cold start", "ms": sorted(walls)[2],
            "inProcessMs": sorted(inproc)[2], "units": 1, "unit": "runs"})
for r in out:
    print(json.dumps(r))
