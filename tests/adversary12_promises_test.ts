/**
 * Adversary round 12, the README's promises read by a newcomer: the ones
 * that did not hold.
 *
 * - "`to-csv` text reads back exactly with `np.loadtxt`": an empty string
 *   alone on its line was written as an empty line, which `np.loadtxt` (and
 *   `from-csv`) skip as blank, so rows went missing; it is now `""`.
 * - "errors are one line on stderr", exit code 2 for usage: a delimiter that
 *   is part of number or time text (`-d .`, `-d -`, `-d e`, `-d 1`) wrote
 *   `0.1.0.5`, which no reader can split; it is now a usage error, on
 *   `to-csv` and `from-csv`.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { numpyTestOptions, runPython, tempDir } from "./_numpy.ts";
import { cli, type CliRun } from "./_cli_run.ts";

const withNumpy = numpyTestOptions();
const SLOW = { timeout: 120_000 };

function py(code: string, ...args: string[]): string {
  return runPython(`import numpy as np, sys\n${code}`, args).trim();
}

describe("to-csv: empty strings keep their rows", withNumpy, () => {
  const members: [string, string, string][] = [
    ["a 1-d U array", `np.array(["", "a", "", ""], dtype="<U3")`, "<U3"],
    ["a 1-d S array", `np.array([b"", b"x,y", b""], dtype="|S3")`, "|S3"],
    [
      "a one-column 2-d U array",
      `np.array([[""], ["b"], [""]], dtype="<U1")`,
      "<U1",
    ],
  ];
  for (const [name, make, dtype] of members) {
    test(name, SLOW, () => {
      const dir = tempDir();
      const src = join(dir, "in.npy");
      const csv = join(dir, "out.csv");
      const back = join(dir, "back.npy");
      py(`np.save(sys.argv[1], ${make})`, src);
      const r = cli(["to-csv", "--no-progress", src, csv]);
      assert.equal(r.code, 0, r.stderr);
      const got = py(
        `a = np.load(sys.argv[1])
b = np.loadtxt(sys.argv[2], delimiter=",", dtype=a.dtype, quotechar='"', ndmin=a.ndim)
print(b.shape == a.shape and b.tolist() == a.tolist(), b.shape)`,
        src,
        csv,
      );
      assert.equal(got.split(" ")[0], "True", `${got}\n${readFileSync(csv)}`);
      const oneD = !name.includes("2-d");
      const f = cli([
        "from-csv",
        "--no-progress",
        "--dtype",
        dtype,
        ...(oneD ? ["--1d"] : []),
        csv,
        back,
      ]);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(
        py(
          `print(np.load(sys.argv[1]).tolist() == np.load(sys.argv[2]).tolist())`,
          src,
          back,
        ),
        "True",
      );
    });
  }
});

test(
  "to-csv of a group of one string member keeps its empty rows",
  SLOW,
  async () => {
    const { NpyGroupWriterSync } = await import("../mod.ts");
    const dir = join(tempDir(), "g");
    const g = NpyGroupWriterSync.open(dir, { members: { s: "<U2" } });
    g.append({ s: ["", "ab", ""] });
    g.close();
    const r = cli(["to-csv", "--no-progress", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '""\nab\n""\n');
  },
);

describe("a delimiter that is part of a number is a usage error", () => {
  for (const d of [".", "-", "e", "1", "+", ":", "n"]) {
    test(`-d ${d}`, SLOW, () => {
      const dir = tempDir();
      const csv = join(dir, "in.csv");
      const out = join(dir, "out.npy");
      writeFileSync(csv, "0.1,0.5\n-2,3e5\n");
      const f = cli(["from-csv", "--no-progress", "-d", d, csv, out]);
      assert.equal(f.code, 2, f.stderr);
      assert.ok(
        f.stderr.startsWith(`npy-append-array: Invalid delimiter "${d}": `),
        f.stderr,
      );
      assert.ok(!existsSync(out));
      // to-csv refuses it before reading the input (the missing file is
      // never opened).
      const t = cli(["to-csv", "--no-progress", "-d", d, join(dir, "x.npy")]);
      assert.equal(t.code, 2, t.stderr);
      assert.match(t.stderr, /it can be part of a number or a time/);
      assert.equal(t.stdout, "");
    });
  }
  test("tab, space, semicolon and bar still work", SLOW, () => {
    const dir = tempDir();
    for (
      const [d, text] of [["tab", "\t"], ["space", " "], [";", ";"], [
        "|",
        "|",
      ]] as const
    ) {
      const csv = join(dir, "in.csv");
      const out = join(dir, `out${text.charCodeAt(0)}.npy`);
      writeFileSync(csv, `0.5${text}-1e-3\n2${text}3\n`);
      const f = cli(["from-csv", "--no-progress", "-d", d, csv, out]);
      assert.equal(f.code, 0, f.stderr);
      const t = cli(["to-csv", "--no-progress", "-d", d, out]);
      assert.equal(t.code, 0, t.stderr);
      // NumPy's str() of each float (stop 27): 2.0, not JavaScript's 2.
      assert.equal(t.stdout, `0.5${text}-0.001\n2.0${text}3.0\n`);
    }
  });
});

describe("readable().pipeTo(writable) copies a file's rows", withNumpy, () => {
  // The README said "copies a file": a Fortran-order file's batches (along
  // its last axis) into a writer of the default C order failed at the
  // second batch, and a big-endian file came out little-endian (inferred
  // dtypes are). It now names the writer's options; this checks that such
  // a copy is byte for byte the file, over many batches.
  const members: [string, string, boolean][] = [
    [
      "a Fortran-order 2-d file, many batches",
      `np.asfortranarray(np.arange(3 * 5000, dtype="<f8").reshape(3, 5000))`,
      true,
    ],
    [
      "a Fortran-order 3-d big-endian file",
      `np.asfortranarray(np.arange(2 * 3 * 700, dtype=">i4").reshape(2, 3, 700))`,
      true,
    ],
    [
      "a C-order structured file",
      `np.array([(i, -i / 3, b"ab") for i in range(4000)], dtype=[("a", ">i4"), ("b", "<f8"), ("c", "S2")])`,
      false,
    ],
  ];
  for (const [name, make, fortranOrder] of members) {
    test(name, SLOW, async () => {
      const { NpyAppendArray, NpyReader } = await import("../mod.ts");
      const dir = tempDir();
      const src = join(dir, "in.npy");
      const dst = join(dir, "out.npy");
      py(`np.save(sys.argv[1], ${make})`, src);
      const reader = await NpyReader.open(src);
      assert.equal(reader.fortranOrder, fortranOrder);
      const writer = await NpyAppendArray.open(dst, {
        dtype: reader.dtype,
        fortranOrder: reader.fortranOrder,
      });
      await reader.readable({ batchItems: 1000 }).pipeTo(writer.writable);
      await reader.close();
      assert.equal(writer.closed, true);
      assert.ok(readFileSync(dst).equals(readFileSync(src)));
    });
  }
});

describe(
  "split --bytes N seals a shard once its data reaches N bytes",
  withNumpy,
  () => {
    // split --help: "seal a shard once its data reaches N bytes". The stack
    // sealed only after an append, and split appends a batch at a time: a
    // file smaller than a batch came out as one shard, whatever N.
    const members: [string, string, string, number[]][] = [
      ["7 int16 rows, 5 bytes", `np.arange(7, dtype="<i2")`, "5", [3, 3, 1]],
      [
        "100 rows of 3 float64, 100 bytes",
        `np.arange(300.).reshape(100, 3)`,
        "100",
        [...Array(20).fill(5)],
      ],
      [
        "a Fortran-order (2, 10) int32 file, 16 bytes",
        `np.asfortranarray(np.arange(20, dtype="<i4").reshape(2, 10))`,
        "16",
        [2, 2, 2, 2, 2],
      ],
      ["rows larger than N: one row a shard", `np.arange(4.)`, "3", [
        1,
        1,
        1,
        1,
      ]],
    ];
    for (const [name, make, bytes, chunks] of members) {
      test(name, SLOW, () => {
        const dir = tempDir();
        const src = join(dir, "in.npy");
        const out = join(dir, "stack");
        py(`np.save(sys.argv[1], ${make})`, src);
        const r = cli(["split", "--no-progress", src, out, "--bytes", bytes]);
        assert.equal(r.code, 0, r.stderr);
        const got = py(
          `import dask.array as da
a = np.load(sys.argv[1]); x = da.from_npy_stack(sys.argv[2])
axis = -1 if np.isfortran(a) else 0
print(list(x.chunks[axis]), bool((x.compute() == a).all()))`,
          src,
          out,
        );
        assert.equal(
          got,
          `${JSON.stringify(chunks).replaceAll(",", ", ")} True`,
        );
      });
    }
  },
);

describe(
  "recover DIR repairs a stack or a group after a crash",
  withNumpy,
  () => {
    // A stack and a group have recovery (recoverStack, recoverGroup), and
    // `info`, `concat` and `to-csv` take their folders, but `recover DIR`
    // said only `Cannot open "DIR": it is a directory`, naming no fix.
    test(
      "a stack whose live shard has a row and a half past its header",
      SLOW,
      () => {
        const dir = join(tempDir(), "stack");
        py(
          `import os, pickle
os.mkdir(sys.argv[1])
np.save(os.path.join(sys.argv[1], "0.npy"), np.arange(4.))
with open(os.path.join(sys.argv[1], "info"), "wb") as f:
    pickle.dump({"chunks": ((4,),), "dtype": np.dtype("<f8"), "axis": 0}, f, protocol=2)
with open(os.path.join(sys.argv[1], "1.npy.part"), "wb") as f:
    np.save(f, np.arange(4., 6.))
    f.write(np.arange(6., 8.).tobytes()[:12])`,
          dir,
        );
        const r = cli(["recover", dir]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${dir}: stack recovered, shape (7,)\n`);
        assert.equal(
          py(
            `import os
a = np.load(os.path.join(sys.argv[1], "1.npy.part"))
print(a.tolist())`,
            dir,
          ),
          "[4.0, 5.0, 6.0]",
        );
        // CliRun again: nothing left to do, same answer.
        assert.equal(cli(["recover", dir]).stdout, r.stdout);
      },
    );

    test(
      "a group whose first member got a row ahead, beside a file",
      SLOW,
      async () => {
        const { NpyGroupWriterSync } = await import("../mod.ts");
        const root = tempDir();
        const dir = join(root, "g");
        const g = NpyGroupWriterSync.open(dir, {
          members: { a: "<f8", b: "<i4" },
        });
        g.append({ a: [1, 2, 3], b: [4, 5, 6] });
        g.close();
        const file = join(root, "f.npy");
        py(
          `import os
np.save(os.path.join(sys.argv[1], "a.npy"), np.array([1., 2., 3., 9.]))
np.save(sys.argv[2], np.arange(3.))`,
          dir,
          file,
        );
        const r = cli(["recover", dir, file]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          r.stdout,
          `${dir}: group recovered, 3 rows in every member\n${file}: complete, shape (3,); nothing to do\n`,
        );
        assert.equal(
          py(
            `import os
print(np.load(os.path.join(sys.argv[1], "a.npy")).tolist())`,
            dir,
          ),
          "[1.0, 2.0, 3.0]",
        );
      },
    );

    test(
      "a folder with no stack or group is refused, nothing changed",
      SLOW,
      () => {
        const root = tempDir();
        const empty = join(root, "empty");
        const misc = join(root, "misc");
        py(
          `import os
os.mkdir(sys.argv[1]); os.mkdir(sys.argv[2])
np.save(os.path.join(sys.argv[2], "data.npy"), np.arange(3))`,
          empty,
          misc,
        );
        for (const dir of [empty, misc]) {
          const before = readdirSync(dir).join(",");
          const r = cli(["recover", dir]);
          assert.equal(r.code, 1, r.stdout);
          assert.equal(
            r.stderr,
            `npy-append-array: Cannot recover "${dir}": it holds no stack (no info, {n}.npy or {n}.npy.part) and no group.json; pass a .npy file, or a stack or group folder${
              dir === misc
                ? `; if it is a group whose group.json was lost, "npy-append-array recover --group ${dir}" rebuilds it from the member files`
                : ""
            }\n`,
          );
          assert.equal(readdirSync(dir).join(","), before);
        }
      },
    );

    test("--zerofill with a folder is refused, nothing changed", SLOW, () => {
      const dir = join(tempDir(), "stack");
      py(
        `import os
os.mkdir(sys.argv[1])
with open(os.path.join(sys.argv[1], "0.npy.part"), "wb") as f:
    np.save(f, np.arange(3.))`,
        dir,
      );
      const before = readFileSync(join(dir, "0.npy.part"));
      const r = cli(["recover", "--zerofill", dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `npy-append-array: Cannot recover "${dir}" with --zerofill: a stack or a group keeps whole rows only; leave the option out\n`,
      );
      assert.ok(readFileSync(join(dir, "0.npy.part")).equals(before));
    });
  },
);

describe("to-csv never writes over its input", withNumpy, () => {
  // `to-csv x.npy x.npy` replaced the .npy file with its CSV text (exit 0):
  // the data was gone. concat refused OUT among its inputs by real path
  // only; both now also know a hard link, and to-csv a stack's shards and
  // a group's members.
  const cases: [string, (dir: string) => [string, string, string]][] = [
    ["OUT is IN", (d) => [join(d, "a.npy"), join(d, "a.npy"), "a.npy"]],
    ["OUT is IN spelled otherwise", (d) => [
      join(d, "a.npy"),
      join(d, ".", "a.npy"),
      "a.npy",
    ]],
    ["OUT is a hard link to IN", (d) => {
      linkSync(join(d, "a.npy"), join(d, "link.csv"));
      return [join(d, "a.npy"), join(d, "link.csv"), "a.npy"];
    }],
    ["OUT is a shard of the stack IN", (d) => {
      const s = join(d, "stack");
      ok2(cli(["split", "--no-progress", join(d, "a.npy"), s, "--rows", "2"]));
      return [s, join(s, "1.npy"), "1.npy"];
    }],
    ["OUT is a member of the group IN", (d) => {
      const g = join(d, "g");
      py(
        `import json, os
os.mkdir(sys.argv[1])
np.save(os.path.join(sys.argv[1], "m.npy"), np.arange(5.))
json.dump({"format": "npy-append-array group", "version": 1, "members": [{"name": "m", "file": "m.npy", "dtype": "<f8", "fortranOrder": False, "axis": 0}]}, open(os.path.join(sys.argv[1], "group.json"), "w"))`,
        g,
      );
      return [g, join(g, "m.npy"), "m.npy"];
    }],
  ];
  for (const [name, make] of cases) {
    test(name, SLOW, () => {
      const dir = tempDir();
      py(`np.save(sys.argv[1], np.arange(5.))`, join(dir, "a.npy"));
      const [src, out, victim] = make(dir);
      const path = victim === "a.npy" ? join(dir, "a.npy") : out;
      const before = readFileSync(path);
      const r = cli(["to-csv", "--no-progress", src, out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /into itself: OUT is also/);
      assert.ok(readFileSync(path).equals(before));
    });
  }
  test("concat refuses a hard link to an input as OUT", SLOW, () => {
    const dir = tempDir();
    const a = join(dir, "a.npy");
    py(`np.save(sys.argv[1], np.arange(5.))`, a);
    linkSync(a, join(dir, "b.npy"));
    const before = readFileSync(a);
    const r = cli(["concat", "--no-progress", join(dir, "b.npy"), a]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /into itself: OUT is also an input/);
    assert.ok(readFileSync(a).equals(before));
  });
});

function ok2(r: CliRun): void {
  assert.equal(r.code, 0, r.stderr);
}
