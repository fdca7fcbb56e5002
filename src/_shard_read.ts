/**
 * A stack reader's read of one shard's rows, refusing a shard that is not
 * the one the reader scanned.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { ambiguousOrder, itemsPerRow } from "./_layout.ts";
import { NpyReader } from "./npy_reader.ts";
import type { NpyData } from "./decode.ts";
import {
  headerCapOption,
  isMissing,
  shardPath,
  shardRows,
} from "./_stack_scan.ts";
import { headerShape, openedIdentity } from "./_reader_sources.ts";
import { pathFs } from "./_path_fs.ts";
import { statPath } from "./_path_meta.ts";

/**
 * The file (device, inode and birth time) a stack reader first found for
 * each shard number: a live shard keeps its file when it is sealed
 * (renamed); a replacing writer's shard of the same number is another
 * file, even where the system gave it the old one's inode number (ext4
 * does at once), as it was born later.
 */
export type ShardIds = Map<number, string>;

/** `<dev>-<ino>@<birth ms>` of the file at `path`, `id` its open file's. */
function keyOf(path: string, id?: string | null): string | null {
  const meta = statPath(path, "read");
  const dev = id === undefined ? meta.id : id;
  return dev === null ? null : `${dev}@${meta.born ?? ""}`;
}

/** Notes the file of the sealed shard `n` of `dir`, if not noted yet. */
export function noteShard(ids: ShardIds, dir: string, n: number): void {
  if (ids.has(n)) return;
  const path = shardPath(dir, n);
  try {
    const key = pathFs().exists(path) ? keyOf(path) : null;
    if (key !== null) ids.set(n, key);
  } catch {
    // Noted at its first read instead.
  }
}

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
 * @param ids The shards' files as the reader first found them, and this
 *   shard's number: another file is refused, a first one noted.
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
  ids?: { seen: ShardIds; n: number },
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
        if (ids !== undefined) checkSameFile(r, paths[k]!, ids);
        if (r.fortranOrder === fortran || r.shape.length === 0) {
          return r.readSync(a, b).data;
        }
        // Bytes past a sealed shard's header rows are not read (np.load).
        const whole = expect?.rows === undefined
          ? r.length
          : headerShape(r)![0]!;
        // A sealed shard of a Fortran-order stack that reads the same in
        // C order, and has np.save's C-order header: rows of the stack
        // are runs of `per` items.
        const per = itemsPerRow(shape, fortran);
        if (r.shape.slice(1).every((d) => d === 1)) {
          return r.readSync(a * per, b * per).data;
        }
        return r.readSync(0, whole).data.slice(a * per, b * per) as NpyData;
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
  // A sealed shard holds its header's rows: bytes past them are ignored,
  // as by the scan, np.load and Dask (a live shard's whole rows count).
  const shape = expect.rows === undefined ? r.shape : [...headerShape(r)!];
  const rows = shardRows(
    { shape, dtype: r.dtype, fortranOrder: r.fortranOrder },
    fortran,
  );
  const fits = expect.rows === undefined ? rows >= end : rows === expect.rows;
  // A shard rewritten in the other order (where the order shows) would be
  // read with its items in the wrong places.
  const order = r.fortranOrder === fortran || ambiguousOrder(r.shape);
  if (r.dtype === expect.dtype && order && (r.shape.length === 0 || fits)) {
    return;
  }
  const other = order
    ? ""
    : ` in ${r.fortranOrder ? "Fortran" : "C"} order (the stack's is ${
      fortran ? "Fortran" : "C"
    })`;
  throw new NpyFormatError(
    "changed",
    `it holds ${rows} rows of "${r.dtype}"${other} where the reader found ${
      expect.rows ?? `at least ${end}`
    } of "${expect.dtype}": the stack was replaced (a writer opened with deleteIfExists) or changed since the reader was opened; open it again`,
    { file: path, verb: "read" },
  );
}

/**
 * Refuses a shard that is another file than the one the reader first
 * found under its number: new shards of the same sizes and dtype pass
 * {@linkcode checkShardAsScanned}, and were read as the old stack's rows.
 */
function checkSameFile(
  r: NpyReader,
  path: string,
  ids: { seen: ShardIds; n: number },
): void {
  const id = openedIdentity(r);
  if (id === null) return;
  let key: string | null;
  try {
    key = keyOf(path, id);
  } catch {
    return; // renamed meanwhile (sealed): checked at the next read
  }
  if (key === null) return;
  const was = ids.seen.get(ids.n);
  if (was === undefined) ids.seen.set(ids.n, key);
  if (was === undefined || was === key) return;
  throw new NpyFormatError(
    "changed",
    `it is another file than the one the reader found there: the stack was replaced (a writer opened with deleteIfExists) or changed since the reader was opened; open it again`,
    { file: path, verb: "read" },
  );
}
