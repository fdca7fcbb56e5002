/**
 * Stop 21 (h1): a field whose title is `None`. `np.dtype([((None, 'a'),
 * '<i4')])` is a field `a` with no title (its `fields` hold a `None`
 * title slot); `np.save` writes its descr as `[((None, 'a'), '<i4')]`,
 * and `np.load` reads it back as `[('a', '<i4')]`. A list of
 * `((title, name), format)` built in Python with `None` for the fields
 * that have no title makes such files. They were refused ("cannot parse
 * header: unexpected character", and the advice to save again with
 * np.save, which writes the same header); now they are read and appended
 * to as `np.load` reads them, and the same text as a `dtype` option is
 * the dtype `np.dtype` makes. `None` anywhere else in a header stays
 * refused (`np.save` never writes it there).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArraySync,
  NpyFormatError,
  parseDType,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const DT = "np.dtype([((None, 'a'), '<i4'), (('T', 'b'), '<f8'), " +
  "((None, 'c'), [((None, 'x'), 'u1')], (2,))])";

test(
  "a None title is no title, as np.load reads it",
  numpyTestOptions(),
  () => {
    const dir = tempDir();
    const src = join(dir, "none.npy");
    const want = JSON.parse(runPython(
      `import json, sys
import numpy as np
dt = ${DT}
a = np.array([(5, 1.5, [(1,), (2,)]), (-6, 2.5, [(3,), (4,)])], dt)
np.save(sys.argv[1], a)
with open(sys.argv[1], "rb") as f:
    head = f.read(128)
b = np.load(sys.argv[1])
print(json.dumps([str(b.dtype.descr), head.decode("latin1")]))`,
      [src],
    )) as [string, string];
    assert.ok(want[1].includes("((None, 'a'), '<i4')"), "np.save wrote None");
    const got = readNpySync(src);
    assert.equal(
      got.dtype,
      "[('a', '<i4'), (('T', 'b'), '<f8'), ('c', [('x', '|u1')], (2,))]",
    );
    assert.deepEqual(got.data, [
      { a: 5, b: 1.5, c: [{ x: 1 }, { x: 2 }] },
      { a: -6, b: 2.5, c: [{ x: 3 }, { x: 4 }] },
    ]);
    const out = join(dir, "out.npy");
    copyFileSync(src, out);
    const npy = NpyAppendArraySync.open(out);
    npy.append(got);
    npy.append([{ a: 7, b: -0.5, c: [{ x: 9 }, { x: 8 }] }]);
    npy.close();
    const same = runPython(
      `import sys
import numpy as np
a = np.load(sys.argv[1])
b = np.load(sys.argv[2])
c = np.concatenate([a, a, np.array([(7, -0.5, [(9,), (8,)])], a.dtype)])
print(b.dtype == c.dtype, b.tobytes() == c.tobytes())`,
      [src, out],
    ).trim();
    assert.equal(same, "True True");
    assert.equal(
      parseDType("[((None, 'a'), '<i4')]").str,
      runPython(`import numpy as np; print(np.dtype([((None, 'a'), '<i4')]))`)
        .trim(),
    );
  },
);

test("None elsewhere in a header stays refused", () => {
  const dir = tempDir();
  const heads = [
    "{'descr': '<i4', 'fortran_order': None, 'shape': (1,), }",
    "{'descr': '<i4', 'fortran_order': False, 'shape': (None,), }",
    "{'descr': None, 'fortran_order': False, 'shape': (1,), }",
    "{'descr': [(None, '<i4')], 'fortran_order': False, 'shape': (1,), }",
    "{'descr': [(('a', None), '<i4')], 'fortran_order': False, 'shape': (1,), }",
    "{'descr': [((None, None), '<i4')], 'fortran_order': False, 'shape': (1,), }",
    "{'descr': [('a', None)], 'fortran_order': False, 'shape': (1,), }",
    "{'descr': [('a', '<i4', None)], 'fortran_order': False, 'shape': (1,), }",
    "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), None: 1}",
    "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'x': Nonex}",
  ];
  for (const [i, head] of heads.entries()) {
    const body = head.padEnd(117, " ") + "\n";
    const bytes = new Uint8Array(10 + body.length + 4);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, body.length, 0]);
    bytes.set(new TextEncoder().encode(body), 10);
    const path = join(dir, `h${i}.npy`);
    writeFileSync(path, bytes);
    assert.throws(
      () => readNpySync(path),
      (e: Error) => e instanceof NpyFormatError && e.message.includes(path),
      head,
    );
  }
});
