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
import type { DType } from "./dtype.ts";
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
): void {
  if (want !== undefined && want.str !== header.dtype.str) {
    throw new TypeError(
      `Cannot append to ${shown}: dtype "${want.str}" does not match file dtype "${header.dtype.str}"`,
    );
  }
  if (
    fortranOrder !== undefined && fortranOrder !== header.fortranOrder &&
    !ambiguousOrder(header.shape)
  ) {
    throw new TypeError(
      `Cannot append to ${shown}: fortranOrder ${fortranOrder} does not match the file (${header.fortranOrder})`,
    );
  }
}
