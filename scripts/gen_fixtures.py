#!/usr/bin/python3
"""Write the NumPy fixture set into tests/fixtures/.

    /usr/bin/python3 scripts/gen_fixtures.py        (or: deno task fixtures)

Deterministic (fixed seeds, no timestamps) and re-runnable: it first removes
the NAME.npy / NAME.json pairs it wrote before (JSON files carrying
"generator": "scripts/gen_fixtures.py"), then writes every fixture again and
checks each file with np.load. See tests/fixtures/README.md.
"""

import io
import json
import os
import struct
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import npy_json  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "tests", "fixtures")
GENERATOR = "scripts/gen_fixtures.py"

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
NAT = I64_MIN


# --------------------------------------------------------------------------
# values


def be(dtype):
    return np.dtype(dtype).newbyteorder(">")


def le(dtype):
    return np.dtype(dtype).newbyteorder("<")


def interesting(code):
    """1-d array of interesting values for a dtype code (native/little)."""
    if code == "b1":
        return np.array([True, False, True, True, False, False, True], dtype="?")
    if code == "i1":
        return np.array([-128, -1, 0, 1, 127, 42, -100], dtype="i1")
    if code == "u1":
        return np.array([0, 1, 127, 128, 255, 42], dtype="u1")
    if code == "i2":
        return np.array([-32768, -1, 0, 1, 32767, 0x1234, -256], dtype="<i2")
    if code == "u2":
        return np.array([0, 1, 0x1234, 32767, 32768, 65535], dtype="<u2")
    if code == "i4":
        return np.array([-(2**31), -1, 0, 1, 2**31 - 1, 0x12345678, -65536], dtype="<i4")
    if code == "u4":
        return np.array([0, 1, 2**31 - 1, 2**31, 2**32 - 1, 0x12345678], dtype="<u4")
    if code == "i8":
        return np.array(
            [I64_MIN, -1, 0, 1, 2**53 + 1, -(2**53) - 1, I64_MAX, 0x0123456789ABCDEF],
            dtype="<i8",
        )
    if code == "u8":
        return np.array(
            [0, 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 0x0123456789ABCDEF], dtype="<u8"
        )
    if code in ("f2", "f4", "f8"):
        t = np.dtype("<" + code)
        fi = np.finfo(t)
        tiny_sub = np.array(1, dtype=np.dtype("<u%d" % t.itemsize)).view(t)[()]
        vals = [
            0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0,
            float(fi.max), float(-fi.max), float(fi.tiny), float(tiny_sub),
            float("nan"), float("inf"), float("-inf"),
        ]
        if code == "f4":
            vals.append(16777217.0)  # not representable: rounds to 16777216
        if code == "f8":
            vals.append(2.0**53 + 2)
        return np.array(vals, dtype=t)
    if code in ("c8", "c16"):
        t = np.dtype("<" + code)
        ft = np.dtype("<f%d" % (t.itemsize // 2))
        sub = float(np.array(1, dtype=np.dtype("<u%d" % ft.itemsize)).view(ft)[()])
        vals = [
            complex(1, 2), complex(-0.0, -0.0), complex(0.1, -0.2),
            complex(float("nan"), float("inf")), complex(float("-inf"), sub),
            complex(float(np.finfo(ft).max), 0.0),
        ]
        return np.array(vals, dtype=t)
    if code == "U5":
        return np.array(
            ["", "a", "hello", "\u00e9t\u00e9", "\U0001F600", "a\u00e9\U0001F600z", "a\x00b", "\u540d\u5b57"],
            dtype="<U5",
        )
    if code == "S4":
        return np.array(
            [b"", b"a", b"abcd", b"\x00\xff", b"\x80\x81\xfe", b"ab\x00c", b"\xe9t\xe9"], dtype="|S4"
        )
    if code == "M8ns":
        return np.array(
            [0, 1, -1, NAT, I64_MIN + 1, I64_MAX, 1709210096789012345], dtype="<M8[ns]"
        )
    if code == "M8D":
        return np.array(
            ["1970-01-01", "2000-02-29", "1969-12-31", "NaT", "0001-01-01", "9999-12-31", "-1000-06-15"],
            dtype="<M8[D]",
        )
    if code == "m8s":
        return np.array([0, 1, -1, NAT, 86400, I64_MAX, I64_MIN + 1], dtype="<m8[s]")
    if code == "V8":
        raw = bytes([0, 1, 2, 3, 4, 5, 6, 7, 255, 254, 128, 127, 0, 0, 0, 0, 0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0, 1])
        return np.frombuffer(raw, dtype="|V8").copy()
    raise KeyError(code)


DTYPE_ROWS = [
    # (name code, byte orders)
    ("b1", ["na"]), ("i1", ["na"]), ("u1", ["na"]),
    ("i2", ["le", "be"]), ("u2", ["le", "be"]), ("i4", ["le", "be"]), ("u4", ["le", "be"]),
    ("i8", ["le", "be"]), ("u8", ["le", "be"]),
    ("f2", ["le", "be"]), ("f4", ["le", "be"]), ("f8", ["le", "be"]),
    ("c8", ["le", "be"]), ("c16", ["le", "be"]),
    ("U5", ["le", "be"]), ("S4", ["na"]),
    ("M8ns", ["le", "be"]), ("M8D", ["le", "be"]), ("m8s", ["le", "be"]),
    ("V8", ["na"]),
]


def with_order(arr, bo):
    if bo == "be":
        return arr.astype(be(arr.dtype))
    if bo == "le":
        return arr.astype(le(arr.dtype))
    return arr


def nd_values(code, shape, seed):
    """Deterministic values of `shape` for a dtype code (little endian)."""
    rs = np.random.RandomState(seed)
    n = int(np.prod(shape))
    if code == "f8":
        a = np.round(rs.standard_normal(n) * 100, 3)
        a[0] = -0.0
        if n > 3:
            a[3] = np.nan
        return a.astype("<f8").reshape(shape)
    if code == "f4":
        return (np.round(rs.standard_normal(n) * 10, 2)).astype("<f4").reshape(shape)
    if code in ("i2", "i4", "i8"):
        info = np.iinfo(code)
        a = rs.randint(-1000, 1000, size=n).astype("<" + code)
        a[0] = info.min
        a[-1] = info.max
        return a.reshape(shape)
    if code in ("u1", "u8"):
        info = np.iinfo(code)
        a = rs.randint(0, 200, size=n).astype("<" + code if code != "u1" else "u1")
        a[-1] = info.max
        return a.reshape(shape)
    if code == "b1":
        return (rs.randint(0, 2, size=n) == 1).reshape(shape)
    if code == "c8":
        re_, im = np.round(rs.standard_normal((2, n)), 2)
        return (re_ + 1j * im).astype("<c8").reshape(shape)
    if code == "U5":
        words = ["", "a", "ab\u00e9", "\U0001F600", "hello", "x\u540dy"]
        return np.array([words[i % len(words)] for i in range(n)], dtype="<U5").reshape(shape)
    if code == "S4":
        return np.array([bytes([65 + i % 26, 200 + i % 50])[: 1 + i % 2] for i in range(n)], dtype="S4").reshape(shape)
    if code == "M8D":
        return (np.arange(n, dtype="<i8") * 1000 - 5000).astype("<M8[D]").reshape(shape)
    raise KeyError(code)


# --------------------------------------------------------------------------
# structured dtypes

ST_SIMPLE = np.dtype([("a", "<f4"), ("b", "<i8", (2,))])
ST_NESTED = np.dtype([("p", [("x", "<i4"), ("y", "<i4")]), ("t", "<f8")])
ST_SUBARRAY = np.dtype([("id", "<u2"), ("m", "<f8", (2, 3))])
ST_PADDED = np.dtype({"names": ["a", "b"], "formats": ["u1", "<i4"], "offsets": [0, 4], "itemsize": 12})
ST_BE = np.dtype([("a", ">i4"), ("b", ">f8"), ("c", ">U3"), ("d", ">c8", (2,)), ("e", "<u2")])
ST_SUB_OF_SUB = np.dtype([("c", ("<f8", (5,)), (2,)), ("n", "<i2")])
ST_REC_REPEATED = np.dtype([("a", [("x", "<f4"), ("y", ">i2")], (4,)), ("z", "u1")])
ST_SUB_NESTED = np.dtype([("c", (("<i2", (2,)), (3,)), (2,)), ("r", ([("x", ">u2"), ("s", "S2")], (3,)), (2,))])
ST_TIME_MULTIPLES = np.dtype([("t", "<M8[10ms]"), ("d", "<m8[25us]"), ("w", ">M8[7D]"), ("q", "<m8[3h]")])
ST_ESCAPED = np.dtype([("a\u00a0b", "<f4"), ("\u200b", "<i2"), ("l\u2028s", "u1"), ("\ufeffbom", "<i4"),
                       ("\ue000", "u1"), ("\u0378", "u1"), ("n\x85", "u1")])
ST_ASTRAL_ESCAPED = np.dtype([("\U0001F600", "<f4"), ("tag\U000e0001", "<i2")])
ST_MIXED = np.dtype([("flag", "?"), ("name", "S3"), ("when", "<M8[s]"), ("z", "<c8"), ("h", "<f2"), ("raw", "V2")])


def structured(dtype, n, seed):
    """Fill every field of `dtype` with deterministic values; np.zeros first
    so that padding bytes are zero."""
    rs = np.random.RandomState(seed)
    a = np.zeros(n, dtype=dtype)

    def fill(view, dt):
        # Unwrap sub-array levels beyond the first (a field whose type is
        # itself a sub-array); the view already has their axes.
        while dt.subdtype is not None and dt.subdtype[0].subdtype is not None:
            dt = dt.subdtype[0]
        if dt.subdtype is not None and dt.subdtype[0].names is not None:
            dt = dt.subdtype[0]
        if dt.names is not None:
            for name in dt.names:
                fill(view[name], dt.fields[name][0])
            return
        base = dt.base if dt.subdtype is not None else dt
        shape = view.shape
        k = int(np.prod(shape))
        kind = base.kind
        if kind == "f":
            v = np.round(rs.standard_normal(k) * 10, 2)
        elif kind in "iu":
            v = rs.randint(0, 100, size=k) * (1 if kind == "u" else rs.choice([-1, 1], size=k))
        elif kind == "b":
            v = rs.randint(0, 2, size=k) == 1
        elif kind == "c":
            v = np.round(rs.standard_normal(k), 2) + 1j * np.round(rs.standard_normal(k), 2)
        elif kind == "U":
            words = ["", "x", "\u00e9", "\U0001F600", "abc"]
            v = np.array([words[rs.randint(0, len(words))] for _ in range(k)])
        elif kind == "S":
            v = np.array([bytes([rs.randint(65, 91), rs.randint(128, 256)]) for _ in range(k)])
        elif kind in "Mm":
            v = (rs.randint(0, 10**9, size=k)).astype("<i8").astype(base)
        elif kind == "V":
            v = np.frombuffer(bytes(rs.randint(0, 256, size=k * base.itemsize).astype("u1")), dtype=base)
        else:
            raise TypeError(dt)
        view[...] = np.asarray(v).reshape(shape)

    for name in dtype.names:
        fill(a[name], dtype.fields[name][0])
    return a


# --------------------------------------------------------------------------
# headers written by hand


def old_style_header(d, align=64, text=None):
    """The header NumPy < 1.23 wrote: no growth spaces, padded with spaces to a
    multiple of `align` (64; early NumPy releases used 16) and ended by
    '\\n'. At least one space of padding, as numpy's _wrap_header."""
    if text is None:
        text = "{" + "".join("'%s': %s, " % (k, repr(v)) for k, v in sorted(d.items())) + "}"
    body = text.encode("latin1")
    hlen = len(body) + 1
    padlen = align - ((10 + hlen) % align)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", hlen + padlen) + body + b" " * padlen + b"\n"


def header_dict(arr, fortran):
    return {"descr": np.lib.format.dtype_to_descr(arr.dtype), "fortran_order": fortran, "shape": arr.shape}


def data_bytes(arr, fortran):
    return arr.tobytes(order="F" if fortran else "C")


# --------------------------------------------------------------------------
# fixture list


FIXTURES = []  # (name, arr, opts)


def add(name, arr, **opts):
    assert all(f[0] != name for f in FIXTURES), name
    FIXTURES.append((name, arr, opts))


def build():
    # every dtype row, 1-d, C order, each byte order
    for code, orders in DTYPE_ROWS:
        base = interesting(code)
        for bo in orders:
            add("%s_%s_c_1d" % (code, bo), with_order(base, bo))

    # C and Fortran order at 2-d, 3-d, 4-d
    nd = [
        ("f8", "le", [2, 3, 4], True),
        ("f8", "be", [2, 3], True),
        ("i2", "be", [2, 3, 4], True),
        ("i2", "le", [2], True),
        ("i4", "le", [3], True),
        ("i8", "be", [2], True),
        ("u1", "na", [2, 3], True),
        ("u8", "le", [2], True),
        ("b1", "na", [2, 3], True),
        ("c8", "le", [2, 3], True),
        ("c8", "be", [2], True),
        ("U5", "le", [2, 3], True),
        ("U5", "be", [2], True),
        ("S4", "na", [2], True),
        ("M8D", "le", [2], True),
        ("f4", "be", [4], True),
    ]
    shapes = {2: (3, 4), 3: (2, 3, 4), 4: (2, 3, 2, 2)}
    seed = 100
    for code, bo, dims, both in nd:
        for ndim in dims:
            seed += 1
            a = with_order(nd_values(code, shapes[ndim], seed), bo)
            add("%s_%s_c_%dd" % (code, bo, ndim), np.ascontiguousarray(a))
            if both:
                add("%s_%s_f_%dd" % (code, bo, ndim), np.asfortranarray(a), fortran=True)

    # 0-d, empty arrays
    add("f8_le_c_0d", np.array(3.25, dtype="<f8"))
    add("i8_be_c_0d", np.array(-(2**62) - 3, dtype=">i8"))
    add("U5_le_c_0d", np.array("\u00e9\U0001F600", dtype="<U5"))
    add("f8_le_c_1d_empty", np.zeros((0,), dtype="<f8"))
    add("i4_le_c_2d_empty_first", np.zeros((0, 3), dtype="<i4"))
    add("i4_le_c_2d_empty_last", np.zeros((3, 0), dtype="<i4"))
    add("u2_be_c_3d_empty_middle", np.zeros((2, 0, 3), dtype=">u2"))
    # np.save never writes fortran_order True for these (a (3, 0) or a 1-d
    # array is C- and F-contiguous at once): headers written by hand in the
    # NumPy >= 1.23 style.
    add("f8_le_f_2d_empty_last", np.zeros((3, 0), dtype="<f8"), fortran=True, hand="numpy")
    add("f8_le_f_1d", np.arange(5, dtype="<f8") / 4, fortran=True, hand="numpy",
        note="fortran_order True on a 1-d array (np.save would write False); growth axis is axis 0")

    # structured
    add("struct_simple_c_1d", structured(ST_SIMPLE, 3, 1))
    add("struct_simple_c_2d", structured(ST_SIMPLE, 6, 2).reshape(2, 3))
    add("struct_simple_f_2d", np.asfortranarray(structured(ST_SIMPLE, 6, 3).reshape(2, 3)), fortran=True)
    add("struct_nested_c_1d", structured(ST_NESTED, 4, 4))
    add("struct_subarray_c_1d", structured(ST_SUBARRAY, 3, 5))
    add("struct_padded_c_1d", structured(ST_PADDED, 4, 6))
    add("struct_be_c_1d", structured(ST_BE, 3, 7))
    add("struct_mixed_c_1d", structured(ST_MIXED, 3, 8))
    add("struct_simple_c_1d_empty", np.zeros((0,), dtype=ST_SIMPLE))

    # fields whose type is a sub-array of sub-arrays or of records
    add("struct_sub_of_sub_c_1d", structured(ST_SUB_OF_SUB, 3, 11),
        note="field type is a sub-array of a sub-array: descr keeps the nesting")
    add("struct_rec_repeated_c_1d", structured(ST_REC_REPEATED, 3, 12),
        note="a field of records repeated (4,) times")
    add("struct_sub_nested_c_2d", structured(ST_SUB_NESTED, 4, 13).reshape(2, 2),
        note="three sub-array levels, and records repeated in a sub-array of a sub-array")

    # datetime units with a multiple
    add("m8_10s_le_c_1d", (np.arange(5, dtype="<i8") * 7 - 3).astype("<m8[10s]"))
    add("M8_15m_be_c_1d", (np.arange(4, dtype="<i8") * 1000 + 5).astype(">M8[15m]"))
    add("M8_10ms_le_c_2d", np.ascontiguousarray((np.arange(12, dtype="<i8") * 12345).astype("<M8[10ms]").reshape(3, 4)))
    add("M8_25us_le_f_2d", np.asfortranarray((np.arange(6, dtype="<i8") - 2).astype("<M8[25us]").reshape(2, 3)), fortran=True)
    add("struct_time_multiples_c_1d", structured(ST_TIME_MULTIPLES, 3, 14))

    # field names Python's repr escapes (str.isprintable() is False)
    add("header_v1_escaped_names", structured(ST_ESCAPED, 3, 15),
        note="field names with characters repr escapes: still 1.0, the header holds \\xa0 \\u200b \\u2028 \\ufeff \\ue000 \\u0378 \\x85")
    add("header_v3_astral_escaped", structured(ST_ASTRAL_ESCAPED, 3, 16),
        note="a printable astral name (3.0, UTF-8) beside an escaped astral format character (\\U000e0001)")
    quoted = np.dtype([("it's", "<i2"), ('say "hi"', "<i2"), ("both '\"", "<i2"), ("back\\slash\t", "<i2")])
    add("header_v1_quoted_names", structured(quoted, 2, 17),
        note="names holding quotes, a backslash and a tab: Python's quote choice and escapes")
    esc_many = np.dtype([("\u200b%04d" % i, "u1") for i in range(3000)])
    a = np.zeros(2, dtype=esc_many)
    a.view(np.uint8).reshape(-1)[:] = (np.arange(2 * 3000) % 249).astype(np.uint8)
    add("header_v2_escaped_names", a, version=(2, 0),
        note="3000 names escaped as \\u200b...: over 65535 bytes after escaping, so 2.0 (latin1), not 3.0")

    # header versions
    many = np.dtype([("f%04d" % i, "u1") for i in range(4000)])
    a = np.zeros(2, dtype=many)
    a.view(np.uint8).reshape(-1)[:] = (np.arange(2 * 4000) % 251).astype(np.uint8)
    add("header_v2_many_fields", a, version=(2, 0), note="header over 65535 bytes: np.save picks 2.0")
    add("header_v3_utf8_name", structured(np.dtype([("\u03b1\u540d", "<i4"), ("b", "<f8")]), 3, 9),
        version=(3, 0), note="field name outside latin1: np.save picks 3.0 (UTF-8 header)")
    add("header_v1_latin1_name", structured(np.dtype([("\u00e9t\u00e9", "<i4"), ("b", "<f8")]), 3, 10),
        version=(1, 0), note="field name inside latin1 but not ASCII: version 1.0, header bytes are latin1 (0xE9), not UTF-8")

    # old-style headers (NumPy < 1.23: no growth spaces)
    add("old_header_no_growth", np.arange(6, dtype="<i8").reshape(3, 2), hand="old",
        note="NumPy < 1.23 header: no growth spaces, padded to 64")
    for name, want, note in [
        ("old_header_fits_exact", "exact",
         "NumPy < 1.23 header whose text plus growth spaces plus one pad space plus '\\n' fills it exactly: "
         "numpy >= 1.23 writes the same length, appendable"),
        ("old_header_growth_no_pad", "nopad",
         "NumPy < 1.23 header: text plus growth spaces plus '\\n' fill it exactly, with no room for numpy's "
         "minimum one pad space; numpy >= 1.23 would write 64 bytes more, so not appendable by the Python rule"),
        ("old_header_not_appendable", "over",
         "NumPy < 1.23 header with one pad space: growth spaces do not fit, not appendable"),
    ]:
        arr = find_old_header_case(want)
        add(name, arr, hand="old", note=note)

    # Python 2 style header: 'L' suffixed ints, 16-byte alignment
    add("py2_header_long_ints", np.arange(6, dtype="<i4").reshape(3, 2) * 7 - 10, hand="py2",
        note="Python 2 numpy header: shape (3L, 2L), padded to 16 bytes (data offset 80, not a multiple of 64)")

    # object dtype
    add("object_c_1d", np.array([1, "a", None], dtype=object), obj=True)


def find_old_header_case(want):
    """A 1-field structured array of shape (3,) whose old-style header has
    the wanted relation to the growth-spaced one; the field name length is
    the knob."""
    for n in range(1, 200):
        dt = np.dtype([("x" * n, "<i4")])
        d = {"descr": np.lib.format.dtype_to_descr(dt), "fortran_order": False, "shape": (3,)}
        old_total = len(old_style_header(d))
        body = len("{" + "".join("'%s': %s, " % (k, repr(v)) for k, v in sorted(d.items())) + "}")
        spare = 21 - len(repr(3))
        if want == "exact" and 10 + body + spare + 2 == old_total:
            break
        if want == "nopad" and 10 + body + spare + 1 == old_total:
            break
        if want == "over" and 10 + body + 2 == old_total:
            break
    else:
        raise RuntimeError(want)
    a = np.zeros(3, dtype=dt)
    a["x" * n] = [7, -8, 9]
    return a


# --------------------------------------------------------------------------
# writing


def file_bytes(name, arr, opts):
    fortran = bool(opts.get("fortran", False))
    hand = opts.get("hand")
    if hand is None:
        b = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.save(b, arr, allow_pickle=bool(opts.get("obj")))
        out = b.getvalue()
        # our own writer of the NumPy >= 1.23 header gives the same bytes
        info = npy_json.read_header(out)
        ours = npy_json.numpy_header_bytes(info["header"])
        assert out[: info["header_len"]] == ours, name
        return out
    d = header_dict(arr, fortran)
    if hand == "numpy":
        return npy_json.numpy_header_bytes(d) + data_bytes(arr, fortran)
    if hand == "old":
        return old_style_header(d) + data_bytes(arr, fortran)
    if hand == "py2":
        text = "{'descr': %r, 'fortran_order': %r, 'shape': (%s), }" % (
            d["descr"], fortran, ", ".join("%dL" % s for s in arr.shape) + ("," if arr.ndim == 1 else ""))
        return old_style_header(None, align=16, text=text) + data_bytes(arr, fortran)
    raise ValueError(hand)


def fixture_json(name, arr, opts, raw):
    info = npy_json.read_header(raw)
    d = info["header"]
    natural = len(npy_json.numpy_header_bytes(d))
    obj = bool(opts.get("obj"))
    out = {
        "name": name,
        "file": name + ".npy",
        "version": info["version"],
        "header_len": info["header_len"],
        "descr": repr(d["descr"]),
        "dtype": npy_json.descr_text(d["descr"]),
        "dtype_str": arr.dtype.str,
        "itemsize": arr.dtype.itemsize,
        "shape": list(d["shape"]),
        "fortran_order": bool(d["fortran_order"]),
        "numpy_header_len": natural,
        "appendable": natural <= info["header_len"],
        "made_by": "np.save" if opts.get("hand") is None else "hand",
    }
    if "note" in opts:
        out["note"] = opts["note"]
    if obj:
        out["object"] = True
    out["generator"] = GENERATOR
    out["values"] = None if obj else npy_json.encode_values(arr)
    return out


def dump_json(obj):
    lines = ["  %s: %s" % (json.dumps(k), npy_json.dumps(v)) for k, v in obj.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def clean():
    if not os.path.isdir(OUT):
        os.makedirs(OUT)
        return
    for f in sorted(os.listdir(OUT)):
        if not f.endswith(".json"):
            continue
        p = os.path.join(OUT, f)
        try:
            with open(p, encoding="utf-8") as fh:
                gen = json.load(fh).get("generator")
        except (ValueError, OSError):
            continue
        if gen == GENERATOR:
            os.remove(p)
            npy = p[:-5] + ".npy"
            if os.path.exists(npy):
                os.remove(npy)


def verify(name, arr, opts, path, meta):
    obj = bool(opts.get("obj"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = np.load(path, allow_pickle=obj, **npy_json.no_header_cap())
    if opts.get("hand") == "py2":
        # numpy drops the L suffixes itself (newer versions warn about it)
        assert "3L, 2L" in npy_json.read_header(path)["text"], name
    assert loaded.dtype == arr.dtype, (name, loaded.dtype, arr.dtype)
    assert loaded.shape == arr.shape, (name, loaded.shape, arr.shape)
    if obj:
        assert loaded.tolist() == arr.tolist(), name
    else:
        assert loaded.tobytes(order="C") == arr.tobytes(order="C"), name
        assert npy_json.dumps(npy_json.encode_values(loaded)) == npy_json.dumps(meta["values"]), name
        # the mmap path used by the tests gives the same values
        again = npy_json.describe(path)
        assert npy_json.dumps(again["values"]) == npy_json.dumps(meta["values"]), name
        assert again["descr"] == meta["descr"] and again["dtype"] == meta["dtype"], name
    # names say the order; Fortran flag matches
    assert ("_f_" in name) == meta["fortran_order"], name
    fortran = bool(opts.get("fortran", False))
    assert meta["fortran_order"] == fortran, name
    if not obj:
        assert bool(loaded.flags.f_contiguous) or not fortran, name
    if "version" in opts:
        assert tuple(meta["version"]) == opts["version"], (name, meta["version"])
    # data follows the header and fills the file
    size = os.path.getsize(path)
    if not obj:
        assert size == meta["header_len"] + arr.nbytes, name
    if meta["made_by"] == "np.save":
        assert meta["appendable"] and meta["numpy_header_len"] == meta["header_len"], name


def main():
    build()
    clean()
    total = 0
    for name, arr, opts in FIXTURES:
        raw = file_bytes(name, arr, opts)
        path = os.path.join(OUT, name + ".npy")
        with open(path, "wb") as f:
            f.write(raw)
        meta = fixture_json(name, arr, opts, raw)
        text = dump_json(meta)
        with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        verify(name, arr, opts, path, meta)
        total += len(raw) + len(text.encode("utf-8"))
    print("wrote %d fixtures (%d bytes) to %s with numpy %s" % (len(FIXTURES), total, OUT, np.__version__))


if __name__ == "__main__":
    main()
