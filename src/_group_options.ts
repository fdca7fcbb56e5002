/**
 * The options of a group writer and of its members, and their checks.
 *
 * @module
 */

import type { DTypeSpec } from "./dtype.ts";
import type { Casting } from "./casting.ts";
import { checkOptions } from "./_options_check.ts";
import { MEMBER_OPTIONS } from "./_option_kinds.ts";

/** How one member is declared: its dtype, or options. */
export interface GroupMemberOptions {
  /** The dtype (default: from the first append, as `NpyAppendArray`). */
  dtype?: DTypeSpec;
  /** Grow along the last axis (default `false`). */
  fortranOrder?: boolean;
  /** The casting rule of this member (default: the group's). */
  casting?: Casting;
}

/** A member declaration: a dtype such as `"<f4"`, or {@linkcode GroupMemberOptions}. */
export type GroupMemberSpec = DTypeSpec | GroupMemberOptions;

/** Options of `NpyGroupWriter.open` and `NpyGroupWriterSync.open`. */
export interface NpyGroupWriterOptions {
  /**
   * The members, by name: `{ x: "<f4", y: "<i8", t: "M8[ms]" }`. Needed
   * for a new group; for an existing one it may be left out, and if given
   * must name the same members (dtypes given must match). Names: letters,
   * digits, `_`, `-`, `.` (not first or last), at most 100 characters; a
   * new group takes no Windows device name (`con`) and no two names that
   * differ only in case.
   */
  members?: Record<string, DTypeSpec | GroupMemberOptions>;
  /** Start a new group even if one exists, removing its files (default `false`). */
  deleteIfExists?: boolean;
  /** How appended data may be cast to each member's dtype (default `"same_kind"`). */
  casting?: Casting;
  /** Data reaches stable storage before the headers that cover it (default `false`). */
  fsync?: boolean;
  /** Largest member header accepted when opening (default 10,000). */
  maxHeaderSize?: number;
  /**
   * Rows per shard: every member becomes a Dask npy-stack, the folder
   * `DIR/<name>/` (`0.npy`, `1.npy`, ..., `info`), whose sealed shards all
   * hold this many rows, so shard `k` of every member holds the same rows.
   * Recorded in `group.json`: an existing group continues with it.
   */
  shardRows?: number;
  /**
   * Data bytes per shard: every member becomes a stack whose shards seal
   * after the append that passes this size (each member on its own).
   * May be combined with `shardRows`; either seals.
   */
  shardBytes?: number;
}

/** Whether a member declaration is a dtype rather than options. */
function isDTypeSpec(spec: unknown): spec is DTypeSpec {
  return typeof spec === "string" || Array.isArray(spec) ||
    (typeof spec === "object" && spec !== null && "itemsize" in spec &&
      "str" in spec);
}

/**
 * A member's options from its declaration `spec` (a dtype or options),
 * checked; a TypeError naming the group and member otherwise.
 */
export function memberOptions(
  dir: string,
  name: string,
  spec: GroupMemberSpec | undefined,
): GroupMemberOptions {
  if (spec === undefined) return {};
  if (isDTypeSpec(spec)) return { dtype: spec };
  if (typeof spec !== "object" || spec === null) {
    throw new TypeError(
      `Cannot open group "${dir}": member "${name}" must be declared by a dtype such as "<f4" or by options { dtype, fortranOrder, casting }`,
    );
  }
  const label = `group "${dir}": member "${name}"`;
  spec = checkOptions(spec, "open", { label }, MEMBER_OPTIONS);
  return spec;
}
