/**
 * Adversary round 13, re-entrancy through the I/O seam: a file object
 * whose methods call back into the writer that is using it (a
 * `writeSync` that appends, closes or rewrites the header: a logging or
 * progress wrapper calling the writer it wraps). Round 11 guarded the
 * input of an append; the file's own methods were not.
 *
 * Found before the fix (Deno, Bun and Node alike), every call returning
 * as done:
 * - `append()` from `writeSync` wrote its rows between the outer append's
 *   data and its header: the header then disagreed with the data
 *   ("holds 20 data bytes but its header says 16"), the file needed
 *   `recover`, although every append had been acknowledged;
 * - `close()` from `writeSync` closed the writer under the append (the
 *   next append was refused as closed), and with `bufferBytes` left a
 *   header covering 1 row of 3;
 * Now such calls are refused with a `TypeError` naming the file and the
 * fix, the outer call goes on, and the file holds exactly the
 * acknowledged rows.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  MemoryFile,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  readNpySync,
} from "../mod.ts";

const WHY =
  ": called while the writer reads or writes its file (from a method of that file object); call it after that call returns";

/** A `MemoryFile` whose `n`-th `writeSync` or `truncateSync` from now runs `hook`. */
class HookedFile extends MemoryFile {
  hook: (() => void) | null = null;
  #calls = 0;
  #at = 0;

  arm(at: number, hook: () => void): void {
    this.#calls = 0;
    this.#at = at;
    this.hook = hook;
  }

  #fire(): void {
    if (this.hook !== null && ++this.#calls === this.#at) {
      const h = this.hook;
      this.hook = null;
      h();
    }
  }

  override writeSync(buffer: Uint8Array, position: number): void {
    this.#fire();
    return super.writeSync(buffer, position);
  }

  override truncateSync(length: number): void {
    this.#fire();
    super.truncateSync(length);
  }
}

type Writer = NpyAppendArraySync;
const calls: [string, string, (w: Writer) => unknown][] = [
  ["append()", "append to", (w) => w.append(new Int32Array([99]))],
  ["close()", "close", (w) => w.close()],
  ["updateHeader()", "update the header of", (w) => w.updateHeader()],
  ["[Symbol.dispose]()", "close", (w) => w[Symbol.dispose]()],
];

const ints = (f: MemoryFile): number[] => [
  ...readNpySync(f).data as Int32Array,
];

describe("adversary 13: a file object's methods calling back into its writer", () => {
  for (const [name, verb, call] of calls) {
    for (const at of [1, 2]) {
      for (const bufferBytes of [0, 8]) {
        test(`${name} from write ${at}${bufferBytes ? ", bufferBytes" : ""}: refused, the rows whole`, () => {
          const f = new HookedFile();
          const w = NpyAppendArraySync.open(
            f,
            bufferBytes
              ? { dtype: "<i4", bufferBytes, rewriteHeaderOnAppend: false }
              : { dtype: "<i4" },
          );
          w.append(new Int32Array([1]));
          if (bufferBytes) w.updateHeader();
          let inner: unknown = null;
          f.arm(at, () => {
            try {
              call(w);
            } catch (e) {
              inner = e;
            }
          });
          w.append(new Int32Array([2, 3]));
          if (bufferBytes) w.updateHeader();
          assert.ok(inner instanceof TypeError, String(inner));
          assert.equal(inner.message, `Cannot ${verb} the file object${WHY}`);
          w.append(new Int32Array([4]));
          w.close();
          assert.equal(needsRecoverySync(f), false);
          assert.deepEqual(ints(f), [1, 2, 3, 4]);
        });
      }
    }
  }

  test("append() from the cut of a first append under deleteIfExists: refused, the new rows alone", () => {
    const f = new HookedFile();
    const old = NpyAppendArraySync.open(f, { dtype: "<i4" });
    old.append(new Int32Array([7, 7, 7]));
    old.close();
    const w = NpyAppendArraySync.open(f, {
      dtype: "<i4",
      deleteIfExists: true,
    });
    let inner: unknown = null;
    f.arm(1, () => {
      try {
        w.append(new Int32Array([99]));
      } catch (e) {
        inner = e;
      }
    });
    w.append(new Int32Array([1, 2]));
    assert.ok(inner instanceof TypeError, String(inner));
    assert.equal(inner.message, `Cannot append to the file object${WHY}`);
    w.close();
    assert.deepEqual(ints(f), [1, 2]);
  });

  test("the async writer of a sync file object: the call back rejects, the rows whole", async () => {
    const f = new HookedFile();
    const w = await NpyAppendArray.open(f, { dtype: "<i4" });
    await w.append(new Int32Array([1]));
    let inner: Promise<void> | null = null;
    f.arm(1, () => {
      inner = w.append(new Int32Array([99]));
    });
    await w.append(new Int32Array([2, 3]));
    await assert.rejects(inner!, {
      name: "TypeError",
      message: `Cannot append to the file object${WHY}`,
    });
    await w.close();
    assert.deepEqual(ints(f), [1, 2, 3]);
  });

  test("the input's own call back keeps its message inside the writer's I/O", () => {
    const f = new HookedFile();
    const w = NpyAppendArraySync.open(f, { dtype: "[('a', '<i4')]" });
    assert.throws(
      () =>
        w.append([{
          get a() {
            w.close();
            return 1;
          },
        }]),
      {
        name: "TypeError",
        message:
          "Cannot close the file object: called while an append reads its input (from a getter, Proxy or valueOf of that input); call it after that append returns",
      },
    );
    w.close();
  });
});
