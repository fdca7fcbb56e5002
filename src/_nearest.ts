/**
 * The known name nearest to a misspelt one, for the "did you mean"
 * of unknown options, input keys and dtype names.
 *
 * @module
 */

/**
 * The known key nearest to `key` (case or up to two edits apart), if any.
 *
 * @param key A key.
 * @param keys The keys known.
 * @returns The nearest, or `undefined`.
 */
export function nearest(
  key: string,
  keys: readonly string[],
): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestCost = 3;
  for (const k of keys) {
    const cost = k.toLowerCase() === lower ? 0 : edits(lower, k.toLowerCase());
    if (cost < bestCost) [best, bestCost] = [k, cost];
  }
  return best;
}

/** The edit distance of `a` and `b` (insertions, deletions, changes). */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}
