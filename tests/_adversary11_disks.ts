/**
 * Adversary round 11 helper: a real file system that fails under a live
 * writer. An ext4 image on a loop device (root only, Linux), mounted with
 * `errors=remount-ro`: writing `1` to its `trigger_fs_error` turns it
 * read-only at once, open descriptors included (writes then fail with
 * `EROFS`); the `EXT4_IOC_SHUTDOWN` ioctl makes every call fail with
 * `EIO`. A tmpfs cannot do either: `mount -o remount,ro` is refused while
 * a file is open for writing.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import process from "node:process";
import { PYTHON, tempDir } from "./_numpy.ts";

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${String(r.stderr)}`);
  }
  return String(r.stdout);
}

/** An ext4 file system on a loop device, mounted at `dir`. */
export class Ext4Disk {
  /** The mount point. */
  readonly dir: string;
  readonly #image: string;

  /** Makes an image of `megabytes` MiB beside a fresh mount point, mounts it. */
  constructor(megabytes = 8) {
    const base = tempDir();
    this.#image = join(base, "disk.img");
    this.dir = join(base, "mnt");
    run("mkdir", [this.dir]);
    run("truncate", ["-s", `${megabytes}m`, this.#image]);
    run("mkfs.ext4", ["-q", this.#image]);
    this.mount();
  }

  /** Mounts the image (read-write; an error turns it read-only). */
  mount(): void {
    run("mount", ["-o", "loop,errors=remount-ro", this.#image, this.dir]);
  }

  /**
   * Turns the mounted file system read-only under its open files, after
   * flushing what was written to it (a disk failing later than the writes:
   * what the page cache held would else be lost, as in a power cut).
   */
  failReadOnly(): void {
    run("sync", ["-f", this.dir]);
    const dev = basename(
      run("findmnt", ["-n", "-o", "SOURCE", this.dir]).trim(),
    );
    writeFileSync(`/sys/fs/ext4/${dev}/trigger_fs_error`, "1");
  }

  /**
   * Makes every later call on the mounted file system fail with `EIO`,
   * after flushing what was written to it.
   */
  shutDown(): void {
    run("sync", ["-f", this.dir]);
    // EXT4_IOC_SHUTDOWN = _IOR('X', 125, __u32); 2: no log flush.
    run(PYTHON, [
      "-c",
      "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); " +
      "fcntl.ioctl(fd, 0x8004587d, (2).to_bytes(4, 'little'))",
      this.dir,
    ]);
  }

  /**
   * Unmounts, repairs (`e2fsck -fy`) and mounts the image again read-write,
   * as an administrator would after the failure.
   *
   * @throws {Error} when unmounting fails (a descriptor is still open).
   */
  repair(): void {
    run("umount", [this.dir]);
    spawnSync("e2fsck", ["-fy", this.#image]);
    this.mount();
  }

  /**
   * Unmounts (if mounted; lazily while a failed test still holds a file
   * there) and removes the image.
   */
  dispose(): void {
    if (spawnSync("umount", [this.dir]).status !== 0) {
      spawnSync("umount", ["-l", this.dir]);
    }
    spawnSync("rm", ["-rf", this.#image]);
  }
}

/**
 * Test options for suites that mount an ext4 image: skipped with a notice
 * when not root or without loop devices or `mkfs.ext4`, except in CI.
 */
export function ext4TestOptions(
  timeout: number,
): { timeout: number; skip?: string } {
  const root = process.getuid?.() === 0;
  const ci = (process.env.CI ?? "") !== "";
  const tools = existsSync("/dev/loop-control") &&
    spawnSync("mkfs.ext4", ["-V"]).status === 0;
  return {
    timeout,
    ...(!ci && !(root && tools)
      ? { skip: "needs root, loop devices and mkfs.ext4" }
      : {}),
  };
}
