/**
 * The state and the checks of a group writer, shared by
 * `NpyGroupWriter` and `NpyGroupWriterSync`.
 *
 * @module
 */

import { finishedButLocked } from "./_lock_release.ts";
import { parseDType } from "./dtype.ts";
import { handOver } from "./_prepare.ts";
import {
  type ArrayInput,
  prepareArray,
  type PreparedArray,
} from "./array_input.ts";
import { toPath } from "./_path_fs.ts";
import type { HeldLock } from "./_lock.ts";
import { lockMadeFolder, removeMadeFolder } from "./_folder_lock.ts";
import { refuseLongName } from "./_lock_names.ts";
import { removeDeadTempsBeside } from "./_path_whole.ts";
import {
  fileSize,
  GROUP_FORMAT,
  GROUP_VERSION,
  type GroupInfo,
  groupJsonPath,
  type GroupMemberInfo,
  memberInfo,
  memberPath,
  pathOf,
  readGroupJson,
  writeGroupJson,
} from "./_group_layout.ts";
import { cutGroupSync } from "./_group_cut.ts";
import { pathFs } from "./_path_fs.ts";
import { FileMember, type MemberStore, StackMember } from "./_group_members.ts";
import { sealLiveSync } from "./_group_stack.ts";
import { checkMemberName, checkPortableNames } from "./_group_names.ts";
import { checkGroupFolder, lostGroupJsonHint } from "./_group_rebuild.ts";
import {
  checkDeclared,
  checkRotation,
  groupRotation,
  holdsStack,
  refuseOneFile,
  removeGroup,
} from "./_group_open.ts";
import { folderId, folderMoved, movedFolderError } from "./_stack_folder.ts";
import { checkWriterOptions } from "./_options_check.ts";
import { memberOptions, type NpyGroupWriterOptions } from "./_group_options.ts";
import { grownShape } from "./_layout.ts";
import { groupCloseLeft, undoRefusal } from "./_close_error.ts";

/** One member's part of a checked append. */
interface Planned {
  member: MemberStore;
  /** What the member's writer is given: the prepared array, converted once. */
  input: ArrayInput;
  prepared: PreparedArray;
  /** Whether the member holds nothing yet (no header written). */
  fresh: boolean;
  /** The member's place in the group. */
  index: number;
}

/** The state shared by the sync and async group writers. */
export class GroupCore {
  readonly dir: string;
  readonly members: MemberStore[];
  #info: GroupInfo;
  #lock: HeldLock | null;
  #length: number;
  readonly #fsync: boolean;
  /** The member names, for messages. */
  readonly #list: string;
  /** Each member's shape (`[]` before its first append), kept up to date. */
  #shapes: number[][];
  /** The folder's identity at open (see `folderMoved`). */
  readonly #folderId: string | null;
  closed = false;
  broken = false;
  /** What made the last undo fail, for the refusals that follow. */
  #undoFailure: unknown = undefined;
  /** Each member's state at the acknowledged length (see `MemberStore.mark`). */
  #marks: unknown[] = [];

  private constructor(
    dir: string,
    members: MemberStore[],
    info: GroupInfo,
    lock: HeldLock,
    length: number,
    fsync: boolean,
  ) {
    this.#fsync = fsync;
    this.#list = members.map((m) => m.name).join(", ");
    this.#shapes = members.map((m) => m.shape());
    this.dir = dir;
    this.members = members;
    this.#info = info;
    this.#lock = lock;
    this.#length = length;
    this.#folderId = folderId(dir);
  }

  /** Rows in every member. */
  get length(): number {
    return this.#length;
  }

  static open(target: string | URL, options: NpyGroupWriterOptions): GroupCore {
    const dir = toPath(target);
    const rot = groupRotation(dir, options);
    const specs = options.members;
    // (An array made members named "0", "1", ...)
    if (
      specs !== undefined &&
      (typeof specs !== "object" || specs === null || Array.isArray(specs))
    ) {
      throw new TypeError(
        `Cannot open group "${dir}": members must be an object such as { x: "<f4", y: "<i8" }${
          Array.isArray(specs) ? ", not an array (a name for each member)" : ""
        }`,
      );
    }
    const names = specs === undefined ? [] : Object.keys(specs);
    for (const name of names) checkMemberName(dir, name, rot !== undefined);
    const declared = new Map(
      names.map((n) => [n, memberOptions(dir, n, specs![n])]),
    );
    // Before any I/O (a truthy "no" as deleteIfExists removed the group,
    // a bad member fortranOrder was written to group.json).
    const { deleteIfExists, fsync, maxHeaderSize, casting } = options;
    checkWriterOptions(
      { deleteIfExists, fsync, maxHeaderSize, casting },
      `group "${dir}"`,
    );
    // An unsized "S"/"U" names only an existing member's own |S0/<U0.
    const unsized = new Map<string, TypeError>();
    for (const [n, { dtype, fortranOrder, casting }] of declared) {
      const { unsized: u } = checkWriterOptions(
        { dtype, fortranOrder, casting, deleteIfExists },
        `group "${dir}": member "${n}"`,
        true,
      );
      if (u !== undefined) unsized.set(n, u);
    }
    const [refused] = unsized.values();
    refuseLongName(dir, "write");
    checkGroupFolder(dir, "open", true);
    // A group started afresh or new needs its members: refused before
    // any I/O (deleteIfExists removed every file first, a missing folder
    // was made).
    if (
      names.length === 0 &&
      (options.deleteIfExists || fileSize(groupJsonPath(dir)) < 0)
    ) {
      throw new RangeError(
        options.deleteIfExists
          ? `Cannot open group "${dir}": deleteIfExists starts it afresh, so pass its members, such as { members: { x: "<f4", y: "<i8" } }; nothing was removed`
          : `Cannot open group "${dir}": ${
            newGroupText(dir)
          }, such as { members: { x: "<f4", y: "<i8" } }`,
      );
    }
    checkPortableNames(dir, names, options.deleteIfExists === true);
    if (refused && fileSize(groupJsonPath(dir)) < 0) throw refused;
    const { lock, made } = lockMadeFolder(dir, options.fsync ?? false, "write");
    try {
      // A group.json temporary of a writer killed before its rename.
      removeDeadTempsBeside(groupJsonPath(dir));
      let info = options.deleteIfExists ? null : readGroupJson(dir);
      if (options.deleteIfExists) {
        removeGroup(dir, names, options.fsync ?? false);
      }
      let length = 0;
      if (info === null) {
        if (refused !== undefined) throw refused;
        if (names.length === 0) {
          throw new RangeError(
            `Cannot open group "${dir}": it is new, so pass its members, such as { members: { x: "<f4", y: "<i8" } }`,
          );
        }
        for (const name of names) {
          // A file that no group.json lists is not ours to adopt or delete.
          const path = memberPath(dir, name, rot !== undefined);
          if (rot !== undefined ? holdsStack(path) : fileSize(path) >= 0) {
            throw new RangeError(
              `Cannot create group "${dir}": ${unlistedText(dir, path)}`,
            );
          }
        }
        info = {
          format: GROUP_FORMAT,
          version: GROUP_VERSION,
          members: names.map((n) => {
            const o = declared.get(n)!;
            return memberInfo(
              n,
              o.dtype === undefined ? null : parseDType(o.dtype).str,
              o.fortranOrder ?? false,
              rot,
            );
          }),
        };
        writeGroupJson(dir, info, options.fsync ?? false);
      } else {
        checkDeclared(dir, info, declared, unsized);
        checkRotation(dir, info, rot);
        refuseOneFile(dir, info, "open");
        // A member's lock file not removed after its count or cut (a
        // failing disk) does not fail the open: the work is done, and the
        // member, opened next in this process, takes the lock over.
        length = cutGroupSync(
          dir,
          info,
          options.maxHeaderSize,
          options.fsync ?? false,
          "open",
          Infinity,
          [],
        );
      }
      const members: MemberStore[] = [];
      try {
        for (const m of info.members) {
          const o = declared.get(m.name) ?? {};
          const opts = {
            ...(m.dtype !== null
              ? { dtype: m.dtype }
              : o.dtype !== undefined
              ? { dtype: o.dtype }
              : {}),
            fortranOrder: m.fortranOrder,
            casting: o.casting ?? options.casting ?? "same_kind",
            rewriteHeaderOnAppend: false,
            ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
            ...(options.maxHeaderSize !== undefined
              ? { maxHeaderSize: options.maxHeaderSize }
              : {}),
          };
          members.push(
            m.stack === undefined
              ? new FileMember(m.name, pathOf(dir, m), opts)
              : new StackMember(m.name, pathOf(dir, m), {
                ...opts,
                ...m.stack,
              }),
          );
        }
      } catch (e) {
        for (const m of members) m.close();
        throw e;
      }
      const core = new GroupCore(
        dir,
        members,
        info,
        lock,
        length,
        options.fsync ?? false,
      );
      // A crash right after a first append can leave group.json without
      // the dtypes the member files now have.
      try {
        core.#recordDTypes();
      } catch (e) {
        // The members' locks too, not only the group's.
        for (const m of members) m.close();
        throw e;
      }
      return core;
    } catch (e) {
      // Still locked: no other writer's. A group.json written stays (a
      // group with no rows), and so does the folder holding it.
      removeMadeFolder(dir, made);
      lock.release();
      throw e;
    }
  }

  checkOpen(): void {
    if (this.closed) {
      throw new TypeError(
        `Cannot append to group "${this.dir}": the writer is closed`,
      );
    }
    if (this.broken && this.#moved()) {
      throw movedFolderError(
        this.dir,
        "append to",
        `an earlier write failed and could not be undone at the old place; close this writer, call recoverGroup where the folder went, and open the group there to go on`,
        `group "${this.dir}"`,
      );
    }
    // An undo that failed (an I/O error, a stack's info on a full disk)
    // is tried again first.
    if (this.broken) this.#undo();
    if (this.broken) {
      throw undoRefusal(
        this.#undoFailure,
        `Cannot append to group "${this.dir}": an earlier write failed and could not be undone; close the writer, then call recoverGroup`,
        this.#length,
      );
    }
  }

  /** Checks an append entirely, writing nothing. */
  plan(arrays: Record<string, ArrayInput>): { rows: number; parts: Planned[] } {
    this.checkOpen();
    const dir = this.dir;
    const list = this.#list;
    if (
      typeof arrays !== "object" || arrays === null || Array.isArray(arrays)
    ) {
      throw new TypeError(
        `Cannot append to group "${dir}": pass one array per member, as { ${list} }`,
      );
    }
    // Every member is looked up below: with as many keys, none is extra.
    const keys = Object.keys(arrays);
    for (const key of keys.length > this.members.length ? keys : []) {
      if (!this.members.some((m) => m.name === key)) {
        throw new RangeError(
          `Cannot append to group "${dir}": it has no member "${key}"; its members are ${list}`,
        );
      }
    }
    let rows = -1;
    let first = "";
    const parts: Planned[] = [];
    const members = this.members;
    for (let m = 0; m < members.length; m++) {
      const member = members[m]!;
      const input = arrays[member.name];
      if (input === undefined) {
        throw new RangeError(
          `Cannot append to group "${dir}": member "${member.name}" is missing; pass one array per member, as { ${list} }`,
        );
      }
      const prepared = prepareArray(input, member.prepareOptions());
      const shape = prepared.shape;
      const have = this.#shapes[m]!;
      const axis = member.fortranOrder ? shape.length - 1 : 0;
      if (shape.length === 0) {
        throw new RangeError(
          `Cannot append a 0-d array to member "${member.name}" of group "${dir}": arrays need at least one axis to grow along`,
        );
      }
      if (have.length > 0) {
        grownShape(
          {
            shape: have,
            fortranOrder: member.fortranOrder,
            dtype: member.dtype() ?? prepared.dtype,
          },
          shape,
          `member "${member.name}" of group "${dir}"`,
          "member",
        );
      }
      const n = shape[axis]!;
      if (rows === -1) {
        rows = n;
        first = member.name;
      } else if (n !== rows) {
        throw new RangeError(
          `Cannot append to group "${dir}": member "${member.name}" has ${n} rows but "${first}" has ${rows}; every member needs the same number of rows`,
        );
      }
      parts.push({
        member,
        input: handOver(prepared, member.fortranOrder),
        prepared,
        fresh: have.length === 0,
        index: m,
      });
    }
    if (!Number.isSafeInteger(this.#length + rows)) {
      throw new RangeError(
        `Cannot append to group "${dir}": it would hold ${
          this.#length + rows
        } rows, past 2**53 - 1 (the largest count a JS number holds exactly); write the rows to another group`,
      );
    }
    return { rows, parts };
  }

  /** Writes a checked append: empty files for new members, data, headers. */
  write(plan: { rows: number; parts: Planned[] }): void {
    const { rows, parts } = plan;
    let fresh: Planned[] | undefined;
    for (const p of parts) if (p.fresh) (fresh ??= []).push(p);
    if (rows === 0 && fresh === undefined) return;
    // Before any write: a failure the undo cannot reach writes nothing.
    // New members' files and dtypes are made by path, as a stack's seal.
    if (fresh !== undefined) this.#checkPlace();
    try {
      for (const p of parts) p.member.checkPlace?.(rows);
    } catch (e) {
      this.#checkPlace(e);
      throw e;
    }
    // The new members' dtypes are recorded first: a failure there (a full
    // disk) leaves nothing written, and one after it leaves a group of 0
    // rows whose members are missing or empty, which opens as such.
    if (fresh !== undefined) this.#recordDTypes(fresh);
    let marked = false;
    try {
      for (const p of fresh ?? []) {
        // A valid header-only file first, so a crash inside the first
        // append leaves every member file empty, missing or valid.
        const shape = [...p.prepared.shape];
        shape[p.member.fortranOrder ? shape.length - 1 : 0] = 0;
        p.member.append({ data: [], shape, dtype: p.prepared.dtype });
      }
      if (rows > 0) {
        // After the header-only files, which the undo keeps.
        this.#marks = this.members.map((m) => m.mark());
        marked = true;
        for (const p of parts) p.member.append(p.input);
        for (const p of parts) p.member.commit();
      }
    } catch (e) {
      if (marked) this.#undo();
      else this.#shapes = this.members.map((m) => m.shape());
      throw e;
    }
    this.#length += rows;
    for (const p of parts) {
      const shape = this.#shapes[p.index]!;
      if (p.fresh) this.#shapes[p.index] = [...p.prepared.shape];
      else shape[p.member.fortranOrder ? shape.length - 1 : 0]! += rows;
    }
  }

  /** Whether another program moved, removed or replaced the group's folder. */
  #moved(): boolean {
    return folderMoved(pathFs(), this.dir, this.#folderId);
  }

  /**
   * Refuses an append that would write by path (a new member's file, its
   * dtype in `group.json`, a stack member's seal) once the folder is not
   * the one opened: it would fail at the old place, or write there.
   * Appends to members' open files go on: they moved with the folder.
   */
  #checkPlace(cause?: unknown): void {
    if (!this.#moved()) return;
    throw movedFolderError(
      this.dir,
      "append to",
      `nothing of this append was written, and the ${this.#length} rows before it are where the folder went; close this writer and open the group there to go on`,
      `group "${this.dir}"`,
      cause,
    );
  }

  /**
   * Puts every member back to the acknowledged length after a failure,
   * under the locks and files held: no new file (`MemberStore.undoTo`).
   */
  #undo(): void {
    let failure: unknown = undefined;
    this.members.forEach((m, i) => {
      let why: unknown;
      try {
        why = m.undoTo(this.#marks[i]);
      } catch (e) {
        why = e;
      }
      failure ??= why;
    });
    this.#shapes = this.members.map((m) => m.shape());
    this.broken = failure !== undefined;
    this.#undoFailure = failure;
  }

  /** Records in `group.json` the dtypes of members that have one (or of `fresh`, about to be written). */
  #recordDTypes(fresh?: Planned[]): void {
    const members = this.#info.members.map((m, i): GroupMemberInfo =>
      m.dtype !== null ? m : memberInfo(
        m.name,
        (fresh?.find((p) => p.index === i)?.prepared.dtype ??
          this.members[i]!.dtype())?.str ?? null,
        m.fortranOrder,
        m.stack,
      )
    );
    if (members.every((m, i) => m === this.#info.members[i])) return;
    this.#info = { ...this.#info, members };
    writeGroupJson(this.dir, this.#info, this.#fsync);
  }

  close(): void {
    if (this.closed) return;
    // A failed undo tried once more: the members then close as usual.
    if (this.broken && !this.#moved()) this.#undo();
    this.closed = true;
    let error: unknown = undefined;
    for (const m of this.members) {
      try {
        m.close();
      } catch (e) {
        error ??= e;
      }
    }
    const failed = this.broken || error !== undefined;
    const moved = failed && this.#moved();
    const stacks = this.#info.members.some((m) => m.stack !== undefined);
    let left: unknown = undefined;
    const locksLeft: unknown[] = [];
    if (failed && !moved) {
      try {
        cutGroupSync(
          this.dir,
          this.#info,
          undefined,
          this.#fsync,
          "recover",
          Infinity,
          locksLeft,
        );
        // Live shards that the cut leaves, which Dask does not read.
        for (const m of this.broken ? this.#info.members : []) {
          const p = pathOf(this.dir, m);
          if (m.stack) {
            sealLiveSync(p, m.fortranOrder, this.#fsync, undefined, locksLeft);
          }
        }
      } catch (e) {
        left = e; // for recoverGroup
      }
    }
    // Its lock file not removed (a failing disk): said after any failure.
    let unlocked: unknown = undefined;
    try {
      this.#lock?.release();
    } catch (e) {
      unlocked = finishedButLocked(e, "close", this.dir);
    }
    // A member's, left by the cut above: told the same way.
    if (locksLeft.length > 0) {
      unlocked ??= finishedButLocked(locksLeft[0], "close", this.dir);
    }
    this.#lock = null;
    if (moved) {
      // A stack member's seal (by path) refused: its live shard stays.
      throw movedFolderError(
        this.dir,
        "close",
        `its ${this.#length} rows are where the folder went${
          stacks
            ? ", the last in its members' live shards (.npy.part), which the next writer seals"
            : ""
        }; open the group there to go on${
          this.broken ? " (call recoverGroup there first)" : ""
        }`,
        `group "${this.dir}"`,
        error,
      );
    }
    if (this.broken && (left ?? error) !== undefined) {
      throw groupCloseLeft(
        left ?? error,
        this.dir,
        this.#length,
        stacks,
        false,
      );
    }
    // A stack's seal failed (info on a full disk): Dask misses rows.
    if (error !== undefined && stacks) {
      throw groupCloseLeft(error, this.dir, this.#length, stacks, true);
    }
    if (error !== undefined) throw error;
    if (unlocked !== undefined) throw unlocked;
  }
}

/** Why a group without `group.json` needs its members, and the way out of a lost one. */
function newGroupText(dir: string): string {
  const hint = lostGroupJsonHint(dir);
  return hint === ""
    ? "it is new, so pass its members"
    : `it has no group.json${hint}; otherwise pass its members`;
}

/** A member file no `group.json` lists: neither adopted nor deleted. */
function unlistedText(dir: string, path: string): string {
  const hint = lostGroupJsonHint(dir);
  return `"${path}" already exists and no group.json lists it${hint}; ${
    hint === "" ? "" : "otherwise "
  }move it out of the folder, or use another folder`;
}
