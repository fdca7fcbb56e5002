/**
 * Test helper: a {@linkcode MemoryFile} wrapper that fails chosen writes or
 * truncates, as a full disk or an I/O error would.
 *
 * @module
 */

import type { FileLike, FileLikeSync } from "../mod.ts";
import { MemoryFile } from "../mod.ts";

/** How the wrapper fails. */
export interface FaultOptions {
  /** Fail the `failAt`-th write or truncate (1-based; 0: never fail). */
  failAt: number;
  /** After the first failure, fail every later write and truncate too. */
  sticky?: boolean;
  /** A failing write first writes half its bytes, as a real short write. */
  partial?: boolean;
}

/** The error the wrapper throws. */
export class InjectedFault extends Error {
  constructor(op: string, n: number) {
    super(`No space left on device (injected on ${op} #${n})`);
    this.name = "InjectedFault";
  }
}

/**
 * A MemoryFile behind both interfaces (or only the async one) that counts
 * mutating operations (writes and truncates) and fails as told.
 */
export class FaultyFile {
  readonly memory: MemoryFile;
  readonly options: FaultOptions;
  /** Writes and truncates attempted so far. */
  mutations = 0;
  /** Whether a fault was injected. */
  failed = false;

  constructor(options: FaultOptions, memory: MemoryFile = new MemoryFile()) {
    this.memory = memory;
    this.options = options;
  }

  #check(op: string, before?: () => void): void {
    this.mutations++;
    const fail = this.options.failAt > 0 &&
      (this.mutations === this.options.failAt ||
        (this.options.sticky === true && this.mutations > this.options.failAt));
    if (fail) {
      this.failed = true;
      before?.();
      throw new InjectedFault(op, this.mutations);
    }
  }

  /** The synchronous interface. */
  sync(): FileLikeSync {
    const m = this.memory;
    return {
      readSync: (b, p) => m.readSync(b, p),
      writeSync: (b, p) => {
        this.#check("write", () => {
          if (this.options.partial) {
            m.writeSync(b.subarray(0, b.length >> 1), p);
          }
        });
        m.writeSync(b, p);
      },
      sizeSync: () => m.sizeSync(),
      truncateSync: (n) => {
        this.#check("truncate");
        m.truncateSync(n);
      },
      syncSync: () => {},
    };
  }

  /** The asynchronous interface only (the writer then queues). */
  async(): FileLike {
    return asyncOnly(this.sync());
  }
}

/**
 * The asynchronous interface only of a synchronous file object: each call
 * runs its `...Sync` twin after a microtask, so a writer given it takes
 * its async path.
 */
export function asyncOnly(s: FileLikeSync): FileLike {
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    async (...a: A): Promise<R> => {
      await Promise.resolve();
      return f(...a);
    };
  return {
    read: wrap(s.readSync),
    write: wrap(s.writeSync),
    size: wrap(s.sizeSync),
    truncate: wrap(s.truncateSync!),
    sync: wrap(s.syncSync!),
  };
}
