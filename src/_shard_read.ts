/**
 * A stack reader's read of one shard's rows, refusing a shard that is not
 * the one the reader scanned.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { itemsPerRow } from "./_layout.ts";
import { NpyReader } from "./npy_reader.ts";
import type { NpyData } from "./decode.ts";
import { headerCapOption, isMissing, shardRows } from "./_stack_scan.ts";

/**
 * Reads rows `[a, b)` (along the stack's growth axis) of one shard, from
 * the first of `paths` that exists: the live `{n}.npy.part`, then the
 * `{n}.npy` it is renamed to when sealed meanwhile (same rows).
 *
 * @param paths Where the shard is, in the order to try.
 * @param a First row.
 * @param b End row, exclusive.
 * @param fortran The stack's order.
 * @param shape The stack's shard shape (for items per row).
 * @param expect The shard's dtype and rows as the reader scanned them
 *   (`rows` undefined for the live shard), to refuse another stack's.
 * @param maxHeaderSize The header size cap, as the stack was opened with.
 * @returns The rows' data.
 */
export function readShardRows(
  paths: readonly string[],
  a: number,
  b: number,
  fortran: boolean,
  shape: readonly number[],
  expect?: { dtype: string; rows: number | undefined },
  maxHeaderSize?: number,
): NpyData {
  for (let k = 0;; k++) {
    try {
      const r = NpyReader.openSync(paths[k]!, {
        allowIncomplete: true,
        ...headerCapOption(maxHeaderSize),
      });
      try {
        if (expect !== undefined) {
          checkShardAsScanned(r, paths[k]!, b, fortran, expect);
        }
        if (r.fortranOrder === fortran || r.shape.length === 0) {
          return r.readSync(a, b).data;
        }
        // A sealed shard of a Fortran-order stack that reads the same in
        // C order, and has np.save's C-order header: rows of the stack
        // are runs of `per` items.
        const per = itemsPerRow(shape, fortran);
        if (r.shape.slice(1).every((d) => d === 1)) {
          return r.readSync(a * per, b * per).data;
        }
        return r.readSync().data.slice(a * per, b * per) as NpyData;
      } finally {
        r.closeSync();
      }
    } catch (e) {
      if (!isMissing(e) || k + 1 >= paths.length) throw e;
    }
  }
}

/**
 * Refuses a shard that is not the one a reader scanned: a replacing
 * writer (`deleteIfExists`) made the stack afresh under the reader, and
 * its shards read with the old chunks or dtype would be a mix of neither
 * stack. A sealed shard has the rows scanned; a live one at least `end`.
 */
function checkShardAsScanned(
  r: NpyReader,
  path: string,
  end: number,
  fortran: boolean,
  expect: { dtype: string; rows: number | undefined },
): void {
  const rows = shardRows(
    { shape: r.shape, dtype: r.dtype, fortranOrder: r.fortranOrder },
    fortran,
  );
  const fits = expect.rows === undefined ? rows >= end : rows === expect.rows;
  if (r.dtype === expect.dtype && (r.shape.length === 0 || fits)) return;
  throw new NpyFormatError(
    "changed",
    `it holds ${rows} rows of "${r.dtype}" where the reader found ${
      expect.rows ?? `at least ${end}`
    } of "${expect.dtype}": the stack was replaced (a writer opened with deleteIfExists) or changed since the reader was opened; open it again`,
    { file: path, verb: "read" },
  );
}
