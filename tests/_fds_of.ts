/**
 * Test helper (Linux): the descriptors of this process that name a file,
 * from `/proc/self/fd`.
 *
 * @module
 */

import { readdirSync, readlinkSync } from "node:fs";

/** The descriptors of this process that name `path`, sorted. */
export function fdsOf(path: string): string[] {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed since the listing
    }
  }).sort();
}
