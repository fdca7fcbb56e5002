/**
 * Stop 27 (h2), NumPy-made files and hostile headers: files NumPy makes or
 * reads that the earlier rounds had not tried, against NumPy 1.24.
 *
 * Found before the fixes:
 * - A file of NumPy's size-0 `|S0`/`<U0` items (`open_memmap(...,
 *   dtype="S0")`, or a hand-written header whose descr is `'S'` or `'U'`,
 *   which `np.load` reads as `|S0`/`<U0`) was read, and its dtype reported
 *   as `"|S0"`; but opening it again with that dtype (`{ dtype: "|S0" }`,
 *   `"S"`, `"S0"`: NumPy's `np.dtype` gives the same type for each) was
 *   refused as "a bytes type needs its size", the refusal meant for a new
 *   file. Stacks of such shards the same. Now text naming an existing
 *   file's or stack's own size-0 type is that type; a new file, or another
 *   dtype, keeps the refusal, before any file is touched.
 * - A group whose member holds `|S0` items (the member declared without a
 *   dtype, its first append of such rows) could not be opened again:
 *   group.json lists the member's dtype `"|S0"`, which the group passed to
 *   the member's writer as text, refused as above. Declaring the member
 *   `"S"` or `"|S0"` was refused too. Both now open it.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStackSync,
  readNpySync,
} from "../mod.ts";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";

const opts = numpyTestOptions();

/** The refusal of a size-0 text for a new file (stop 19), kept. */
const NEEDS_SIZE = (spec: string, kind: "bytes" | "string") =>
  `Cannot use dtype ${
    JSON.stringify(spec)
  }: a ${kind} type needs its size, such as "${
    kind === "bytes" ? "|S8" : "<U8"
  }" (NumPy sizes it from the data: leave the dtype out, and a new file takes it from the first append)`;

/**
 * Writes the size-0 files: by `open_memmap` with `dtype="S0"`/`"U0"`,
 * and by hand with descr `'S'`, `'|S'`, `'a'`, `'U'`, `'<U'` (which
 * np.load reads as `|S0`/`<U0`); returns each name's `np.load` dtype.
 */
function sizeZeroFiles(dir: string): Record<string, string> {
  return JSON.parse(runPython(
    `import io, json, sys
import numpy as np
d = sys.argv[1]
out = {}
for name, dt in [("mm_S0", "S0"), ("mm_U0", "U0")]:
    m = np.lib.format.open_memmap(f"{d}/{name}.npy", mode="w+", dtype=dt, shape=(3,))
    del m
def hand(descr):
    h = ("{'descr': %s, 'fortran_order': False, 'shape': (3,), }" % descr).encode()
    h += b" " * (63 - (10 + len(h)) % 64) + b"\\n"
    return b"\\x93NUMPY\\x01\\x00" + len(h).to_bytes(2, "little") + h
for name, descr in [("h_S", "'S'"), ("h_pS", "'|S'"), ("h_a", "'a'"), ("h_U", "'U'"), ("h_lU", "'<U'")]:
    open(f"{d}/{name}.npy", "wb").write(hand(descr))
for name in ["mm_S0", "mm_U0", "h_S", "h_pS", "h_a", "h_U", "h_lU"]:
    # From memory: NumPy 1.24's np.load of a path refuses <U0 (fromfile).
    out[name] = np.load(io.BytesIO(open(f"{d}/{name}.npy", "rb").read())).dtype.str
print(json.dumps(out))`,
    [dir],
  ));
}

/** `np.save(np.concatenate([a] * times))` of the file at `path`, as bytes. */
function npConcatSaved(path: string, times: number): Uint8Array {
  const out = runPython(
    `import io, sys
import numpy as np
a = np.load(io.BytesIO(open(sys.argv[1], "rb").read()))
buf = io.BytesIO()
np.save(buf, np.concatenate([a] * int(sys.argv[2])))
sys.stdout.write(buf.getvalue().hex())`,
    [path, String(times)],
  );
  return new Uint8Array(out.match(/../g)!.map((h) => parseInt(h, 16)));
}

describe("stop 27: a file of size-0 items opened with its own dtype", () => {
  test(
    "each spelling np.dtype reads as the file's type appends, as np.concatenate",
    opts,
    async () => {
      const dir = tempDir();
      const want = sizeZeroFiles(dir);
      for (const [name, str] of Object.entries(want)) {
        const path = join(dir, `${name}.npy`);
        const original = new Uint8Array(readFileSync(path));
        const twice = npConcatSaved(path, 2);
        const rows = readNpySync(path);
        assert.equal(rows.dtype, str, name);
        const specs = str === "|S0"
          ? ["S", "S0", "|S0", "a", "bytes", rows.dtype]
          : ["U", "<U", "U0", "<U0", "str", rows.dtype];
        for (const spec of specs) {
          // Each spelling sync; the reader's own text async and atomic too.
          const hows = spec === rows.dtype
            ? ["sync", "async", "atomic"] as const
            : ["sync"] as const;
          for (const how of hows) {
            writeFileSync(path, original);
            if (how === "async") {
              const w = await NpyAppendArray.open(path, { dtype: spec });
              assert.equal(w.dtype, str);
              await w.append(rows);
              await w.close();
            } else {
              const w = NpyAppendArraySync.open(path, {
                dtype: spec,
                atomic: how === "atomic",
              });
              w.append(rows);
              w.close();
            }
            assert.deepEqual(
              new Uint8Array(readFileSync(path)),
              twice,
              `${name} ${spec} ${how}`,
            );
          }
        }
      }
    },
  );

  test(
    "a new file, another dtype or deleteIfExists keeps the refusal, nothing written",
    opts,
    async () => {
      const dir = tempDir();
      sizeZeroFiles(dir);
      // A new file: NumPy sizes "S" from the data (stop 19).
      for (const spec of ["S", "|S0", "U0"]) {
        const kind = spec.includes("S") ? "bytes" : "string";
        const fresh = join(dir, `new_${kind}.npy`);
        assert.throws(() => NpyAppendArraySync.open(fresh, { dtype: spec }), {
          name: "TypeError",
          message: `Cannot open "${fresh}": ${NEEDS_SIZE(spec, kind)}`,
        });
        await assert.rejects(NpyAppendArray.open(fresh, { dtype: spec }), {
          name: "TypeError",
          message: `Cannot open "${fresh}": ${NEEDS_SIZE(spec, kind)}`,
        });
        assert.throws(
          () => NpyAppendArraySync.open(fresh, { dtype: spec, atomic: true }),
          { name: "TypeError", message: /needs its size/ },
        );
        assert.equal(existsSync(fresh), false, spec);
      }
      // The other size-0 type, a sized file, and starting afresh: refused
      // as before (the text names no type these files have).
      const other = join(dir, "sized.npy");
      const w = NpyAppendArraySync.open(other);
      w.append(["ab", "c"]);
      w.close();
      for (
        const [path, spec, options] of [
          [join(dir, "mm_S0.npy"), "U", {}],
          [join(dir, "mm_U0.npy"), "S", {}],
          [other, "U", {}],
          [join(dir, "mm_S0.npy"), "S", { deleteIfExists: true }],
          [join(dir, "h_U.npy"), "U0", { deleteIfExists: true, atomic: true }],
        ] as const
      ) {
        const before = new Uint8Array(readFileSync(path));
        const kind = spec.includes("S") ? "bytes" : "string";
        assert.throws(
          () => NpyAppendArraySync.open(path, { dtype: spec, ...options }),
          {
            name: "TypeError",
            message: `Cannot open "${path}": ${NEEDS_SIZE(spec, kind)}`,
          },
          `${path} ${spec}`,
        );
        assert.deepEqual(new Uint8Array(readFileSync(path)), before, path);
      }
    },
  );

  test("a stack of size-0 items reopens with its own dtype text", opts, () => {
    const dir = tempDir();
    sizeZeroFiles(dir);
    const rows = readNpySync(join(dir, "h_S.npy"));
    const stack = join(dir, "stack");
    const w = NpyStackWriterSync.open(stack, { shardRows: 2 });
    w.append(rows);
    w.close();
    for (const spec of ["S", "|S0", rows.dtype]) {
      const again = NpyStackWriterSync.open(stack, { dtype: spec });
      assert.equal(again.dtype, "|S0");
      again.append(rows);
      again.close();
    }
    assert.deepEqual(readNpyStackSync(stack).shape, [12]);
    const other = NpyStackWriterSync.open(join(dir, "u_stack"));
    other.append(["ab"]);
    other.close();
    for (
      const [path, spec] of [
        [join(dir, "u_stack"), "S"],
        [join(dir, "none"), "U"],
      ] as [string, string][]
    ) {
      assert.throws(() => NpyStackWriterSync.open(path, { dtype: spec }), {
        name: "TypeError",
        message: `Cannot open the stack "${path}": ${
          NEEDS_SIZE(spec, spec === "S" ? "bytes" : "string")
        }`,
      });
    }
    // Refused before any I/O for a stack that is not there.
    assert.equal(existsSync(join(dir, "none")), false);
  });

  test(
    "a group with a member of size-0 items opens again, declared or not",
    opts,
    () => {
      const dir = tempDir();
      sizeZeroFiles(dir);
      const rows = readNpySync(join(dir, "h_S.npy"));
      const i8 = () => new BigInt64Array([1n, 2n, 3n]);
      for (const stack of [false, true]) {
        const group = join(dir, stack ? "g_stack" : "g_file");
        const extra = stack ? { shardRows: 2 } : {};
        const g = NpyGroupWriterSync.open(group, {
          members: { s: {}, i: "<i8" },
          ...extra,
        });
        g.append({ s: rows, i: i8() });
        g.close();
        for (
          const members of [undefined, { s: "S", i: "<i8" }, {
            s: "|S0",
            i: "<i8",
          }]
        ) {
          const again = NpyGroupWriterSync.open(group, {
            ...(members === undefined ? {} : { members }),
            ...extra,
          });
          again.append({ s: rows, i: i8() });
          again.close();
        }
        const s = stack
          ? readNpyStackSync(join(group, "s"))
          : readNpySync(join(group, "s.npy"));
        assert.deepEqual([s.dtype, s.shape], ["|S0", [12]], group);
        // Another size-0 type, or starting afresh: refused, nothing removed.
        const json = readFileSync(join(group, "group.json"));
        for (
          const [spec, more] of [["U", {}], ["S", {
            deleteIfExists: true,
          }]] as const
        ) {
          assert.throws(
            () =>
              NpyGroupWriterSync.open(group, {
                members: { s: spec, i: "<i8" },
                ...extra,
                ...more,
              }),
            {
              name: "TypeError",
              message: `Cannot open group "${group}": member "s": ${
                NEEDS_SIZE(spec, spec === "S" ? "bytes" : "string")
              }`,
            },
          );
          assert.deepEqual(readFileSync(join(group, "group.json")), json);
        }
        // A new group: refused before its folder is made.
        const fresh = join(dir, stack ? "new_stack_group" : "new_group");
        assert.throws(
          () =>
            NpyGroupWriterSync.open(fresh, {
              members: { s: "S", i: "<i8" },
              ...extra,
            }),
          { name: "TypeError", message: /member "s": Cannot use dtype "S"/ },
        );
        assert.equal(existsSync(fresh), false);
      }
    },
  );
});
