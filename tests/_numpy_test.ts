// Tests of the NumPy test helper and of the fixture set.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import {
  fixtureBytes,
  type FixtureInfo,
  fixturePath,
  type FixtureValue,
  hasNumpy,
  listFixtures,
  npLoadJson,
  npLoadJsonMany,
  npSaveBytes,
  numpyTestOptions,
  PYTHON,
  runPython,
  tempDir,
} from "./_numpy.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const fixtures: FixtureInfo[] = listFixtures();

function pyShape(shape: number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

// -- an independent decoder for simple dtypes, to check the JSON encoding --

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function encodeFloat(x: number): FixtureValue {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return x;
}

function decodeSimple(
  fx: FixtureInfo,
  file: Uint8Array,
): FixtureValue[] {
  const m = /^([<>|])([a-zA-Z])(\d+)/.exec(fx.dtype_str);
  if (m === null) throw new Error(`unexpected dtype_str ${fx.dtype_str}`);
  const le = m[1] !== ">";
  const kind = m[2] as string;
  const size = fx.itemsize;
  const data = file.subarray(fx.header_len);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const float = (o: number, n: number): FixtureValue =>
    encodeFloat(
      n === 2
        ? halfToNumber(dv.getUint16(o, le))
        : n === 4
        ? dv.getFloat32(o, le)
        : dv.getFloat64(o, le),
    );
  const item = (o: number): FixtureValue => {
    switch (kind) {
      case "b":
        return dv.getUint8(o) !== 0;
      case "i":
        return size === 1
          ? dv.getInt8(o)
          : size === 2
          ? dv.getInt16(o, le)
          : size === 4
          ? dv.getInt32(o, le)
          : String(dv.getBigInt64(o, le));
      case "u":
        return size === 1
          ? dv.getUint8(o)
          : size === 2
          ? dv.getUint16(o, le)
          : size === 4
          ? dv.getUint32(o, le)
          : String(dv.getBigUint64(o, le));
      case "f":
        return float(o, size);
      case "c":
        return [float(o, size / 2), float(o + size / 2, size / 2)];
      case "U": {
        const points: number[] = [];
        for (let k = 0; k < size / 4; k++) {
          points.push(dv.getUint32(o + 4 * k, le));
        }
        while (points.length > 0 && points[points.length - 1] === 0) {
          points.pop();
        }
        return String.fromCodePoint(...points);
      }
      case "S":
      case "V":
        return Array.from(data.subarray(o, o + size));
      case "M":
      case "m":
        return String(dv.getBigInt64(o, le));
      default:
        throw new Error(`unexpected kind ${kind}`);
    }
  };
  const shape = fx.shape;
  const count = shape.reduce((a, b) => a * b, 1);
  // strides in items of the file's layout
  const strides = shape.map(() => 0);
  let acc = 1;
  if (fx.fortran_order) {
    for (let k = 0; k < shape.length; k++) {
      strides[k] = acc;
      acc *= shape[k] as number;
    }
  } else {
    for (let k = shape.length - 1; k >= 0; k--) {
      strides[k] = acc;
      acc *= shape[k] as number;
    }
  }
  const out: FixtureValue[] = [];
  for (let i = 0; i < count; i++) {
    // logical C index i -> offset in the file's order
    let rest = i;
    let offset = 0;
    for (let k = shape.length - 1; k >= 0; k--) {
      const n = shape[k] as number;
      offset += (rest % n) * (strides[k] as number);
      rest = Math.floor(rest / n);
    }
    out.push(item(offset * size));
  }
  return out;
}

// -- fixture files themselves (no NumPy needed) --

test("fixture set is there and complete", () => {
  assert.ok(fixtures.length > 50, `only ${fixtures.length} fixtures`);
  const names = new Set(fixtures.map((f) => f.name));
  for (
    const name of [
      "f8_le_c_2d",
      "i2_be_f_3d",
      "f8_le_c_0d",
      "struct_simple_c_1d",
      "header_v2_many_fields",
      "header_v3_utf8_name",
      "old_header_no_growth",
      "py2_header_long_ints",
      "object_c_1d",
    ]
  ) {
    assert.ok(names.has(name), `missing fixture ${name}`);
  }
});

for (const fx of fixtures) {
  test(`fixture ${fx.name}: header matches its JSON`, () => {
    assert.equal(fx.file, `${fx.name}.npy`);
    assert.ok(existsSync(fixturePath(fx.name)));
    const bytes = fixtureBytes(fx.name);
    assert.deepEqual(Array.from(bytes.subarray(0, 6)), MAGIC);
    assert.deepEqual([bytes[6], bytes[7]], fx.version);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v1 = fx.version[0] === 1;
    const prefix = v1 ? 10 : 12;
    const hlen = v1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
    assert.equal(prefix + hlen, fx.header_len);
    assert.equal(bytes[fx.header_len - 1], 0x0a, "header ends with \\n");
    const text = new TextDecoder(fx.version[0] === 3 ? "utf-8" : "latin1")
      .decode(bytes.subarray(prefix, fx.header_len));
    assert.ok(text.startsWith(`{'descr': ${fx.descr}, `), text.slice(0, 80));
    assert.ok(
      text.includes(
        `'fortran_order': ${fx.fortran_order ? "True" : "False"}, `,
      ),
    );
    if (fx.name !== "py2_header_long_ints") {
      assert.ok(text.includes(`'shape': ${pyShape(fx.shape)}, }`), text);
    }
    if (fx.made_by === "np.save") {
      assert.equal(fx.header_len % 64, 0);
      assert.equal(fx.header_len, fx.numpy_header_len);
      assert.ok(fx.appendable);
    }
    assert.equal(fx.appendable, fx.numpy_header_len <= fx.header_len);
    const count = fx.shape.reduce((a, b) => a * b, 1);
    if (fx.object) {
      assert.equal(fx.values, null);
    } else {
      assert.equal(fx.values?.length, count);
      assert.equal(bytes.length, fx.header_len + count * fx.itemsize);
    }
  });

  if (fx.descr.startsWith("'") && !fx.object) {
    test(`fixture ${fx.name}: values decode independently`, () => {
      assert.deepStrictEqual(
        decodeSimple(fx, fixtureBytes(fx.name)),
        fx.values,
      );
    });
  }
}

// -- the Python side --

test("hasNumpy and numpyTestOptions", () => {
  assert.equal(typeof hasNumpy(), "boolean");
  assert.equal(hasNumpy(), hasNumpy());
  const opts = numpyTestOptions();
  if (hasNumpy()) assert.deepEqual(opts, {});
  else if (opts.skip !== undefined) assert.match(opts.skip, /NumPy/);
  assert.equal(PYTHON, "/usr/bin/python3");
});

test(
  "every fixture JSON equals npLoadJson of its file",
  numpyTestOptions(),
  () => {
    const loaded = npLoadJsonMany(fixtures.map((fx) => fixturePath(fx.name)));
    assert.equal(loaded.length, fixtures.length);
    fixtures.forEach((fx, i) => {
      const got = loaded[i];
      assert.ok(got !== undefined);
      assert.deepStrictEqual(
        {
          dtype: got.dtype,
          descr: got.descr,
          dtype_str: got.dtype_str,
          shape: got.shape,
          fortran_order: got.fortran_order,
          values: got.values,
        },
        {
          dtype: fx.dtype,
          descr: fx.descr,
          dtype_str: fx.dtype_str,
          shape: fx.shape,
          fortran_order: fx.fortran_order,
          values: fx.values,
        },
        fx.name,
      );
    });
  },
);

test("npLoadJson of one file", numpyTestOptions(), () => {
  const got = npLoadJson(fixturePath("struct_simple_c_1d"));
  assert.equal(got.dtype, "[('a', '<f4'), ('b', '<i8', (2,))]");
  assert.deepEqual(got.shape, [3]);
  const first = got.values?.[0] as Record<string, FixtureValue>;
  assert.equal(typeof first["a"], "number");
  assert.equal((first["b"] as FixtureValue[]).length, 2);
  assert.equal(typeof (first["b"] as FixtureValue[])[0], "string");
});

test("npSaveBytes gives np.save's bytes", numpyTestOptions(), () => {
  const bytes = npSaveBytes("np.arange(3.0)");
  assert.deepEqual(Array.from(bytes.subarray(0, 6)), MAGIC);
  // a 128-byte header, then 3 float64 items
  assert.equal(bytes.length, 128 + 24);
  assert.equal(bytes[127], 0x0a);
  const data = new Float64Array(bytes.slice(128).buffer);
  assert.deepEqual(Array.from(data), [0, 1, 2]);
  const text = new TextDecoder("latin1").decode(bytes.subarray(10, 127));
  assert.equal(
    text,
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }".padEnd(
      117,
      " ",
    ),
  );
});

test(
  "runPython passes args and stdin, returns stdout",
  numpyTestOptions(),
  () => {
    const out = runPython(
      "import sys; print(sys.argv[1:], sys.stdin.buffer.read().hex())",
      ["a b", "é"],
      new Uint8Array([1, 2, 255]),
    );
    assert.equal(out, "['a b', 'é'] 0102ff\n");
    assert.equal(runPython("import npy_json; print('ok')"), "ok\n");
  },
);

test("runPython throws with stderr on failure", numpyTestOptions(), () => {
  assert.throws(
    () => runPython("import sys; sys.stderr.write('oops here'); sys.exit(3)"),
    (err: unknown) =>
      err instanceof Error && err.message.includes("oops here") &&
      err.message.includes("exit code 3"),
  );
});

test("tempDir gives fresh directories", () => {
  const a = tempDir();
  const b = tempDir();
  assert.notEqual(a, b);
  assert.ok(statSync(a).isDirectory());
  assert.ok(statSync(b).isDirectory());
});
