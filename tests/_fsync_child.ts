/**
 * Child process of `fsync_order_test.ts`: runs one kind of write with
 * `fsync` as asked, in the folder `DIR`, and prints `ack` (one `write` to
 * standard output, seen in the trace) after each call whose rows the
 * library acknowledges: an append that returned, or `close()` of an
 * atomic writer, a stack or a group.
 *
 * Usage: `deno run -A tests/_fsync_child.ts DIR FSYNC KIND` (FSYNC is
 * `true` or `false`; KIND one of `KINDS` in the test).
 *
 * @module
 */

import process from "node:process";
import { writeSync } from "node:fs";
import {
  ensureAppendableSync,
  NpyAppendArray,
  NpyAppendArraySync,
  NpyGroupWriterSync,
  NpyStackWriterSync,
} from "../mod.ts";

const [dir, fsyncArg, kind] = process.argv.slice(2);
const fsync = fsyncArg === "true";
const file = `${dir}/a.npy`;
const row = (i: number) => ({
  data: new Float64Array([i, i, i]),
  shape: [1, 3],
});

/** Tells the trace that what came before is acknowledged. */
function ack(): void {
  writeSync(1, "ack\n");
}

switch (kind) {
  case "append": {
    const npy = NpyAppendArraySync.open(file, { fsync });
    for (let i = 0; i < 3; i++) {
      npy.append(row(i));
      ack();
    }
    npy.close();
    break;
  }
  case "append-async": {
    const npy = await NpyAppendArray.open(file, { fsync });
    for (let i = 0; i < 3; i++) {
      await npy.append(row(i));
      ack();
    }
    await npy.close();
    break;
  }
  case "atomic": {
    // An existing file, then one atomic change of two appends.
    const first = NpyAppendArraySync.open(file, { fsync });
    first.append(row(0));
    ack();
    first.close();
    const npy = NpyAppendArraySync.open(file, { fsync, atomic: true });
    npy.append(row(1));
    npy.append(row(2));
    npy.close();
    ack();
    break;
  }
  case "replace": {
    // atomic + deleteIfExists: a new file renamed over the old one.
    const first = NpyAppendArraySync.open(file, { fsync });
    first.append(row(0));
    ack();
    first.close();
    const npy = NpyAppendArraySync.open(file, {
      fsync,
      atomic: true,
      deleteIfExists: true,
    });
    npy.append(row(5));
    npy.close();
    ack();
    break;
  }
  case "stack": {
    // Into a folder that does not exist yet, two levels deep.
    const stack = NpyStackWriterSync.open(`${dir}/s/t`, {
      shardRows: 2,
      fsync,
    });
    for (let i = 0; i < 5; i++) {
      stack.append([[i, i, i]]);
      ack();
    }
    stack.close();
    ack();
    break;
  }
  case "group-stacks": {
    const g = NpyGroupWriterSync.open(`${dir}/g`, {
      members: { x: "<f8", y: "<i4" },
      shardRows: 2,
      fsync,
    });
    for (let i = 0; i < 5; i++) {
      g.append({ x: [i], y: [i] });
      ack();
    }
    g.close();
    ack();
    break;
  }
  case "ensure":
  case "ensure-inplace": {
    // A header with no room to grow (old NumPy's 16-byte alignment).
    const text =
      "{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 3), }";
    const header = new Uint8Array(80).fill(0x20);
    header.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, 70, 0]);
    header.set(new TextEncoder().encode(text), 10);
    header[79] = 0x0a;
    const bytes = new Uint8Array(80 + 24000);
    bytes.set(header);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, bytes);
    writeSync(1, "begin\n");
    ensureAppendableSync(file, { inplace: kind === "ensure-inplace" });
    ack();
    break;
  }
  case "group": {
    const g = NpyGroupWriterSync.open(`${dir}/g`, {
      members: { x: "<f8", y: "<i4" },
      fsync,
    });
    for (let i = 0; i < 3; i++) {
      g.append({ x: [i], y: [i] });
      ack();
    }
    g.close();
    break;
  }
  default:
    throw new TypeError(`Unknown kind "${kind}"`);
}
