/**
 * Stop 18: NumPy's comma-string dtypes (`"<i4,<i4"`, `"2i4,3f8"`, records
 * of fields f0, f1, ...) and repeat forms (`"6i4"`, `"(2,3)i4"`: sub-array
 * dtypes), which `np.dtype` reads and `np.save` never writes, were an
 * "unknown type". As a `dtype` option a comma string is now the record
 * NumPy makes of it (the bytes of `np.save`); a sub-array dtype is refused
 * saying what NumPy means and what to pass (np.save writes its base dtype,
 * the repeat in the array's shape). In a header, where `np.load` reads the
 * record (and fails on a sub-array: the items do not reshape), both are
 * refused with np.save's spelling, as other headers np.save never writes.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeHeader,
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  readNpySync,
} from "../mod.ts";
import { npSaveBytes, numpyTestOptions, runPython } from "./_numpy.ts";

const SPECS = [
  "<i4,<i4",
  "i4,f8",
  "f8 ,i4",
  "2i4,3f8",
  "(2,3)i4, f8",
  "i4, (2,3)f8",
  "a3,2i4",
  "3S5,i4",
  "0i4,f8",
  "<i4,>i4,=f8",
  "float64,int32",
  "M8[s],i4",
  "u1,b1,c8",
  "i4,",
  "()i4",
  "1i4",
  "(1,)i4,f8",
  "6i4",
  "2f8",
  "(2,3)i4",
  "(2,)i4",
  "(3)i4,",
  "6<i4",
  "<6i4",
  "2M8[s]",
  "3U2",
  "(2)i4",
  "<6>i4",
];

/** What NumPy makes of each spec: a dtype's np.save bytes, a sub-array, or an error. */
const NUMPY = `
import io, json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
out = []
for s in sys.argv[1:]:
    try:
        d = np.dtype(s)
    except Exception:
        out.append({"error": True})
        continue
    if d.subdtype is not None:
        out.append({"base": d.base.str, "shape": list(d.shape)})
        continue
    b = io.BytesIO()
    np.save(b, np.zeros(2, d))
    out.append({"save": b.getvalue().hex()})
print(json.dumps(out))
`;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("stop 18: comma strings and repeat forms", () => {
  test(
    "as a dtype option: np.save's bytes for records, a sub-array refused saying what to pass",
    numpyTestOptions(),
    () => {
      const numpy = JSON.parse(runPython(NUMPY, SPECS)) as {
        error?: boolean;
        base?: string;
        shape?: number[];
        save?: string;
      }[];
      SPECS.forEach((spec, i) => {
        const np = numpy[i]!;
        if (np.save !== undefined) {
          const dtype = parseDType(spec);
          const header = encodeHeader({
            dtype,
            fortranOrder: false,
            shape: [2],
          });
          const bytes = new Uint8Array(header.length + 2 * dtype.itemsize);
          bytes.set(header);
          assert.equal(hex(bytes), np.save, spec);
        } else if (np.base !== undefined) {
          const rows = np.shape!.join(", ");
          assert.throws(() => parseDType(spec), {
            name: "TypeError",
            message: `Cannot use dtype ${
              JSON.stringify(spec)
            }: NumPy reads it as a sub-array dtype (${
              np.shape!.join("x")
            } of "${np.base}" per item), which np.save writes as "${np.base}" with the array's shape ending in [${rows}]: use dtype "${np.base}" and append rows of shape [n, ${rows}]`,
          }, spec);
        } else {
          assert.throws(() => parseDType(spec), { name: "TypeError" }, spec);
        }
      });
    },
  );

  test(
    "a comma-string record takes appends: the bytes of np.save",
    numpyTestOptions(),
    () => {
      const file = new MemoryFile();
      const w = NpyAppendArraySync.open(file, { dtype: "<i4,<f8" });
      w.append([{ f0: 1, f1: 0.5 }, { f0: -2, f1: 3 }]);
      w.close();
      assert.deepEqual(
        file.bytes(),
        npSaveBytes(`np.array([(1, 0.5), (-2, 3)], dtype="<i4,<f8")`),
      );
      assert.deepEqual(readNpySync(file).data, [{ f0: 1, f1: 0.5 }, {
        f0: -2,
        f1: 3,
      }]);
    },
  );

  test(
    "a count before a sized type without its size is that size: refused naming it",
    () => {
      assert.throws(() => parseDType("3a"), {
        message:
          'Cannot use dtype "3a": NumPy reads the count before "a" as its size: write "|S3"',
      });
      assert.throws(() => parseDType("2U"), {
        message:
          'Cannot use dtype "2U": NumPy reads the count before "U" as its size: write "<U2"',
      });
    },
  );

  test(
    "in a header: refused with np.save's spelling (np.load reads the record, fails on a sub-array)",
    numpyTestOptions(),
    () => {
      const cases: [string, string, string][] = [
        [
          "<i4,<i4",
          "(2,)",
          "NumPy reads it as the record [('f0', '<i4'), ('f1', '<i4')], which np.save writes instead",
        ],
        [
          "i4,",
          "(2,)",
          `NumPy reads it as "<i4", which np.save writes instead`,
        ],
        [
          "6i4",
          "(2,)",
          "NumPy reads it as a sub-array dtype (6 of \"<i4\" per item), and np.load cannot read the file (the items do not reshape to the header's shape); np.save writes such an array with descr '<i4' and (6) at the end of its shape: write the header so",
        ],
      ];
      for (const [descr, shape, why] of cases) {
        let text =
          `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
        text += " ".repeat(63 - ((10 + text.length) % 64)) + "\n";
        const header = new TextEncoder().encode(text);
        const bytes = new Uint8Array(10 + header.length + 96);
        bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
        bytes.set(header, 10);
        for (let i = 10 + header.length; i < bytes.length; i++) bytes[i] = i;
        // What np.load does with it.
        const loaded = runPython(
          `import sys, io, warnings, numpy as np
warnings.simplefilter("ignore")
try:
    a = np.load(io.BytesIO(sys.stdin.buffer.read())); print(a.dtype.descr)
except ValueError as e: print("ValueError")`,
          [],
          bytes,
        ).trim();
        assert.equal(
          loaded,
          descr === "6i4"
            ? "ValueError"
            : descr === "i4,"
            ? "[('', '<i4')]"
            : "[('f0', '<i4'), ('f1', '<i4')]",
        );
        assert.throws(() => readNpySync(new MemoryFile(bytes)), (e: Error) => {
          assert.ok(e instanceof NpyFormatError, String(e));
          assert.equal(e.code, "unsupported-dtype");
          assert.ok(
            e.message.includes(
              `invalid descr '${descr}' in header: Cannot use dtype "${descr}": ${why}`,
            ),
            e.message,
          );
          return true;
        });
      }
    },
  );
});
