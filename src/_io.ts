/**
 * One implementation for sync and async I/O: algorithms are generators
 * that yield {@linkcode IoOp}s, and two drivers run them against a
 * `FileLikeSync` or a `FileLike`.
 *
 * @module
 */

import type { FileLike, FileLikeSync } from "./file_like.ts";
import { FILE_OBJECT_LABEL } from "./_file_label.ts";
import { runtimeError } from "./_system_error.ts";

/** One I/O request of an algorithm. */
export type IoOp =
  | {
    readonly op: "read";
    readonly buffer: Uint8Array;
    readonly position: number;
  }
  | {
    readonly op: "write";
    readonly buffer: Uint8Array;
    readonly position: number;
  }
  | { readonly op: "size" }
  | { readonly op: "truncate"; readonly length: number }
  | { readonly op: "sync" };

/** An algorithm: yields I/O requests, receives their results, returns `T`. */
export type IoSteps<T> = Generator<IoOp, T, unknown>;

/**
 * Largest single read or write request: Node's `fs.readSync` and
 * `fs.writeSync` throw for 2 GiB or more ("The value of "length" is out
 * of range"), and other runtimes cap a call near there too.
 */
export const MAX_IO_BYTES = 1 << 30;

/** A new file's header and data up to this size go in one write call. */
export const SMALL_CREATE_BYTES = 1 << 16;

/** Reads `buffer.length` bytes at `position` (fewer only at end of file). */
export function* readFully(
  buffer: Uint8Array,
  position: number,
): IoSteps<number> {
  let done = 0;
  // Read the length once: V8 (Deno 2.9) has been seen to misread the
  // length of a typed array of 2 GiB or more in this loop once optimized,
  // ending it at once.
  const total = buffer.byteLength;
  while (done < total) {
    // At most 1 GiB per call: Node's fs.readSync throws for 2 GiB or more.
    const piece = buffer.subarray(done, done + MAX_IO_BYTES);
    const n = readCount(
      yield { op: "read", buffer: piece, position: position + done },
      piece.byteLength,
    );
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * A read's answer as a byte count: a safe integer from 0 (the end of the
 * file) to the bytes asked for.
 *
 * @throws {TypeError} The file answered with anything else (only a
 * caller's file object can: the adapters return counts); taken as a count,
 * more than asked read past the buffer's bytes, and a string was added to.
 */
export function readCount(n: unknown, asked: number): number {
  if (
    typeof n === "number" && Number.isSafeInteger(n) && n >= 0 && n <= asked
  ) {
    return n;
  }
  throw new TypeError(
    `Cannot use the file object: its read() returned ${
      shown(n)
    } for ${asked} bytes asked; return the count of bytes it put in the buffer (0 at the end of the file)`,
  );
}

/** A file object's answer in a message: its value and type. */
function shown(n: unknown): string {
  let text: string;
  try {
    text = typeof n === "bigint"
      ? `${n}n`
      : typeof n === "string"
      ? JSON.stringify(n)
      : isThenable(n)
      ? "a Promise"
      : String(n);
  } catch {
    text = "a value";
  }
  return `${text} (${typeof n})`;
}

/** Whether `value` is a Promise or another thenable. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Refuses a `FileLikeSync` method's answer that is a Promise (an `async`
 * method, or one that starts its work and returns): its work is not done
 * when it returns, so a write acknowledged would not be in the file, and
 * its failure would be no one's (an unhandled rejection). That failure is
 * caught and dropped: the error thrown here stands for it.
 *
 * @param answer What the method returned.
 * @param method Its name, for the message (`"writeSync"`).
 * @throws {TypeError} naming the method and the fix, for a thenable.
 */
export function refuseThenable(answer: unknown, method: string): void {
  if (!isThenable(answer)) return;
  Promise.resolve(answer).catch(() => {});
  throw new TypeError(
    `Cannot use ${FILE_OBJECT_LABEL}: its ${method}() returned a Promise, so its work is not done when it returns; make ${method} synchronous, or give NpyAppendArray (not the Sync functions) an object with read, write and size only (a FileLike), whose promises it awaits`,
  );
}

/**
 * Writes all of `buffer` at `position` to a synchronous file by a direct
 * call (the sync writer's hot path), as {@linkcode write} run by
 * {@linkcode runSync} does: a count of fewer bytes written is followed by
 * writes of the rest; a Promise is refused ({@linkcode refuseThenable}).
 * Errors are the file object's own (callers map them).
 *
 * @param file The file.
 * @param buffer The bytes (at most {@linkcode MAX_IO_BYTES}).
 * @param position Byte offset in the file.
 */
export function writeAllSync(
  file: FileLikeSync,
  buffer: Uint8Array,
  position: number,
): void {
  const answer = file.writeSync(buffer, position);
  if (answer === undefined) return;
  refuseThenable(answer, "writeSync");
  const n = writeCount(answer, buffer.byteLength, position);
  if (n < buffer.byteLength) {
    runSync(write(buffer.subarray(n), position + n), file);
  }
}

/**
 * Yields a write of `buffer` at `position`: one request, or pieces of at
 * most {@linkcode MAX_IO_BYTES} in order for a larger buffer (every write
 * of the library comes through here). Nothing for an empty buffer. A file
 * object's write that answers a count of fewer bytes (as `fs.writeSync`
 * and OPFS's `write` do) is asked again for the rest (see
 * {@linkcode writeCount}).
 */
export function* write(buffer: Uint8Array, position: number): IoSteps<void> {
  // Read once: see readFully on lengths of 2 GiB or more.
  const total = buffer.byteLength;
  let done = 0;
  while (done < total) {
    const piece = done === 0 && total <= MAX_IO_BYTES
      ? buffer
      : buffer.subarray(done, Math.min(total, done + MAX_IO_BYTES));
    const at = position + done;
    const answer = yield { op: "write", buffer: piece, position: at };
    done += answer === undefined
      ? piece.byteLength
      : writeCount(answer, piece.byteLength, at);
  }
}

/**
 * A write's answer as the count of bytes written: `undefined` (the
 * contract: all of them), else a count (a number, or the `bytesWritten`
 * of Node's `FileHandle.write`) from 1 to the bytes given; the caller
 * writes the rest.
 *
 * @param answer What the file object's write returned (resolved to).
 * @param asked The bytes given.
 * @param position Where they went, for the message.
 * @returns The bytes written.
 * @throws {TypeError} for anything else (a count past the bytes given,
 * negative or not an integer, another value): taken as a count, it would
 * skip or repeat bytes.
 * @throws {Error} of code `EIO` for a count of 0: asking again could loop
 * forever.
 */
export function writeCount(
  answer: unknown,
  asked: number,
  position: number,
): number {
  if (answer === undefined) return asked;
  const n = typeof answer === "object" && answer !== null &&
      typeof (answer as { bytesWritten?: unknown }).bytesWritten === "number"
    ? (answer as { bytesWritten: number }).bytesWritten
    : answer;
  if (n === 0 && asked > 0) {
    const e = new Error(
      `Cannot write ${FILE_OBJECT_LABEL}: EIO: its write() wrote none of the ${asked} bytes at byte ${position} (it returned 0); check its storage, then write again`,
    );
    throw Object.assign(e, { code: "EIO" });
  }
  if (typeof n === "number" && Number.isSafeInteger(n) && n > 0 && n <= asked) {
    return n;
  }
  throw new TypeError(
    `Cannot use ${FILE_OBJECT_LABEL}: its write() returned ${
      shown(answer)
    } for ${asked} bytes given; write all the bytes and return nothing (or the count of bytes written, 1 or more)`,
  );
}

/**
 * Yields a size query.
 *
 * @throws {TypeError} The file answered with anything but a byte count
 * (only a caller's file object can: the adapters return numbers).
 */
export function* size(): IoSteps<number> {
  const n = yield { op: "size" };
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(
      `Cannot use the file object: its size() returned ${
        typeof n === "bigint" ? `${n}n` : String(n)
      } (${typeof n}); return its size in bytes as a number`,
    );
  }
  return n;
}

/** Yields a truncate. */
export function* truncate(length: number): IoSteps<void> {
  yield { op: "truncate", length };
}

/** Yields a sync. */
export function* sync(): IoSteps<void> {
  yield { op: "sync" };
}

/**
 * A file object's error in the library's terms: a browser's
 * `QuotaExceededError` (a `DOMException` from an OPFS handle, a writable
 * stream or IndexedDB: the origin's storage is full) is a full disk, an
 * `Error` of code `ENOSPC` naming the file object and the fix, the
 * original as its `cause`, as the path layer reports a runtime's
 * `ENOSPC`. A system error (`EBADF` of a closed file object or one not
 * open for writing, Deno's `BadResource`) names the file object and the
 * fix, its code and class kept, the original as `cause` (see
 * {@linkcode runtimeError}), and so is a browser's `InvalidStateError` (an
 * OPFS handle used after `close()`), as `EBADF`; anything else (the caller's own error) is
 * returned unchanged.
 *
 * @param e What a file object's call threw.
 * @param verb What was being done (`"write"`).
 * @returns The error to throw.
 */
export function fileObjectError(e: unknown, verb = "write"): unknown {
  const name = (e as { name?: unknown } | null)?.name;
  if (name === "InvalidStateError") return closedHandle(e, verb);
  if (name !== "QuotaExceededError") {
    return runtimeError(e, verb, FILE_OBJECT_LABEL);
  }
  const out = new Error(
    `Cannot ${verb} ${FILE_OBJECT_LABEL}: ENOSPC: the storage quota is exceeded (QuotaExceededError: ${
      (e as { message?: unknown }).message
    }); free some of this origin's storage or ask for more (navigator.storage.persist()), then try again`,
    { cause: e },
  );
  return Object.assign(out, { code: "ENOSPC" });
}

/**
 * A browser's `InvalidStateError` (an OPFS access handle used after its
 * `close()`) as a closed file object's error: code `EBADF`, as a closed
 * descriptor gives, naming the file object and the fix, the original as
 * its `cause`.
 */
function closedHandle(e: unknown, verb: string): Error {
  const out = new Error(
    `Cannot ${verb} ${FILE_OBJECT_LABEL}: EBADF: the OPFS access handle is closed (InvalidStateError: ${
      (e as { message?: unknown }).message
    }); open a new one (new OpfsFile(await fileHandle.createSyncAccessHandle())) and keep it open until the writer or reader is closed`,
    { cause: e },
  );
  return Object.assign(out, { code: "EBADF" });
}

function noTruncate(method: string): never {
  throw new TypeError(
    `Cannot truncate the file object: it has no ${method} method; give it one`,
  );
}

function doSync(op: IoOp, file: FileLikeSync): unknown {
  const answer = callSync(op, file);
  refuseThenable(answer, `${op.op}Sync`);
  return answer;
}

function callSync(op: IoOp, file: FileLikeSync): unknown {
  switch (op.op) {
    case "read":
      return file.readSync(op.buffer, op.position);
    case "write":
      return file.writeSync(op.buffer, op.position);
    case "size":
      return file.sizeSync();
    case "truncate":
      if (file.truncateSync === undefined) return noTruncate("truncateSync");
      return file.truncateSync(op.length);
    case "sync":
      return file.syncSync?.();
  }
}

function doAsync(op: IoOp, file: FileLike): Promise<unknown> | unknown {
  switch (op.op) {
    case "read":
      return file.read(op.buffer, op.position);
    case "write":
      return file.write(op.buffer, op.position);
    case "size":
      return file.size();
    case "truncate":
      if (file.truncate === undefined) return noTruncate("truncate");
      return file.truncate(op.length);
    case "sync":
      return file.sync?.();
  }
}

/** The verb of an I/O request in messages. */
function verbOf(op: IoOp): string {
  return op.op === "read" || op.op === "size" ? "read" : "write";
}

/**
 * Runs an algorithm against a synchronous file.
 *
 * @param steps The algorithm.
 * @param file The file.
 * @param first The step `steps` already yielded, when the caller started
 * it (to check its input before opening the file).
 * @returns What the algorithm returns.
 */
export function runSync<T>(
  steps: IoSteps<T>,
  file: FileLikeSync,
  first?: IoOp,
): T {
  let r: IteratorResult<IoOp, T> = first === undefined
    ? steps.next()
    : { done: false, value: first };
  while (!r.done) {
    let result: unknown;
    try {
      result = doSync(r.value, file);
    } catch (e) {
      r = steps.throw(fileObjectError(e, verbOf(r.value)));
      continue;
    }
    r = steps.next(result);
  }
  return r.value;
}

/**
 * Runs an algorithm against an asynchronous file.
 *
 * @param steps The algorithm.
 * @param file The file.
 * @returns What the algorithm returns.
 */
export async function runAsync<T>(
  steps: IoSteps<T>,
  file: FileLike,
): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let result: unknown;
    try {
      result = await doAsync(r.value, file);
    } catch (e) {
      r = steps.throw(fileObjectError(e, verbOf(r.value)));
      continue;
    }
    r = steps.next(result);
  }
  return r.value;
}

/**
 * Reads `buffer.length` bytes at `position` from a synchronous file
 * (fewer only at end of file): {@linkcode readFully} run by
 * {@linkcode runSync}, with a shortcut for the common case of one call
 * that fills the buffer (no generator, no step objects: random reads of
 * single rows spend most of their time here).
 *
 * @param file The file.
 * @param buffer Where the bytes go.
 * @param position Byte offset in the file.
 * @returns The number of bytes read.
 */
export function readFullySync(
  file: FileLikeSync,
  buffer: Uint8Array,
  position: number,
): number {
  const total = buffer.byteLength;
  if (total === 0 || total > MAX_IO_BYTES) {
    return runSync(readFully(buffer, position), file);
  }
  let answer: unknown;
  try {
    answer = file.readSync(buffer, position);
    refuseThenable(answer, "readSync");
  } catch (e) {
    throw fileObjectError(e, "read");
  }
  const first = readCount(answer, total);
  if (first === total || first === 0) return first;
  return first +
    runSync(readFully(buffer.subarray(first), position + first), file);
}
