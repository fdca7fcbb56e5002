"""Python reference for workloads 2 and 3 of bench/bench.ts.

The Python package npy-append-array cannot be installed here (no PyPI), so
this replays what its `NpyAppendArray.append` does for each array (as of
0.9.x): `arr.tofile(fp)` on a buffered `open(path, "rb+")` file at the end,
then, with `rewrite_header_on_append`, a seek to 0, the header dict written
with the same text and padding, and a seek back to the end. NumPy builds the
array's bytes and the header text is formatted by Python, as in the package.

Usage: python3 bench/python_append.py DIR N   (prints one JSON line per case)
"""

import json
import os
import sys
import time

import numpy as np

GROWTH_SPACE = 21  # len(str(8 * 2**64 - 1)), as the package and NumPy keep


def header_bytes(shape, header_len=None):
    d = {"descr": "<f8", "fortran_order": False, "shape": tuple(shape)}
    text = "{"
    for key, value in sorted(d.items()):
        text += "'%s': %s, " % (key, repr(value))
    text += "}"
    text += " " * max(0, GROWTH_SPACE - len(repr(shape[0])))
    if header_len is None:
        pad = 64 - ((10 + len(text) + 1) % 64)
        header_len = 10 + len(text) + pad + 1
    body = text.ljust(header_len - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + (header_len - 10).to_bytes(2, "little") + body.encode("latin1")


def run(path, n, rewrite):
    if os.path.exists(path):
        os.unlink(path)
    row = np.zeros((1, 3))
    t = time.perf_counter()
    shape = [1, 3]
    head = header_bytes(shape)
    with open(path, "wb") as f:
        f.write(head)
        row.tofile(f)
    header_len = len(head)
    with open(path, "rb+") as fp:
        fp.seek(0, 2)
        for i in range(1, n):
            row[0, 0] = i
            row.tofile(fp)
            shape[0] += 1
            if rewrite:
                fp.seek(0)
                fp.write(header_bytes(shape, header_len))
                fp.seek(0, 2)
        fp.seek(0)
        fp.write(header_bytes(shape, header_len))
    dt = (time.perf_counter() - t) * 1000
    check = np.load(path, mmap_mode="r")
    assert check.shape == (n, 3) and check[n - 1, 0] == n - 1
    os.unlink(path)
    return dt


def main():
    out_dir, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "python.npy")
    for rewrite in (True, False):
        best = min(run(path, n, rewrite) for _ in range(4))
        print(json.dumps({"rewrite": rewrite, "ms": best, "n": n,
                          "numpy": np.__version__,
                          "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
