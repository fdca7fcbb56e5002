/**
 * Every NumPy fixture: its header parses to what NumPy recorded; our
 * encoder rewrites np.save headers byte for byte; writing its contents anew
 * gives np.save's bytes; appending to it gives what NumPy's concatenate
 * gives (checked by NumPy), with the header length kept.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeHeader,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseHeader,
  readNpySync,
} from "../mod.ts";
import {
  fixtureBytes,
  fixturePath,
  listFixtures,
  numpyTestOptions,
  runPython,
  tempDir,
} from "./_numpy.ts";

const fixtures = listFixtures();
const BIG = { maxHeaderSize: 1_000_000 };

test("the fixture set is there", () => {
  assert.ok(fixtures.length > 100, `found ${fixtures.length} fixtures`);
});

test("every fixture header parses to what NumPy recorded", () => {
  for (const f of fixtures) {
    const h = parseHeader(fixtureBytes(f.name), BIG);
    assert.deepEqual(h.shape, f.shape, f.name);
    assert.equal(h.fortranOrder, f.fortran_order, f.name);
    assert.equal(h.dtype.str, f.dtype, f.name);
    assert.equal(h.dtype.itemsize, f.itemsize, f.name);
    assert.equal(h.headerLength, f.header_len, f.name);
    assert.deepEqual(h.version, f.version, f.name);
  }
});

test("encodeHeader equals np.save's header for every np.save fixture", () => {
  let n = 0;
  for (const f of fixtures) {
    if (f.made_by !== "np.save") continue;
    const bytes = fixtureBytes(f.name);
    const h = parseHeader(bytes, BIG);
    const ours = encodeHeader({
      dtype: h.dtype,
      fortranOrder: h.fortranOrder,
      shape: h.shape,
    });
    assert.deepEqual(ours, bytes.subarray(0, f.header_len), f.name);
    n++;
  }
  assert.ok(n > 90);
});

test("rewriting every fixture's contents in one append gives its bytes", () => {
  for (const f of fixtures) {
    if (f.object || f.shape.length === 0 || f.made_by !== "np.save") continue;
    const bytes = fixtureBytes(f.name);
    const array = readNpySync(new MemoryFile(bytes), BIG);
    const out = new MemoryFile();
    const npy = NpyAppendArraySync.open(out, {
      dtype: array.dtype,
      fortranOrder: array.fortranOrder,
      casting: "no",
    });
    npy.append(array);
    npy.close();
    assert.deepEqual(out.bytes(), bytes, f.name);
  }
});

test(
  "appending to every appendable fixture gives NumPy's concatenate",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const checks: Array<
      { name: string; path: string; orig: string; axis: number; hl: number }
    > = [];
    for (const f of fixtures) {
      if (f.object || f.shape.length === 0 || !f.appendable) continue;
      const path = join(dir, f.file);
      copyFileSync(fixturePath(f.name), path);
      const array = readNpySync(path, BIG);
      {
        using npy = NpyAppendArraySync.open(path, BIG);
        npy.append(array);
        npy.append(array);
      }
      checks.push({
        name: f.name,
        path,
        orig: fixturePath(f.name),
        axis: f.fortran_order ? f.shape.length - 1 : 0,
        hl: f.header_len,
      });
    }
    assert.ok(checks.length > 90);
    const spec = join(dir, "spec.json");
    writeFileSync(spec, JSON.stringify(checks));
    const out = runPython(
      `
import json, sys, io
import numpy as np
import npy_json
from npy_json import same_bytes as same
bad = []
for c in json.load(open(sys.argv[1])):
    a, _ = npy_json.load(c["orig"])
    b, _ = npy_json.load(c["path"])
    want = np.concatenate([a, a, a], axis=c["axis"]).astype(a.dtype)
    raw = open(c["path"], "rb").read()
    hl = int.from_bytes(raw[8:10], "little") + 10 if raw[6] == 1 else int.from_bytes(raw[8:12], "little") + 12
    ok = b.dtype == want.dtype and b.shape == want.shape and hl == c["hl"]
    if ok:
        ok = same(b, want)
    if not ok:
        bad.append([c["name"], str(b.shape), str(want.shape), hl, c["hl"]])
print(json.dumps(bad))
`,
      [spec],
    );
    assert.deepEqual(JSON.parse(out), []);
  },
);

test(
  "np.save fixtures grown here equal np.save of the grown array",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const checks: Array<{ path: string; orig: string; axis: number }> = [];
    for (const f of fixtures) {
      if (f.object || f.shape.length === 0 || f.made_by !== "np.save") continue;
      if (f.version[0] !== 1) continue;
      const path = join(dir, f.file);
      copyFileSync(fixturePath(f.name), path);
      const array = readNpySync(path);
      using npy = NpyAppendArraySync.open(path);
      npy.append(array);
      checks.push({
        path,
        orig: fixturePath(f.name),
        axis: f.fortran_order ? f.shape.length - 1 : 0,
      });
    }
    const spec = join(dir, "spec.json");
    writeFileSync(spec, JSON.stringify(checks));
    const out = runPython(
      `
import json, sys, io
import numpy as np
from npy_json import same_bytes as same
bad = []
for c in json.load(open(sys.argv[1])):
    a = np.load(c["orig"])
    want = np.concatenate([a, a], axis=c["axis"]).astype(a.dtype)
    if c["axis"] > 0 or a.flags.f_contiguous and not a.flags.c_contiguous:
        want = np.asfortranarray(want)
    buf = io.BytesIO()
    np.save(buf, want)
    got = open(c["path"], "rb").read()
    if a.dtype.names is not None and a.dtype.itemsize > sum(a.dtype.fields[n][0].itemsize for n in a.dtype.names):
        # NumPy leaves padding bytes uninitialised: compare headers and fields.
        ok = got[:128] == buf.getvalue()[:128] and same(np.load(c["path"]), want)
    else:
        ok = buf.getvalue() == got
    if not ok:
        bad.append(c["path"])
print(json.dumps(bad))
`,
      [spec],
    );
    assert.deepEqual(JSON.parse(out), []);
  },
);

test("non-appendable fixtures are refused, naming ensureAppendable, bytes unchanged", () => {
  let n = 0;
  for (const f of fixtures) {
    if (f.appendable || f.object) continue;
    const dir = tempDir();
    const path = join(dir, f.file);
    copyFileSync(fixturePath(f.name), path);
    const before = readFileSync(path);
    assert.throws(
      () => NpyAppendArraySync.open(path, BIG),
      (e: Error) =>
        e instanceof RangeError && /ensureAppendable/.test(e.message),
      f.name,
    );
    assert.deepEqual(readFileSync(path), before);
    n++;
  }
  assert.ok(n >= 2);
});

test("the object-dtype fixture is refused by the writer and the reader", () => {
  const f = fixtures.find((f) => f.object)!;
  const path = fixturePath(f.name);
  const before = readFileSync(path);
  assert.throws(
    () => NpyAppendArraySync.open(path),
    (e: Error) =>
      e instanceof NpyFormatError && /Python objects/.test(e.message),
  );
  assert.throws(() => readNpySync(path), NpyFormatError);
  assert.deepEqual(readFileSync(path), before);
});

test("0-d fixtures cannot be appended to", () => {
  for (const f of fixtures) {
    if (f.shape.length !== 0) continue;
    assert.throws(
      () => NpyAppendArraySync.open(new MemoryFile(fixtureBytes(f.name))),
      (e: Error) => e instanceof RangeError && /0-d/.test(e.message),
      f.name,
    );
  }
});
