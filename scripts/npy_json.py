"""JSON encoding of NumPy arrays, shared by the fixture generator
(scripts/gen_fixtures.py) and the test helper (tests/_numpy.ts).

Items are encoded from their raw bytes, so the encoding sees exactly what a
.npy file holds:

  bool                      -> true / false
  i1 u1 i2 u2 i4 u4         -> number
  i8 u8                     -> decimal string
  f2 f4 f8                  -> number, or "nan", "inf", "-inf"
  c8 c16                    -> [re, im], each by the float rule
  U<n>                      -> string (trailing NULs dropped, as numpy does)
  S<n>                      -> list of all n byte values (zero padded)
  M8[unit] m8[unit]         -> decimal string of the int64 (NaT is
                               "-9223372036854775808")
  V<n>                      -> list of all n byte values
  structured                -> object keyed by field name in field order
                               (unnamed padding left out); sub-array fields
                               as flat lists in C order
  O (objects)               -> values null

`values` is always arr.flatten(order="C"): logical C order, also for arrays
stored in Fortran order.

Run as a script: `python3 npy_json.py FILE.npy [FILE.npy ...]` prints one JSON
object per line, {"dtype", "descr", "dtype_str", "shape", "fortran_order",
"values"} for each file (loaded with mmap_mode="r").
"""

import ast
import json
import math
import struct
import sys
import tokenize
from io import StringIO

import numpy as np

INT_SMALL = set("bBhHiIlLqQ")

HEADER_SIZE_INFO = {
    (1, 0): ("<H", "latin1"),
    (2, 0): ("<I", "latin1"),
    (3, 0): ("<I", "utf8"),
}


def encode_float(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def encode_item(dtype, raw):
    """Encode one item of `dtype` from its `dtype.itemsize` raw bytes."""
    raw = bytes(raw)
    if dtype.fields is not None and dtype.names is not None:
        out = {}
        for name in dtype.names:
            sub, offset = dtype.fields[name][:2]
            out[name] = encode_field(sub, raw[offset:offset + sub.itemsize])
        return out
    if dtype.subdtype is not None:
        return encode_field(dtype, raw)
    kind = dtype.kind
    if kind == "O":
        raise TypeError("object items cannot be encoded")
    if kind in "SV":
        return list(raw)
    if kind in "Mm":
        bo = dtype.byteorder if dtype.byteorder in "<>" else "="
        return str(int(np.frombuffer(raw, dtype=np.dtype(bo + "i8"))[0]))
    value = np.frombuffer(raw, dtype=dtype)[0]
    if kind == "b":
        return bool(value)
    if kind in "iu":
        return int(value) if dtype.itemsize <= 4 else str(int(value))
    if kind == "f":
        return encode_float(value)
    if kind == "c":
        return [encode_float(value.real), encode_float(value.imag)]
    if kind == "U":
        return str(value)
    raise TypeError("unsupported dtype %r" % (dtype,))


def encode_field(dtype, raw):
    """A field: a sub-array dtype gives a flat list in C order."""
    if dtype.subdtype is None:
        return encode_item(dtype, raw)
    base, shape = dtype.subdtype
    # A sub-array of sub-arrays (('<f8', (5,)), (2,)) is one flat list too.
    while base.subdtype is not None:
        shape = tuple(shape) + tuple(base.subdtype[1])
        base = base.subdtype[0]
    n = int(np.prod(shape, dtype=np.int64))
    size = base.itemsize
    return [encode_item(base, raw[i * size:(i + 1) * size]) for i in range(n)]


def encode_values(arr):
    """`arr.flatten(order="C")` encoded item by item; None for object dtype."""
    arr = np.asarray(arr)
    if arr.dtype.hasobject:
        return None
    flat = np.ascontiguousarray(arr.reshape(-1, order="C") if arr.ndim else arr.reshape(1))
    size = arr.dtype.itemsize
    buf = flat.view(np.uint8).reshape(-1) if size else b""
    buf = bytes(buf)
    return [encode_item(arr.dtype, buf[i * size:(i + 1) * size]) for i in range(flat.size)]


def descr_text(descr):
    """The descr as the library's `dtype` getter gives it: a plain string
    without quotes ("<f8"), else the Python repr of the list."""
    return descr if isinstance(descr, str) else repr(descr)


def filter_python2_longs(s):
    """Drop the Python 2 `L` suffix of integers (as numpy's _filter_header)."""
    tokens = []
    last_number = False
    for tok in tokenize.generate_tokens(StringIO(s).readline):
        if last_number and tok[0] == tokenize.NAME and tok[1] == "L":
            continue
        tokens.append(tok)
        last_number = tok[0] == tokenize.NUMBER
    return tokenize.untokenize(tokens)


def read_header(path_or_bytes):
    """Parse the header of a .npy file. Returns a dict with version,
    header_len (offset of the data), text (the header text) and the parsed
    dict as `header`."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        head = bytes(path_or_bytes)
    else:
        with open(path_or_bytes, "rb") as f:
            head = f.read(12)
            if len(head) >= 10 and head[6] == 1:
                n = struct.unpack("<H", head[8:10])[0]
                head += f.read(n - 2)
            else:
                n = struct.unpack("<I", head[8:12])[0]
                head += f.read(n)
    if head[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    version = (head[6], head[7])
    fmt, encoding = HEADER_SIZE_INFO[version]
    prefix = 8 + struct.calcsize(fmt)
    hlen = struct.unpack(fmt, head[8:prefix])[0]
    text = head[prefix:prefix + hlen].decode(encoding)
    try:
        d = ast.literal_eval(text)
    except SyntaxError:
        d = ast.literal_eval(filter_python2_longs(text))
    return {"version": list(version), "header_len": prefix + hlen, "text": text, "header": d}


def numpy_header_bytes(d):
    """The header NumPy >= 1.23 writes for the dict `d` (keys sorted, repr of
    each value, 21 - len(repr(growth axis length)) spare spaces, padding to a
    multiple of 64 with at least one space, then '\\n'); version 1.0, 2.0 if
    it does not fit in 65535 bytes, 3.0 if the text is not latin1."""
    parts = ["{"]
    for key, value in sorted(d.items()):
        parts.append("'%s': %s, " % (key, repr(value)))
    parts.append("}")
    text = "".join(parts)
    shape = d["shape"]
    if len(shape) > 0:
        text += " " * (21 - len(repr(shape[-1 if d["fortran_order"] else 0])))
    for version in ((1, 0), (2, 0), (3, 0)):
        fmt, encoding = HEADER_SIZE_INFO[version]
        try:
            body = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        hlen = len(body) + 1
        prefix = 8 + struct.calcsize(fmt)
        padlen = 64 - ((prefix + hlen) % 64)
        total = hlen + padlen
        if version == (1, 0) and total > 0xFFFF:
            continue
        return b"\x93NUMPY" + bytes(version) + struct.pack(fmt, total) + body + b" " * padlen + b"\n"
    raise ValueError("header does not fit")


def no_header_cap():
    """np.load keyword arguments that lift the 10000-character header cap
    (NumPy >= 1.24.2 has it; older versions have no cap)."""
    try:
        np.load.__kwdefaults__["max_header_size"]
    except (KeyError, TypeError):
        return {}
    return {"max_header_size": 1 << 40}


def load(path):
    """np.load with mmap_mode="r" (no header size cap), or a plain load with
    allow_pickle for object dtype."""
    info = read_header(path)
    descr = info["header"]["descr"]
    is_object = np.lib.format.descr_to_dtype(descr).hasobject
    kwargs = no_header_cap()
    if is_object:
        return np.load(path, allow_pickle=True, **kwargs), info
    try:
        return np.load(path, mmap_mode="r", **kwargs), info
    except ValueError:
        # mmap can fail on some platforms for empty data
        return np.load(path, **kwargs), info


def describe(path):
    arr, info = load(path)
    d = info["header"]
    return {
        "dtype": descr_text(d["descr"]),
        "descr": repr(d["descr"]),
        "dtype_str": arr.dtype.str,
        "shape": list(arr.shape),
        "fortran_order": bool(d["fortran_order"]),
        "values": encode_values(arr),
    }


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    out = sys.stdout.buffer
    for p in sys.argv[1:]:
        out.write((dumps(describe(p)) + "\n").encode("utf-8"))


def same_bytes(x, y):
    """Whether two arrays hold the same dtype, shape and bytes, field by
    field for records (so that padding bytes, which NumPy leaves
    uninitialised, do not count)."""
    if x.dtype.names:
        return all(same_bytes(x[n], y[n]) for n in x.dtype.names)
    return (x.dtype == y.dtype and x.shape == y.shape and
            np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes())
