/**
 * The hold-record temporaries of lock takers (`_lock.ts`) and their slots:
 * a taker marks its temporary in a slot the next taker tries first (see
 * {@linkcode openHoldTemp}), so a killed taker's is found without listing
 * the folder.
 *
 * @module
 */

import { newToken, parseHolder } from "./_lock_text.ts";
import { LOCK_BYTES, sameHost } from "./_lock_refusal.ts";
import { HOLD_SLOTS, holdSlot } from "./_lock_names.ts";
import { baseOf, type OpenedFile, type PathFs } from "./_path_fs.ts";
import { allowed, processAlive, thisProcess } from "./_process_info.ts";

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The temporary of a hold record: `<file>.<pid>.<token>.new`. */
export function tempOf(file: string, pid: number, token: string): string {
  return `${file}.${pid}.${token}.new`;
}

/**
 * Creates and opens (`O_EXCL`) the temporary of a hold record of `file`,
 * `<file>.<pid>.<token>.new`, first marking it in a slot the next taker
 * tries ({@linkcode holdSlot}): a symlink naming the temporary, made in one
 * call, so a slot always names its taker's pid. A killed taker's slot (its
 * pid dead) is removed with its temporary and taken, so they do not pile
 * up where a folder is never listed (`/tmp`, a big folder, a lock never
 * taken again); a live taker's is passed over. No free slot, or no
 * symlinks: the temporary alone, as before.
 */
export function openHoldTemp(
  fs: PathFs,
  file: string,
  token: string,
  useSlot = true,
): { path: string; file: OpenedFile; after?: () => void } {
  const path = tempOf(file, thisProcess().pid, token);
  const slot = useSlot ? takeSlot(fs, file, baseOf(path)) : null;
  if (slot === null) return { path, file: fs.open(path, "createNew") };
  const drop = () => {
    try {
      fs.remove(slot);
    } catch {
      // Left: the next taker finds this process gone.
    }
  };
  try {
    return { path, file: fs.open(path, "createNew"), after: drop };
  } catch (e) {
    drop();
    throw e;
  }
}

/** Whether symlinks may be made (Deno: only with full read and write). */
let symlinks: boolean | undefined;

/**
 * Deno makes a symlink only with read and write granted everywhere (its
 * text may name any file); asked otherwise, it would prompt.
 */
function symlinksAllowed(): boolean {
  return allowed({ name: "read" }) && allowed({ name: "write" });
}

/**
 * The longest symlink text ext4 keeps in the inode (a "fast" symlink); a
 * longer one takes a disk block, whose release when the slot is removed
 * cost 0.3 to 8 ms (a `discard` mount frees it on the device at once)
 * against 0.01 ms (bench/README.md, "Cold start at stop 23").
 */
const FAST_LINK_BYTES = 59;

/** The shared slots' folder prefix of lock names (see `holdSlot`). */
const SHARED_PREFIX = "npy-append-array-";

/**
 * The text of `slot` naming the temporary `temp` (a base name,
 * `<lock>.<pid>.<token>.new`): `temp` itself, or where that is too long
 * for a fast symlink, `~` and `temp` without what the slot's own name
 * tells (the lock's name for a lock's slot, `npy-append-array-` for the
 * shared ones) and without `.new`, which {@linkcode slotTemp} reads back.
 * Readers of the long form alone pass such a slot over as one they cannot
 * judge (it does not end in `.new`), so it is never misread.
 */
export function slotText(slot: string, temp: string): string {
  // Bytes, not UTF-16 units: a name of 15 Chinese letters is 45 bytes
  // (a name with anything but printable ASCII takes the short form).
  if (temp.length <= FAST_LINK_BYTES && !/[^ -~]/.test(temp)) {
    return temp;
  }
  const lock = slotLock(slot);
  const head = lock ?? SHARED_PREFIX;
  if (!temp.startsWith(head) || !temp.endsWith(".new")) return temp;
  return `~${temp.slice(head.length, -".new".length)}`;
}

/**
 * The temporary's base name a slot's text names (see {@linkcode slotText}).
 *
 * @param slot The slot's path.
 * @param text Its symlink text.
 * @returns The temporary's base name.
 */
export function slotTemp(slot: string, text: string): string {
  // The long form ends in `.new` (a lock's name may start with `~`).
  if (!text.startsWith("~") || text.endsWith(".new")) return text;
  return `${slotLock(slot) ?? SHARED_PREFIX}${text.slice(1)}.new`;
}

/** A lock's slot (`<lock>.<k>.new`): the lock's base name; shared: null. */
function slotLock(slot: string): string | null {
  const base = baseOf(slot);
  return /^npy-append-array-hold\.\d+\.new$/.test(base)
    ? null
    : base.replace(/\.\d+\.new$/, "");
}

/** Makes the first free slot of `file` name `temp`; `null`: none. */
function takeSlot(fs: PathFs, file: string, temp: string): string | null {
  if (fs.symlink === undefined || !(symlinks ??= symlinksAllowed())) {
    return null;
  }
  for (let k = 0; k < HOLD_SLOTS; k++) {
    const slot = holdSlot(file, k);
    for (let tries = 0; tries < 2; tries++) {
      try {
        fs.symlink(slotText(slot, temp), slot);
        return slot;
      } catch (e) {
        // No symlinks here (Windows without the right, a Deno permission):
        // the temporary alone.
        if ((codeOf(e) ?? codeOf((e as Error).cause)) !== "EEXIST") {
          return null;
        }
      }
      if (!removeDeadSlot(fs, slot)) break;
    }
  }
  return null;
}

/**
 * Removes the slot `slot` and the temporary it names if their taker is
 * dead (its pid in the temporary's name, its start time in the record if
 * written); a live taker's, or one that cannot be judged, stays.
 *
 * @returns Whether the slot is gone.
 */
export function removeDeadSlot(fs: PathFs, slot: string): boolean {
  try {
    const text = fs.readLink?.(slot) ?? null;
    // Not a symlink (not a slot: left), or gone (its taker done).
    if (text === null) return !fs.exists(slot);
    const name = slotTemp(slot, text);
    const m = /\.(\d+)\.[0-9a-f]{16}\.new$/.exec(name);
    if (m === null || name.includes("/") || name.includes("\\")) return false;
    const pid = Number(m[1]);
    if (pid === thisProcess().pid) return false;
    const temp = `${slot.slice(0, slot.length - baseOf(slot).length)}${name}`;
    const h = parseHolder(fs.readText(temp, LOCK_BYTES));
    if (h !== null && !sameHost(h)) return false;
    if (processAlive(pid, h?.start ?? null) !== false) return false;
    // Claimed by a rename (one claimer wins), then checked: a live
    // taker's slot made meanwhile is put back.
    const aside = `${slot}.${thisProcess().pid}.${newToken()}.stale`;
    fs.rename(slot, aside);
    const got = fs.readLink!(aside);
    if (got !== text) {
      try {
        if (got !== null) fs.symlink!(got, slot);
      } catch {
        // Another taker's stands.
      }
      fs.remove(aside);
      return false;
    }
    try {
      fs.remove(temp);
    } catch {
      // Gone already (its taker removed it before the kill).
    }
    fs.remove(aside);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the asides of `slot` (`<slot>.<pid>.<token>.stale`, see
 * {@linkcode removeDeadSlot}) among the listed `names` whose claimer is
 * dead: one killed between claiming a dead slot and removing it left its
 * aside, which nothing else names.
 *
 * @param fs The file system.
 * @param slot The slot's path.
 * @param names The names listed in its folder.
 */
export function removeDeadSlotAsides(
  fs: PathFs,
  slot: string,
  names: readonly string[],
): void {
  const base = baseOf(slot);
  const dir = slot.slice(0, slot.length - base.length);
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^\.(\d+)\.[0-9a-f]{16}\.stale$/.exec(name.slice(base.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === thisProcess().pid || processAlive(pid, null) !== false) {
      continue;
    }
    try {
      fs.remove(`${dir}${name}`);
    } catch {
      // Gone meanwhile, or not ours to remove (a sticky folder): left.
    }
  }
}
