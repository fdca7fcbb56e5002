/**
 * `concat OUT IN...`: appends `.npy` files to another along its growth
 * axis, in batches, all or nothing.
 *
 * @module
 */

import type { Command } from "./_command.ts";
import {
  dtypeOption,
  intOption,
  MAX_HEADER_OPTION,
  type ParsedArgs,
  stringOption,
  UsageError,
} from "./_args.ts";
import type { CliRuntime } from "./_runtime.ts";
import {
  type ArrayData,
  type Casting,
  castRefusal,
  type DType,
  parseDType,
} from "../../mod.ts";
import {
  batches,
  type NpySource,
  openSource,
  rawBatches,
} from "./_npy_source.ts";
import { openNpyOutput, refuseOtherDType, writeOutput } from "./_files.ts";
import { sameFileIn } from "./_fs.ts";
import { Progress } from "./_progress.ts";
import { oneLine, shapeText } from "./info.ts";
import { expandStacks } from "./stack.ts";
import { cliWords } from "./_cli_words.ts";

// The values of --casting.
const CASTINGS: readonly Casting[] = [
  "no",
  "equiv",
  "safe",
  "same_kind",
  "unsafe",
];

/** Inputs in the other order than the output are read whole up to this size. */
const WHOLE_READ_LIMIT = 64 << 20;

interface Target {
  dtype: DType;
  fortranOrder: boolean;
  shape: readonly number[];
}

function checkInput(
  src: NpySource,
  target: Target,
  casting: Casting,
  out: string,
): void {
  const { info } = src;
  const shape = info.shape;
  const dtype = parseDType(info.dtype);
  if (shape.length === 0) {
    throw new RangeError(
      `Cannot concatenate "${src.path}": it holds a 0-d array, which has no axis to join along`,
    );
  }
  const axis = target.fortranOrder ? target.shape.length - 1 : 0;
  const ok = shape.length === target.shape.length &&
    shape.every((n, i) => i === axis || n === target.shape[i]);
  if (!ok) {
    const want = target.shape.map((n, i) => (i === axis ? "n" : String(n)));
    throw new RangeError(
      `Cannot append "${src.path}" of shape ${
        shapeText(shape)
      } to "${out}": its shape must be (${want.join(", ")}${
        want.length === 1 ? "," : ""
      }), matching on every axis but axis ${axis}`,
    );
  }
  const refused = castRefusal(dtype, target.dtype, casting);
  if (refused !== undefined) {
    const fix = refused.least !== undefined
      ? `--casting ${refused.least} allows it`
      : `no --casting allows it: ${refused.why}`;
    throw new TypeError(
      `Cannot append "${src.path}" to "${out}": dtype "${info.dtype}" cannot be cast to "${target.dtype.str}" under casting "${casting}" (${fix})`,
    );
  }
  if (
    shape.length > 1 && info.fortranOrder !== target.fortranOrder &&
    info.dataLength > WHOLE_READ_LIMIT
  ) {
    throw new RangeError(
      `Cannot append "${src.path}" to "${out}": it is in ${
        info.fortranOrder ? "Fortran" : "C"
      } order and "${out}" in ${
        target.fortranOrder ? "Fortran" : "C"
      } order, which concat handles only for inputs up to ${
        WHOLE_READ_LIMIT >> 20
      } MiB`,
    );
  }
}

/** The `concat` command. */
export const concat: Command = {
  spec: {
    name: "concat",
    options: {
      casting: { type: "string" },
      dtype: { type: "string" },
      overwrite: { type: "flag" },
      "no-progress": { type: "flag" },
      ...MAX_HEADER_OPTION,
    },
    minArgs: 2,
    maxArgs: Infinity,
  },
  summary: "append .npy files to another along the growth axis",
  help: `Usage: npy-append-array concat [options] OUT IN...

Appends the arrays in the IN files to OUT along its growth axis (axis 0, or
the last axis for Fortran order), like numpy.concatenate, reading the
inputs in batches of about 4 MiB. An existing OUT is appended to; a new
OUT takes dtype and order from the first input (or --dtype). Every input
is checked (shape, dtype, casting) before anything is written, and on any
failure OUT is left as it was. An IN that is a stack folder (Dask's
npy-stack, see split) is read as one array, as da.from_npy_stack reads it:
the rows each shard's header gives, shard after shard.

Options:
  --casting MODE  no, equiv, safe, same_kind (default) or unsafe, as NumPy
  --dtype DTYPE   dtype of a new OUT, such as f4 or <i8 (default: the first input's)
  --overwrite     replace an existing OUT instead of appending to it
  --no-progress   no progress bar (it shows only when stderr is a terminal)
  --max-header-size N  accept input headers up to N characters (default 10000)
  -h, --help      show this help

Example:
  npy-append-array concat all.npy day1.npy day2.npy day3.npy
`,
  run(args, rt) {
    return runConcat(args, rt);
  },
};

async function runConcat(
  args: ParsedArgs,
  rt: CliRuntime,
): Promise<number> {
  const [out, ...ins] = args.positional as [string, ...string[]];
  const castingText = stringOption(args, "casting") ?? "same_kind";
  if (!(CASTINGS as readonly string[]).includes(castingText)) {
    throw new UsageError(
      `Invalid casting "${castingText}": use one of ${CASTINGS.join(", ")}`,
    );
  }
  const casting = castingText as Casting;
  const dtypeText = stringOption(args, "dtype");
  let wantDType: DType | undefined;
  if (dtypeText !== undefined) {
    wantDType = dtypeOption(dtypeText);
  }
  const overwrite = args.options["overwrite"] === true;
  // OUT may be no shard of an input stack (a sealed shard appended to in
  // place no longer matched info).
  const max = intOption(args, "max-header-size");
  const files = expandStacks(ins, max);
  const same = sameFileIn(out, [...ins, ...files]);
  if (same !== undefined) {
    throw new UsageError(
      `Cannot concatenate "${same}" into itself: OUT is also an input${
        ins.includes(same) ? "" : " (a shard of an input stack)"
      }`,
    );
  }
  // A stack folder is read as one array (NpyStackReader, as Dask).
  const sources: NpySource[] = ins.map((p) => openSource(p, max, true));
  const first = sources[0]!.info;
  const output = openNpyOutput(
    out,
    overwrite,
    max,
    { casting },
    () => ({
      // Parsed: a DType stands as it is, a header's |S0 too (as text, the
      // option refuses NumPy's unsized "S").
      dtype: wantDType ?? parseDType(first.dtype),
      fortranOrder: first.fortranOrder,
    }),
    (text) =>
      rt.writeStderr(`npy-append-array: warning: ${oneLine(cliWords(text))}
`),
  );
  const { writer } = output;
  const progress = new Progress(rt, args.options["no-progress"] !== true);
  await writeOutput(output, progress, () => {
    if (output.appending && wantDType !== undefined) {
      refuseOtherDType(out, wantDType.str, writer.dtype);
    }
    const target: Target = output.appending
      ? {
        dtype: parseDType(writer.dtype),
        fortranOrder: writer.fortranOrder,
        shape: writer.shape,
      }
      : {
        dtype: wantDType ?? parseDType(first.dtype),
        fortranOrder: first.fortranOrder,
        shape: first.shape,
      };
    for (const s of sources) checkInput(s, target, casting, out);
    const total = sources.reduce((a, s) => a + s.info.dataLength, 0);
    progress.start(`concat ${out}`, total);
    for (const s of sources) copySource(s, target, writer, progress);
  });
  return 0;
}

/**
 * Appends one input: its bytes as stored when dtype and order match the
 * output's (every bit kept: NaN payloads, lone surrogates), else its
 * values, cast by the writer under the chosen casting.
 */
function copySource(
  s: NpySource,
  target: Target,
  writer: { append(a: ArrayData): void },
  progress: Progress,
): void {
  const { info } = s;
  const sameOrder = info.shape.length < 2 ||
    info.fortranOrder === target.fortranOrder;
  if (sameOrder && info.dtype === target.dtype.str && rawKind(target.dtype)) {
    for (const b of rawBatches(s)) {
      writer.append({
        data: b.bytes,
        shape: b.shape,
        dtype: info.dtype,
        fortranOrder: info.fortranOrder,
      });
      progress.add(b.bytes.length);
    }
    return;
  }
  // Another order: the whole input at once (checkInput bounds its size).
  for (const b of batches(s, sameOrder ? undefined : Number.MAX_SAFE_INTEGER)) {
    writer.append({
      data: b.data as ArrayData["data"],
      shape: b.shape,
      dtype: b.dtype,
      fortranOrder: b.fortranOrder,
    });
    progress.add(
      b.shape.reduce((a, n) => a * n, 1) * info.itemsize,
    );
  }
}

/**
 * Whether the writer takes a `Uint8Array` as the raw bytes of this dtype
 * (every kind but unsigned integers and booleans, whose `Uint8Array`s are
 * values; their values decode exactly, so nothing is lost either way).
 */
function rawKind(dtype: DType): boolean {
  return dtype.kind !== "u" && dtype.kind !== "b";
}
