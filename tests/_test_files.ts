/**
 * Files and folders as bytes, for tests that compare them before and after
 * a refused call.
 *
 * @module
 */

import {
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** Every file under `dir` and its bytes, as one comparable text. */
export function folderSnapshot(dir: string): string {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    out.push(
      statSync(p).isDirectory()
        ? `${name}/ ${folderSnapshot(p)}`
        : `${name} ${readFileSync(p).toString("hex")}`,
    );
  }
  return out.join("\n");
}

/**
 * A file as NumPy < 1.23 wrote it, with no room in its header for the
 * growth axis to grow: rows 0, 1, 2 of `<f8` in shape `(3, 1, ..., 1)`
 * (15 axes fill its 128 bytes).
 */
export function compactHeaderFile(): Uint8Array {
  const shape = [3, ...Array(14).fill(1)];
  const bytes = new Uint8Array(128 + 24);
  const text = `{'descr': '<f8', 'fortran_order': False, 'shape': (${
    shape.join(", ")
  }), }`;
  bytes.set([0x93, 78, 85, 77, 80, 89, 1, 0, 118, 0]);
  bytes.set(new TextEncoder().encode(text.padEnd(117, " ") + "\n"), 10);
  bytes.set(new Uint8Array(new Float64Array([0, 1, 2]).buffer), 128);
  return bytes;
}

/**
 * Writes `bytes` as the `info` of the stack `dir` as a writer killed
 * between a seal and the rewrite of `info` leaves it: `info` older than
 * every shard (its shards past it are then a killed writer's, read; an
 * `info` written now would make them look left over from a rewrite).
 */
export function writeOldInfo(dir: string, bytes: Uint8Array): void {
  const info = join(dir, "info");
  writeFileSync(info, bytes);
  const times = readdirSync(dir).filter((n) => /^\d+\.npy$/.test(n))
    .map((n) => statSync(join(dir, n)).mtimeMs);
  const t = new Date(Math.min(Date.now(), ...times) - 1000);
  utimesSync(info, t, t);
}
