/**
 * `concat OUT IN...`: appends `.npy` files to another along its growth
 * axis, in batches, all or nothing.
 *
 * @module
 */

import type { Command } from "./_command.ts";
import {
  intOption,
  MAX_HEADER_OPTION,
  type ParsedArgs,
  stringOption,
  UsageError,
} from "./_args.ts";
import type { CliRuntime } from "../_cli_runtime.ts";
import { canCast, type Casting, checkCasting } from "../casting.ts";
import { type DType, parseDType } from "../dtype.ts";
import { NpyAppendArraySync } from "../npy_append_array_sync.ts";
import {
  BATCH_BYTES,
  batches,
  type NpySource,
  openSource,
} from "./_npy_source.ts";
import { planNpyOutput, writeOutput } from "./_files.ts";
import { Progress } from "./_progress.ts";
import { shapeText } from "./info.ts";
import { growthAxis } from "../_layout.ts";
import { expandStacks } from "./stack.ts";

/** Inputs in the other order than the output are read whole up to this size. */
const WHOLE_READ_LIMIT = 64 << 20;

interface Target {
  dtype: DType;
  fortranOrder: boolean;
  shape: readonly number[];
}

function realpath(path: string): string {
  const g = globalThis as {
    Deno?: { realPathSync(p: string): string };
    process?: { getBuiltinModule?: (n: string) => unknown };
  };
  try {
    if (g.Deno !== undefined) return g.Deno.realPathSync(path);
    const fs = g.process?.getBuiltinModule?.("node:fs") as
      | { realpathSync(p: string): string }
      | undefined;
    return fs?.realpathSync(path) ?? path;
  } catch {
    return path;
  }
}

function checkInput(
  src: NpySource,
  target: Target,
  casting: Casting,
  out: string,
): void {
  const { header } = src.info;
  const shape = header.shape;
  if (shape.length === 0) {
    throw new RangeError(
      `Cannot concatenate ${src.path}: it holds a 0-d array, which has no axis to join along`,
    );
  }
  const axis = growthAxis(target.fortranOrder, target.shape.length);
  const ok = shape.length === target.shape.length &&
    shape.every((n, i) => i === axis || n === target.shape[i]);
  if (!ok) {
    const want = target.shape.map((n, i) => (i === axis ? "n" : String(n)));
    throw new RangeError(
      `Cannot append ${src.path} of shape ${
        shapeText(shape)
      } to ${out}: its shape must be (${want.join(", ")}${
        want.length === 1 ? "," : ""
      }), matching on every axis but axis ${axis}`,
    );
  }
  if (!canCast(header.dtype, target.dtype, casting)) {
    throw new TypeError(
      `Cannot append ${src.path} to ${out}: dtype "${header.dtype.str}" cannot be cast to "${target.dtype.str}" under casting "${casting}" (see --casting)`,
    );
  }
  if (
    shape.length > 1 && header.fortranOrder !== target.fortranOrder &&
    src.info.dataLength > WHOLE_READ_LIMIT
  ) {
    throw new RangeError(
      `Cannot append ${src.path} to ${out}: it is in ${
        header.fortranOrder ? "Fortran" : "C"
      } order and ${out} in ${
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
npy-stack, see split) stands for its shards, in order.

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
  let casting: Casting;
  try {
    casting = checkCasting(stringOption(args, "casting") ?? "same_kind");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const dtypeText = stringOption(args, "dtype");
  if (dtypeText !== undefined) {
    try {
      parseDType(dtypeText);
    } catch (e) {
      throw new UsageError((e as Error).message.split("\n")[0]!);
    }
  }
  const overwrite = args.options["overwrite"] === true;
  const outReal = realpath(out);
  for (const p of ins) {
    if (realpath(p) === outReal) {
      throw new UsageError(
        `Cannot concatenate ${p} into itself: OUT is also an input`,
      );
    }
  }
  const sources: NpySource[] = [];
  try {
    const max = intOption(args, "max-header-size");
    // A stack folder stands for its shards, in order.
    for (const p of expandStacks(ins)) sources.push(openSource(p, max));
    const first = sources[0]!.info.header;
    const plan = planNpyOutput(out, overwrite, max);
    const writer = NpyAppendArraySync.open(plan.writePath, {
      casting,
      // All or nothing into an existing file, even if killed (a rerun
      // rolls a killed run's appends back first).
      ...(plan.appending ? { atomic: true } : {}),
      ...(max === undefined ? {} : { maxHeaderSize: max }),
      ...(plan.appending ? {} : {
        dtype: dtypeText ?? first.dtype,
        fortranOrder: first.fortranOrder,
      }),
    });
    const progress = new Progress(rt, args.options["no-progress"] !== true);
    await writeOutput(plan, writer, progress, () => {
      if (plan.appending && dtypeText !== undefined) {
        const want = parseDType(dtypeText);
        if (want.str !== writer.dtype) {
          throw new TypeError(
            `Cannot append to ${out}: --dtype "${want.str}" does not match its dtype "${writer.dtype}"`,
          );
        }
      }
      const target: Target = plan.appending
        ? {
          dtype: parseDType(writer.dtype),
          fortranOrder: writer.fortranOrder,
          shape: writer.shape,
        }
        : {
          dtype: parseDType(dtypeText ?? first.dtype),
          fortranOrder: first.fortranOrder,
          shape: first.shape,
        };
      for (const s of sources) checkInput(s, target, casting, out);
      const total = sources.reduce((a, s) => a + s.info.dataLength, 0);
      progress.start(`concat ${out}`, total);
      for (const s of sources) {
        const h = s.info.header;
        const whole = h.shape.length > 1 &&
          h.fortranOrder !== target.fortranOrder;
        for (
          const b of batches(s, whole ? Number.MAX_SAFE_INTEGER : BATCH_BYTES)
        ) {
          writer.append({
            data: b.data,
            shape: b.shape,
            dtype: h.dtype,
            fortranOrder: h.fortranOrder,
          });
          progress.add(b.bytes);
        }
      }
    });
  } finally {
    for (const s of sources) s.file.closeSync();
  }
  return 0;
}
