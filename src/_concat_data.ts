/**
 * Joining the decoded data of consecutive pieces of an array (the shards a
 * stack read touches).
 *
 * @module
 */

import type { NpyData } from "./decode.ts";

/** Concatenates flat data along the growth axis (the slowest in both orders). */
export function concatData(parts: NpyData[]): NpyData {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  if (Array.isArray(first)) {
    return (first as unknown[]).concat(
      ...parts.slice(1) as unknown[][],
    ) as NpyData;
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const Ctor = first.constructor as new (
    n: number,
  ) => Exclude<NpyData, unknown[]>;
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    (out as unknown as { set(a: ArrayLike<unknown>, at: number): void }).set(
      p as ArrayLike<unknown>,
      at,
    );
    at += p.length;
  }
  return out;
}
