/**
 * Fault injection (SPEC section 10): every write or truncate of a short
 * append sequence fails in turn, as on a full disk. The error must reach
 * the caller, and the file must afterwards load, directly or after
 * `recover`, with every acknowledged append intact.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  MemoryFile,
  needsRecoverySync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyFormatError,
  readNpySync,
  recoverSync,
} from "../mod.ts";
import { FaultyFile, InjectedFault } from "./_faulty_file.ts";

const COLS = 3;
/** Rows per append; one empty append on the way. */
const ROWS = [2, 1, 3, 0, 1, 2];

function batch(j: number): Float64Array {
  return Float64Array.from(
    { length: ROWS[j]! * COLS },
    (_, i) => j * 100 + i,
  );
}

type WriterKind = "sync" | "async on FileLikeSync" | "async on FileLike";

interface Run {
  /** Data of the appends that returned without an error, in order. */
  acked: Float64Array[];
  /** Data of the appends that failed. */
  failed: Float64Array[];
  /** Errors the calls threw. */
  errors: unknown[];
}

interface Writer {
  append(a: { data: Float64Array; shape: number[] }): Promise<void> | void;
  close(): Promise<void> | void;
}

async function runSequence(
  faulty: FaultyFile,
  kind: WriterKind,
  options: { rewriteHeaderOnAppend: boolean; fsync: boolean },
): Promise<Run> {
  const run: Run = { acked: [], failed: [], errors: [] };
  let npy: Writer;
  if (kind === "sync") npy = NpyAppendArraySync.open(faulty.sync(), options);
  else if (kind === "async on FileLikeSync") {
    npy = await NpyAppendArray.open(faulty.sync(), options);
  } else npy = await NpyAppendArray.open(faulty.async(), options);
  for (let j = 0; j < ROWS.length; j++) {
    const data = batch(j);
    try {
      await npy.append({ data, shape: [ROWS[j]!, COLS] });
      run.acked.push(data);
    } catch (e) {
      run.errors.push(e);
      run.failed.push(data);
    }
  }
  try {
    await npy.close();
  } catch (e) {
    run.errors.push(e);
  }
  return run;
}

function concat(parts: Float64Array[]): number[] {
  return parts.flatMap((p) => [...p]);
}

/** Checks the file; returns how it loaded. */
function check(bytes: Uint8Array, run: Run, label: string): string {
  const want = concat(run.acked);
  const file = new MemoryFile(bytes);
  if (bytes.length === 0) {
    assert.equal(want.length, 0, `${label}: the file is empty`);
    return "empty";
  }
  let how = "direct";
  let data: number[];
  let shape: readonly number[];
  try {
    if (needsRecoverySync(file)) {
      how = "recovered";
      recoverSync(file);
    }
    const array = readNpySync(file);
    data = [...array.data as Float64Array];
    shape = array.shape;
  } catch (e) {
    // Only when nothing was acknowledged may the file be unusable: the
    // first append failed while writing the header, and could not undo.
    if (e instanceof NpyFormatError && want.length === 0) return "garbage";
    throw new Error(`${label}: cannot load (${(e as Error).message})`);
  }
  assert.equal(shape[1], COLS, label);
  assert.deepEqual(data.slice(0, want.length), want, `${label}: acked data`);
  // Whole rows of a failed append may follow (when undoing it failed
  // too, as on a disk that stays full; `recover` keeps what is whole),
  // but nothing else.
  const extra = data.slice(want.length);
  if (extra.length > 0) {
    assert.ok(
      run.failed.some((f) =>
        extra.length <= f.length && extra.every((v, i) => v === f[i])
      ),
      `${label}: unexpected rows ${extra}`,
    );
  }
  return how;
}

const KINDS: WriterKind[] = [
  "sync",
  "async on FileLikeSync",
  "async on FileLike",
];
const MODES = [
  { name: "one failure", sticky: false, partial: false },
  { name: "one short write", sticky: false, partial: true },
  { name: "disk stays full", sticky: true, partial: true },
];

describe("fault injection", () => {
  for (const kind of KINDS) {
    for (const rewriteHeaderOnAppend of [true, false]) {
      for (const fsync of [false, true]) {
        const options = { rewriteHeaderOnAppend, fsync };
        const name =
          `${kind}, rewriteHeaderOnAppend ${rewriteHeaderOnAppend}, fsync ${fsync}`;
        test(name, async () => {
          // A run without faults: count the mutations, check the result.
          const clean = new FaultyFile({ failAt: 0 });
          const ok = await runSequence(clean, kind, options);
          assert.deepEqual(ok.errors, []);
          assert.equal(
            check(clean.memory.bytes(), ok, `${name}, no fault`),
            "direct",
          );
          const total = clean.mutations;
          assert.ok(total >= 6, `${total} mutations`);
          for (const mode of MODES) {
            for (let k = 1; k <= total; k++) {
              const label = `${name}, ${mode.name} at mutation ${k}`;
              const faulty = new FaultyFile({ failAt: k, ...mode });
              const run = await runSequence(faulty, kind, options);
              assert.ok(faulty.failed, label);
              assert.ok(run.errors.length > 0, `${label}: error swallowed`);
              // The fault reaches the caller first (a close() that could not
              // write the header says to recover, the fault as its cause); a
              // writer that could not undo it refuses later appends, naming
              // recover.
              const fault = (e: unknown) =>
                e instanceof InjectedFault ||
                (e as Error)?.cause instanceof InjectedFault;
              assert.ok(fault(run.errors[0]), label);
              for (const e of run.errors) {
                assert.ok(
                  fault(e) ||
                    /an earlier write failed and could not be undone; close the writer, then call recover/
                      .test((e as Error).message),
                  `${label}: ${(e as Error)?.stack}`,
                );
              }
              const how = check(faulty.memory.bytes(), run, label);
              if (!mode.sticky && rewriteHeaderOnAppend) {
                // One failure is undone: the file needs no recovery,
                // unless it hit the very first write.
                assert.ok(
                  how === "direct" || run.acked.length === 0,
                  `${label}: ${how}`,
                );
              }
            }
          }
        });
      }
    }
  }
});
