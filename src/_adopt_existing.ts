/**
 * Opening an existing file for a writer: its header read into the
 * writer's state (see `AppendCore.adopt`).
 *
 * @module
 */

import type { AppendCore } from "./_append_core.ts";
import { type FileInfo, inspect } from "./_inspect.ts";
import { withFileName } from "./_error_label.ts";
import type { IoSteps } from "./_io.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import { descrValue, type DType } from "./dtype.ts";
import { HeaderMaker } from "./_header_maker.ts";
import { pyRepr } from "./py_literal.ts";
import { ambiguousOrder } from "./_layout.ts";

/** Reads an existing file's header into the core (generator). */
export function* adoptExisting(
  core: AppendCore,
  options: NpyAppendArrayOptions,
): IoSteps<void> {
  let info: FileInfo;
  try {
    info = yield* inspect(options.maxHeaderSize);
  } catch (e) {
    throw withFileName(e, "open", core.label);
  }
  core.adopt(info, options);
}

/** The header maker of an adopted file, in the order adopted. */
export function headerMakerOf(
  header: FileInfo["header"],
  order: boolean,
): HeaderMaker {
  return new HeaderMaker(
    pyRepr(descrValue(header.dtype)),
    order,
    header.headerLength,
    header.version[0],
  );
}

/**
 * The order a writer adopts an existing file in, refusing a dtype or
 * order other than the options ask for (see `checkSameLayout`). A shape
 * that reads the same in both orders (np.save's C-order header of a
 * Fortran `(3, 1)` array) takes the order asked for from 2 axes on, as it
 * decides the growth axis; the writer's header says so before the first
 * append's data (a file cut off after the data still recovers along the
 * right axis; the array it describes is the same in both orders). A 1-d
 * file keeps its header (it grows along axis 0 either way).
 */
export function adoptedOrder(
  shown: string,
  want: { dtype?: DType | undefined; unsized?: TypeError | undefined },
  options: NpyAppendArrayOptions,
  header: { dtype: DType; fortranOrder: boolean; shape: readonly number[] },
): boolean {
  const asked = options.fortranOrder;
  checkSameLayout(shown, want.dtype, asked, header, want.unsized);
  return asked !== undefined && header.shape.length > 1 &&
      ambiguousOrder(header.shape)
    ? asked
    : header.fortranOrder;
}

/** The fix for an existing file opened with another `option`. */
const KEEP_FIX = (option: string): string =>
  `leave ${option} out to append in the file's (appends are cast to it), or pass deleteIfExists: true to start afresh`;

/**
 * Refuses an existing file whose dtype or order is not the one the
 * writer's options ask for (`want`, `fortranOrder`). A file whose shape
 * reads the same in both orders (1-d, or at most one axis longer than 1:
 * `np.save` writes a Fortran-order one with C order) cannot mismatch.
 */
export function checkSameLayout(
  shown: string,
  want: DType | undefined,
  fortranOrder: boolean | undefined,
  header: { dtype: DType; fortranOrder: boolean; shape: readonly number[] },
  unsized?: TypeError,
): void {
  if (want !== undefined && want.str !== header.dtype.str) {
    // "S" names a file's own |S0 (as readNpy reports it); else its refusal.
    if (unsized !== undefined) throw unsized;
    throw new TypeError(
      `Cannot append to ${shown}: dtype "${want.str}" does not match file dtype "${header.dtype.str}"; ${
        KEEP_FIX("dtype")
      }`,
    );
  }
  if (
    fortranOrder !== undefined && fortranOrder !== header.fortranOrder &&
    !ambiguousOrder(header.shape)
  ) {
    throw new TypeError(
      `Cannot append to ${shown}: fortranOrder ${fortranOrder} does not match the file (${header.fortranOrder}); ${
        KEEP_FIX("fortranOrder")
      }`,
    );
  }
}
