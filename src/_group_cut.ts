/**
 * The members of a group against its `group.json`: whether each holds
 * rows (`memberState`), the refusals of a member lost or holding another
 * dtype or order than recorded, and the count and cut of every member to
 * the rows all of them hold (`recoverGroup`, the writer's open).
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { runtimeError } from "./_system_error.ts";
import { pathFs } from "./_path_fs.ts";
import {
  CHUNK_SIZE,
  infoSteps,
  onTargetSync,
  recoverPlan,
  recoverSteps,
} from "./_maintenance.ts";
import { cutStackSync, sealLiveSync, stackRowsSync } from "./_group_stack.ts";
import { scanStack } from "./_stack_scan.ts";
import { evenIfLockLeft } from "./_lock_release.ts";
import {
  dirFs,
  fileSize,
  type GroupInfo,
  type GroupMemberInfo,
  join,
  pathOf,
  readGroupJson,
} from "./_group_layout.ts";

/**
 * Whether a member holds nothing: `"absent"` when its file (or stack
 * folder) is missing or empty and `group.json` has no dtype for it yet (a
 * crash inside the first append: 0 rows), `"lost"` when `group.json`
 * records its dtype (its file was written, then lost) or the path holds
 * the wrong kind of entry (a folder for a file, a file for a stack);
 * `"present"` otherwise.
 */
export function memberState(
  dir: string,
  m: GroupMemberInfo,
): "present" | "absent" | "lost" {
  const path = pathOf(dir, m);
  let isDir: boolean;
  let size: number;
  try {
    const st = dirFs().statSync(path);
    isDir = st.isDirectory();
    size = st.size;
  } catch (e) {
    const code = (e as { code?: string }).code;
    // A symlink loop ...: the path's error, with the fix.
    if (code !== "ENOENT" && code !== "ENOTDIR") {
      throw runtimeError(e, "open", path);
    }
    return m.dtype === null ? "absent" : "lost";
  }
  if (isDir !== (m.stack !== undefined)) return "lost";
  const empty = m.stack === undefined
    ? size === 0
    // In the writer's order: its first seal renames 0.npy.part to 0.npy,
    // then writes info, so a name gone by its look has become the next
    // (looked at the other way, a seal between the looks at 0.npy and
    // 0.npy.part found none: a live group read as damaged, stop 27).
    : !["0.npy.part", "0.npy", "info"].some((f) => fileSize(join(path, f)) > 0);
  return !empty ? "present" : m.dtype === null ? "absent" : "lost";
}

/**
 * Refuses a group where a member is lost while another holds rows: cutting
 * to the lost member's 0 rows would drop acknowledged rows.
 *
 * @throws {NpyFormatError} naming the lost member's path and the fix.
 */
export function refuseLost(
  dir: string,
  info: GroupInfo,
  lost: readonly boolean[],
  rows: readonly number[],
  verb: string,
): void {
  // Looked at again: a member found missing before a live writer made it
  // (a reader's looks at the members take turns with its appends) is
  // there now, and the rows counted before it are a prefix (stop 27).
  const i = lost.findIndex((l, k) =>
    l && memberState(dir, info.members[k]!) === "lost"
  );
  if (i < 0) return;
  const j = rows.findIndex((n, k) => !lost[k] && n > 0);
  if (j < 0) return;
  const m = info.members[i]!;
  const path = pathOf(dir, m);
  throw new NpyFormatError(
    "damaged-group",
    `member "${m.name}" ("${path}") is missing, empty or not a ${
      m.stack !== undefined ? "stack folder" : ".npy file"
    }, but group.json records its dtype and member "${
      info.members[j]!.name
    }" holds ${
      rows[j]
    } rows; restore "${path}", or recover the other members by hand (nothing was changed)`,
    { file: dir, verb: `${verb} group`, label: `"${dir}"` },
  );
}

/**
 * Refuses a member holding another dtype or order than `group.json` says
 * (rows counted along the wrong axis would cut every member to that count).
 * @throws {NpyFormatError} naming the member's path, both values and the fix.
 */
function refuseOther(
  dir: string,
  m: GroupMemberInfo,
  dtype: string | undefined,
  fortranOrder: boolean | undefined,
  verb: string,
): void {
  const otherDType = m.dtype !== null && dtype !== undefined &&
    dtype !== m.dtype;
  const otherOrder = fortranOrder !== undefined &&
    fortranOrder !== m.fortranOrder;
  if (!otherDType && !otherOrder) return;
  const order = (f: boolean) => f ? "Fortran order" : "C order";
  const path = pathOf(dir, m);
  const [has, recorded] = otherDType
    ? [`dtype ${JSON.stringify(dtype)}`, `dtype ${JSON.stringify(m.dtype)}`]
    : [order(fortranOrder!), order(m.fortranOrder)];
  throw new NpyFormatError(
    "damaged-group",
    `member "${m.name}" ("${path}") holds ${has} but group.json records ${
      recorded.length > 200 ? recorded.slice(0, 200) + "…" : recorded
    }; make the member's entry in group.json match the ${
      m.stack !== undefined ? "stack" : "file"
    }, or restore "${path}" (nothing was changed)`,
    { file: dir, verb: `${verb} group`, label: `"${dir}"` },
  );
}

/**
 * Refuses an opened member (a reader's) of another dtype or order than
 * `group.json` records, as the writer and `recoverGroup` do; a stack's
 * order only where it has one (more than one axis, as the stack scan).
 * At a refresh (`later`), a `group.json` that no longer records what the
 * reader read at its open is the group replaced (a writer opened with
 * `deleteIfExists`): "open the reader again", not "fix group.json".
 *
 * @throws {NpyFormatError} naming the member's path, both values and the fix.
 */
export function refuseUnlike(
  dir: string,
  m: GroupMemberInfo,
  r: { dtype: string; fortranOrder: boolean; shape: number[] },
  later: boolean,
): void {
  const order = m.stack === undefined || r.shape.length > 1
    ? r.fortranOrder
    : undefined;
  try {
    refuseOther(dir, m, r.dtype, order, "read");
  } catch (e) {
    if (!later) throw e;
    let now: GroupMemberInfo | undefined;
    try {
      now = readGroupJson(dir, "read")?.members.find((x) => x.name === m.name);
    } catch {
      now = undefined;
    }
    if (now?.dtype === m.dtype && now.fortranOrder === m.fortranOrder) {
      throw e;
    }
    throw new NpyFormatError(
      "changed",
      `its group.json no longer records member "${m.name}" as when the reader was opened: the group was replaced (a writer opened with deleteIfExists) or group.json edited; open the reader again`,
      { file: dir, verb: "refresh group", label: `"${dir}"` },
    );
  }
}

/**
 * The rows each member's data holds (whole rows, as `recover` counts
 * them); a member missing or empty before its first append holds 0. A
 * stack member's cut-off live shard is recovered on the way (as reopening
 * the stack would). A member's lock file that cannot be removed once
 * its rows were counted goes into `left` (see `evenIfLockLeft`).
 *
 * @throws {NpyFormatError} when a member is lost while another holds rows
 * (see {@linkcode memberState}).
 */
export function memberRowsSync(
  dir: string,
  info: GroupInfo,
  maxHeaderSize: number | undefined,
  verb: string = "recover",
  chunks: number[][] = [],
  left: unknown[],
): number[] {
  const states = info.members.map((m) => memberState(dir, m));
  const rows = info.members.map((m, i) => {
    if (states[i] !== "present") return 0;
    const path = pathOf(dir, m);
    if (m.stack !== undefined) {
      const scan = scanStack(path, pathFs(), maxHeaderSize, "ours");
      refuseOther(dir, m, scan.dtype?.str, scan.fortranOrder, verb);
      const s = stackRowsSync(path, m.fortranOrder, maxHeaderSize, left);
      chunks[i] = s.chunks;
      return s.rows;
    }
    return evenIfLockLeft<number>(
      (finished) =>
        onTargetSync(path, "read", "recover", function* (label) {
          const fileInfo = yield* infoSteps("recover", label, maxHeaderSize);
          const plan = recoverPlan(fileInfo, label, false);
          const { dtype, fortranOrder } = fileInfo.header;
          const shape = plan.shape;
          // The writer refuses another order too (a 1-d member included).
          const order = fortranOrder === m.fortranOrder
            ? undefined
            : fortranOrder;
          refuseOther(dir, m, dtype.str, order, verb);
          return finished(shape[m.fortranOrder ? shape.length - 1 : 0] ?? 0);
        }),
      left,
    );
  });
  refuseLost(dir, info, states.map((s) => s === "lost"), rows, verb);
  return rows;
}

/**
 * Cuts every member to the rows all of them hold (a stack member's sealed
 * shards and live shard), and to at most `maxRows` (a writer undoing a
 * failed append: its rows may have reached every member); the caller
 * holds the group's lock. A member's lock file that cannot be removed
 * after its step goes into `left`; the rest goes on.
 *
 * @returns The group's length afterwards.
 */
export function cutGroupSync(
  dir: string,
  info: GroupInfo,
  maxHeaderSize: number | undefined,
  fsync: boolean = false,
  verb: string = "recover",
  maxRows: number = Infinity,
  left: unknown[],
): number {
  const chunks: number[][] = [];
  const rows = memberRowsSync(dir, info, maxHeaderSize, verb, chunks, left);
  const n = rows.reduce((a, b) => Math.min(a, b), maxRows);
  // Stack members sealed through n rows (after the cut) and ones that are
  // not: a kill between their seals in one append or in close(). Dask
  // reads sealed shards only, so the others' live shards are sealed too.
  const sealed = chunks.map((c) => {
    let at = 0;
    for (const k of c) {
      if (at + k > n) break;
      at += k;
    }
    return at;
  });
  const sealAll = n > 0 && sealed.includes(n) &&
    sealed.some((at) => at < n);
  info.members.forEach((m, i) => {
    const path = pathOf(dir, m);
    if (m.stack !== undefined) {
      if (rows[i]! > n) {
        cutStackSync(path, n, m.fortranOrder, maxHeaderSize, fsync, left);
      }
      if (sealAll && sealed[i]! < n) {
        sealLiveSync(path, m.fortranOrder, fsync, maxHeaderSize, left);
      }
      return;
    }
    if (memberState(dir, m) !== "present") return;
    evenIfLockLeft(
      (finished) =>
        onTargetSync(path, "write", "recover", function* (label) {
          return finished(
            yield* recoverSteps(label, false, maxHeaderSize, CHUNK_SIZE, n),
          );
        }),
      left,
    );
  });
  return n;
}
