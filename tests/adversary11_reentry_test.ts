/**
 * Adversary round 11, hostile input that calls back into the writer: a
 * getter, Proxy or `valueOf` of the array being appended calls `close`,
 * `append`, `updateHeader` or `seal` of the same writer while the append
 * reads it.
 *
 * Found before the fix (Deno, Bun and Node alike):
 * - `close()` from the input: the append then wrote to a closed file, and
 *   failed with the runtime's "BadResource: Bad resource ID" (Deno) or
 *   "EBADF" (Node), untyped and naming no file;
 * - with `bufferBytes`, the same append returned as done, but its rows
 *   were in no file: an acknowledged append lost;
 * - `append()` from the input wrote its rows before those of the append
 *   called first (`[1, 99, 2, 3]`), on the stack writer too, and a group
 *   read its input twice, so the inner append landed twice.
 * Now each such call is refused with a `TypeError` naming the writer and
 * the fix, and the append goes on (or fails with that error, if the input
 * lets it through), the file holding exactly the acknowledged rows.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
  readNpyStack,
  readNpySync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

const DT = "[('a', '<i4')]";
const FIX =
  ": called while an append reads its input (from a getter, Proxy or valueOf of that input); call it after that append returns";

function refused(verb: string, label: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof TypeError, String(e));
    assert.equal(e.message, `Cannot ${verb} ${label}${FIX}`);
    return true;
  };
}

/** Records `{ a }` whose second one runs `call` when read. */
function hostile(call: () => void): { a: number }[] {
  return [{ a: 2 }, {
    get a() {
      call();
      return 3;
    },
  }];
}

const values = (path: string): number[] =>
  Array.from(readNpySync(path).data as unknown as { a: number }[], (r) => r.a);

describe("adversary 11: the input of an append calling back into its writer", () => {
  const calls: [string, (w: NpyAppendArraySync) => void, string][] = [
    ["close()", (w) => w.close(), "close"],
    ["append()", (w) => w.append([{ a: 99 }]), "append to"],
    ["updateHeader()", (w) => w.updateHeader(), "update the header of"],
  ];
  for (const bufferBytes of [0, 1024]) {
    for (const [name, call, verb] of calls) {
      test(`sync writer${bufferBytes ? " with bufferBytes" : ""}: ${name} is refused, no byte changed`, () => {
        const path = join(tempDir(), "a.npy");
        const opts = bufferBytes
          ? { dtype: DT, bufferBytes, rewriteHeaderOnAppend: false }
          : { dtype: DT };
        const w = NpyAppendArraySync.open(path, opts);
        w.append([{ a: 1 }]);
        if (bufferBytes) w.updateHeader();
        else w.close();
        const w2 = bufferBytes ? w : NpyAppendArraySync.open(path, opts);
        if (bufferBytes) w2.append([]);
        const before = readFileSync(path);
        assert.throws(
          () => w2.append(hostile(() => call(w2))),
          refused(verb, JSON.stringify(path)),
        );
        assert.deepEqual(readFileSync(path), before);
        // Still open, and the rows land in call order.
        w2.append([{ a: 4 }]);
        w2.close();
        assert.deepEqual(values(path), [1, 4]);
      });
    }
  }

  test("async writer on a path: close() from the input rejects, the append lands", async () => {
    const path = join(tempDir(), "a.npy");
    const w = await NpyAppendArray.open(path, { dtype: DT });
    await w.append([{ a: 1 }]);
    let inner: Promise<void> | undefined;
    await w.append(hostile(() => {
      inner = w.close();
    }));
    await assert.rejects(inner!, refused("close", JSON.stringify(path)));
    await w.append([{ a: 4 }]);
    await w.close();
    assert.deepEqual(values(path), [1, 2, 3, 4]);
  });

  test("stack writer: append(), seal() and close() from the input are refused", async () => {
    const cases: [string, (s: NpyStackWriterSync) => void][] = [
      ["append to", (s) => s.append([{ a: 99 }])],
      ["seal", (s) => s.seal()],
      ["close", (s) => s.close()],
    ];
    for (const [verb, call] of cases) {
      const dir = join(tempDir(), "s");
      const s = NpyStackWriterSync.open(dir, { dtype: DT, shardRows: 2 });
      s.append([{ a: 1 }]);
      assert.throws(
        () => s.append(hostile(() => call(s))),
        refused(verb, `the stack "${dir}"`),
      );
      s.append([{ a: 4 }]);
      s.close();
      const all = await readNpyStack(dir);
      assert.deepEqual(
        Array.from(all.data as unknown as { a: number }[], (r) => r.a),
        [1, 4],
        verb,
      );
    }
  });

  test("group writer: append() from the input is refused, nothing lands twice", () => {
    const dir = join(tempDir(), "g");
    const g = NpyGroupWriterSync.open(dir, {
      members: { x: "<f8", y: "<f8" },
    });
    g.append({ x: [1], y: [1] });
    const y = {
      get data() {
        g.append({ x: [9], y: [9] });
        return [2];
      },
      shape: [1],
    };
    assert.throws(
      () => g.append({ x: [2], y }),
      refused("append to", `group "${dir}"`),
    );
    assert.throws(
      () =>
        g.append({
          x: [2],
          y: {
            get data() {
              g.close();
              return [2];
            },
            shape: [1],
          },
        }),
      refused("close", `group "${dir}"`),
    );
    g.append({ x: [4], y: [4] });
    g.close();
    for (const m of ["x", "y"]) {
      assert.deepEqual(
        [...readNpySync(join(dir, `${m}.npy`)).data as Float64Array],
        [1, 4],
        m,
      );
    }
  });
});
