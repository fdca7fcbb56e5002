/**
 * Stop 21 (h2): writers in a pid namespace whose `/proc` is not its own
 * (`unshare --pid --fork` without `--mount-proc`, a container that shares
 * the host's `/proc`). Their pids are the namespace's (the first is 1 or
 * 2), but `/proc/<pid>` names the host's process of that number, and
 * `/proc/thread-self` the host's thread. The lock recorded the host's
 * thread id beside the namespace's pid, so the next writer of the same
 * namespace looked for `/proc/<pid>/task/<thread>`, found nothing, judged
 * the live holder's thread gone and took the lock over: two writers
 * appended to one file. Where `/proc/self` is not this process, `/proc`
 * is no evidence: a lock records no start or thread, and a holder is
 * judged by `kill(pid, 0)` alone (as where there is no `/proc`).
 *
 * Needs Linux, root and `unshare` (util-linux); skipped otherwise.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { scriptCommand } from "./_runtime.ts";
import { tempDir } from "./_numpy.ts";
import { LOCK_CHILD } from "./_lock_holder.ts";

/** Why such namespaces cannot be made here, or `undefined`. */
function noNamespaces(): string | undefined {
  if (process.platform !== "linux") return "Linux only";
  const r = spawnSync("unshare", ["-p", "-f", "true"]);
  return r.status === 0 ? undefined : "unshare -p needs root and util-linux";
}
const skip = noNamespaces();

/** Single-quoted for sh. */
function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

test(
  "a live writer's lock holds against a writer of its pid namespace when /proc is the host's",
  { skip, timeout: 120_000 },
  () => {
    const dir = tempDir();
    const path = join(dir, "ns.npy");
    const [cmd, args] = scriptCommand(LOCK_CHILD);
    const child = [cmd, ...args].map(q).join(" ");
    const ready = join(dir, "ready");
    // In one new pid namespace (no --mount-proc): a holder, then a writer
    // while it lives, then a writer after it was killed (and reaped).
    const script = [
      `${child} hold ${q(path)} > ${q(ready)} &`,
      `i=0; until grep -q ready ${q(ready)} 2>/dev/null; do`,
      `  i=$((i+1)); [ $i -gt 600 ] && break; sleep 0.1; done`,
      `echo "live: $(${child} try ${q(path)})"`,
      `kill -9 $!; wait $! 2>/dev/null`,
      `echo "killed: $(${child} try ${q(path)})"`,
    ].join("\n");
    const r = spawnSync("unshare", ["-p", "-f", "sh", "-c", script], {
      encoding: "utf8",
      timeout: 100_000,
    });
    const out = r.stdout;
    assert.match(out, /^live: NpyLockedError/m, out + r.stderr);
    assert.match(out, /^killed: opened$/m, out + r.stderr);
    // The holder's one row, nothing else appended over or after it.
    assert.equal(readFileSync(path).length, 128 + 16);
  },
);
