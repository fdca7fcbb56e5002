/**
 * The folder layout of a group: `DIR/<name>.npy` per member and
 * `DIR/group.json`, and the few folder operations groups need (create the
 * folder, read and atomically replace `group.json`).
 *
 * `group.json` (format version 1):
 *
 * ```json
 * {
 *   "format": "npy-append-array group",
 *   "version": 1,
 *   "members": [
 *     { "name": "x", "file": "x.npy", "dtype": "<f4", "fortranOrder": false, "axis": 0 },
 *     { "name": "t", "file": "t.npy", "dtype": "<M8[ms]", "fortranOrder": false, "axis": 0 }
 *   ]
 * }
 * ```
 *
 * `dtype` is the descr text as the member's header holds it (`null` until
 * the first append when it was not given); `axis` is the growth axis, `0`,
 * or `-1` (the last) for Fortran order. The row counts are not in it: the
 * members' headers hold them. A group of stacks (`shardRows`/`shardBytes`)
 * records each member as `{ "name": "x", "file": "x", ..., "stack":
 * { "shardRows": 1000 } }`: the member is the Dask npy-stack folder
 * `DIR/x/`, and the rotation is what an existing group continues with.
 *
 * @module
 */

import { NpyFormatError } from "./errors.ts";
import { parseDType } from "./dtype.ts";
import { runtimeError } from "./_system_error.ts";
import { nodeFs } from "./adapters/node.ts";
import { kindName, pathFs, syncDir } from "./_path_fs.ts";
import { tempPathBeside } from "./_path_whole.ts";
import { groupRebuildCall } from "./_group_words.ts";

/** The `format` value of `group.json`. */
export const GROUP_FORMAT = "npy-append-array group";
/** The `version` value of `group.json` written here. */
export const GROUP_VERSION = 1;

/** One member as `group.json` records it. */
export interface GroupMemberInfo {
  /** The member name, a key of `append` and `read`. */
  readonly name: string;
  /** The file in the folder: `<name>.npy`. */
  readonly file: string;
  /** The descr text; `null` until the first append sets it. */
  readonly dtype: string | null;
  /** Whether the member grows along its last axis. */
  readonly fortranOrder: boolean;
  /** The growth axis: `0`, or `-1` (the last) in Fortran order. */
  readonly axis: 0 | -1;
  /**
   * Present when the member is a Dask npy-stack, the folder `DIR/<name>/`
   * (then `file` is `<name>`): the rotation its writer continues with.
   */
  readonly stack?: StackRotation;
}

/** How a stack member rotates its shards (at least one is set). */
export interface StackRotation {
  /** Rows per sealed shard. */
  readonly shardRows?: number;
  /** Data bytes after which a shard is sealed. */
  readonly shardBytes?: number;
}

/** The contents of `group.json`. */
export interface GroupInfo {
  /** Always {@linkcode GROUP_FORMAT}. */
  readonly format: string;
  /** The format version, 1. */
  readonly version: number;
  /** The members, in the order they were given. */
  readonly members: readonly GroupMemberInfo[];
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/**
 * Names a stack member's folder `<name>` (no suffix) cannot take: the
 * group's `group.json`, and another member's lock `<other>.lock` with the
 * takeover files beside it (`<other>.lock.takeover`, ...).
 */
export const STACK_CLASH = /^group\.json$|\.lock(\.|$)/;

/** Whether `name` is a usable member name (see {@linkcode checkMemberName}). */
export function isMemberName(name: string): boolean {
  return NAME.test(name);
}

/** Joins a folder and a name. */
export function join(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}

/** The path of `group.json`. */
export function groupJsonPath(dir: string): string {
  return join(dir, "group.json");
}

/** The path of a member's file (`<name>.npy`) or stack folder (`<name>`). */
export function memberPath(
  dir: string,
  name: string,
  stack: boolean = false,
): string {
  return join(dir, stack ? name : `${name}.npy`);
}

/** The path of a member as `group.json` records it. */
export function pathOf(dir: string, m: GroupMemberInfo): string {
  return memberPath(dir, m.name, m.stack !== undefined);
}

/** Serializes `group.json`: small, one member per line. */
export function groupJsonText(info: GroupInfo): string {
  const lines = info.members.map((m) => `    ${JSON.stringify(m)}`);
  return `{\n  "format": ${
    JSON.stringify(info.format)
  },\n  "version": ${info.version},\n  "members": [\n${
    lines.join(",\n")
  }\n  ]\n}\n`;
}

function bad(dir: string, why: string): never {
  throw new NpyFormatError(
    "damaged-group",
    `its group.json ${why}; write the group again or fix the file`,
    { file: dir, verb: "open group", label: `"${dir}"` },
  );
}

/** Parses and checks `group.json`. */
export function parseGroupJson(dir: string, text: string): GroupInfo {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    bad(dir, `is not JSON (${(e as Error).message})`);
  }
  const o = v as Record<string, unknown>;
  if (typeof o !== "object" || o === null || o.format !== GROUP_FORMAT) {
    bad(dir, `has no "format": ${JSON.stringify(GROUP_FORMAT)}`);
  }
  if (o.version !== GROUP_VERSION) {
    bad(
      dir,
      `has version ${
        JSON.stringify(o.version)
      }; this library reads version ${GROUP_VERSION}`,
    );
  }
  if (!Array.isArray(o.members) || o.members.length === 0) {
    bad(dir, "lists no members");
  }
  const seen = new Set<string>();
  const members = (o.members as unknown[]).map((m) => {
    const r = m as Record<string, unknown>;
    if (typeof r !== "object" || r === null || typeof r.name !== "string") {
      bad(dir, "has a member without a name");
    }
    const name = r.name as string;
    if (!NAME.test(name) || seen.has(name)) {
      bad(dir, `has a bad or repeated member name ${JSON.stringify(name)}`);
    }
    seen.add(name);
    const stack = r.stack === undefined
      ? undefined
      : parseRotation(dir, name, r.stack);
    // Edited by hand: the member's folder would be group.json or a lock.
    if (stack !== undefined && STACK_CLASH.test(name)) {
      bad(
        dir,
        `has a stack member named ${
          JSON.stringify(name)
        }, the name of one of the group's own files (group.json, a member's <name>.lock); give the member another name, in group.json and on its folder`,
      );
    }
    if (r.file !== (stack ? name : `${name}.npy`)) {
      bad(dir, `names file ${JSON.stringify(r.file)} for member "${name}"`);
    }
    if (r.dtype !== null && typeof r.dtype !== "string") {
      bad(dir, `has a bad dtype for member "${name}"`);
    }
    // A dtype edited by hand ("int32", "=i4") is the dtype NumPy reads
    // it as, compared with the member's header by its descr text.
    let dtype = r.dtype as string | null;
    if (dtype !== null) {
      try {
        dtype = parseDType(dtype).str;
      } catch (e) {
        bad(
          dir,
          `has dtype ${
            JSON.stringify(dtype.slice(0, 200))
          } for member "${name}", which is no dtype (${
            (e as Error).message
          }); set it to the dtype of the member's header (or null)`,
        );
      }
    }
    if (typeof r.fortranOrder !== "boolean") {
      bad(dir, `has a bad fortranOrder for member "${name}"`);
    }
    return memberInfo(
      name,
      dtype,
      r.fortranOrder as boolean,
      stack,
    );
  });
  return { format: GROUP_FORMAT, version: GROUP_VERSION, members };
}

function parseRotation(dir: string, name: string, v: unknown): StackRotation {
  const o = v as Record<string, unknown>;
  const ok = (n: unknown) =>
    n === undefined ||
    (typeof n === "number" && Number.isSafeInteger(n) && n > 0);
  if (
    typeof o !== "object" || o === null || !ok(o.shardRows) ||
    !ok(o.shardBytes) || (o.shardRows ?? o.shardBytes) === undefined
  ) {
    bad(dir, `has a bad stack rotation for member "${name}"`);
  }
  return rotation(o.shardRows as number, o.shardBytes as number);
}

/** A rotation record with only the counts that are set. */
export function rotation(
  shardRows: number | undefined,
  shardBytes: number | undefined,
): StackRotation {
  return {
    ...(shardRows !== undefined ? { shardRows } : {}),
    ...(shardBytes !== undefined ? { shardBytes } : {}),
  };
}

/** A member record; `stack` makes it a stack member. */
export function memberInfo(
  name: string,
  dtype: string | null,
  fortranOrder: boolean,
  stack?: StackRotation,
): GroupMemberInfo {
  return {
    name,
    file: stack ? name : `${name}.npy`,
    dtype,
    fortranOrder,
    axis: fortranOrder ? -1 : 0,
    ...(stack ? { stack } : {}),
  };
}

interface DirFs {
  mkdirSync(path: string, options: { recursive: boolean }): void;
  statSync(path: string): { isDirectory(): boolean; size: number };
}

/** `node:fs`, which groups need (they are folders). */
export function dirFs(): DirFs {
  const fs = nodeFs();
  if (fs === undefined) {
    throw new TypeError(
      "Cannot use a group here: this runtime has no file system (node:fs); groups are folders",
    );
  }
  return fs as unknown as DirFs;
}

/** The size of a file, or `-1` when it is missing. */
export function fileSize(path: string): number {
  try {
    return dirFs().statSync(path).size;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return -1;
    throw runtimeError(e, "open", path);
  }
}

/**
 * Largest `group.json` read: a member's line is about 100 bytes, so this
 * is hundreds of thousands of members; a larger one (a sparse file) was
 * read whole, for minutes, or past the memory.
 */
const MAX_GROUP_JSON_BYTES = 64 * 1024 * 1024;

/**
 * Reads `group.json`, or `null` when the folder has none. Through the
 * path layer: anything but a regular file there (a FIFO, on which a read
 * would wait for ever; a folder; a device) is a `TypeError` naming it and
 * the way out: move it away, then `recoverGroup` rebuilds it.
 */
export function readGroupJson(
  dir: string,
  verb: string = "open",
): GroupInfo | null {
  const path = groupJsonPath(dir);
  const fs = pathFs();
  let text: string | null;
  try {
    text = fs.readText(path, MAX_GROUP_JSON_BYTES);
  } catch (e) {
    const k = (() => {
      try {
        return fs.kind(path);
      } catch {
        return "missing";
      }
    })();
    const size = k === "file" ? fs.size(path) ?? 0 : 0;
    if (e instanceof TypeError && size > MAX_GROUP_JSON_BYTES) {
      throw new NpyFormatError(
        "damaged-group",
        `its group.json ${
          JSON.stringify(path)
        } has ${size} bytes, more than any group's (at most ${MAX_GROUP_JSON_BYTES}); move it out of the folder, then ${
          groupRebuildCall(dir)
        } rebuilds group.json from the member files`,
        { file: dir, verb: `${verb} group`, label: JSON.stringify(dir) },
      );
    }
    if (!(e instanceof TypeError) || k === "file" || k === "missing") throw e;
    throw new TypeError(
      `Cannot ${verb} group ${JSON.stringify(dir)}: its group.json ${
        JSON.stringify(path)
      } is ${
        kindName(k)
      }, not a regular file; move it out of the folder, then ${
        groupRebuildCall(dir)
      } rebuilds group.json from the member files`,
    );
  }
  return text === null ? null : parseGroupJson(dir, text);
}

/**
 * Replaces `group.json` atomically: a temporary file in the folder, synced,
 * then renamed over it; with `fsync`, the folder is synced after the rename
 * so that the new name survives a power cut.
 */
export function writeGroupJson(
  dir: string,
  info: GroupInfo,
  fsync: boolean = false,
): void {
  const path = groupJsonPath(dir);
  // Named with the pid: a killed writer's temporary is removed by the next.
  const tmp = tempPathBeside(path);
  const fs = pathFs();
  const file = fs.open(tmp, "createNew");
  try {
    const bytes = new TextEncoder().encode(groupJsonText(info));
    file.writeSync(bytes, 0);
    file.truncateSync?.(bytes.length);
    file.syncSync?.();
  } catch (e) {
    file.closeSync();
    fs.remove(tmp);
    throw e;
  }
  file.closeSync();
  fs.rename(tmp, path);
  if (fsync) syncDir(dir);
}
