// Cold start of `deno task bench` (bench/users.ts): one fresh process
// writes a (1000, 3) f8 array to a new file and prints, as one JSON line,
// its in-process time from the first line of this script and the split:
// `startup` (the runtime's own start before this script, from
// `performance.now()` at its first line), `load` (importing the library
// or peer), `open`, `append`, `close` (the library; peers: `write`).
//
// Plain JavaScript without static imports, so that Deno, Node and Bun run
// the same file and nothing but what is measured is loaded: the raw script
// uses the runtime's own file calls (`Deno.openSync` on Deno, `node:fs`
// through `process.getBuiltinModule` elsewhere), as a user would.
//
// Usage: `<runtime> bench/cold.mjs <raw|empty|locked|lib|npyjs|numpy-ts> <out.npy>
// [libUrl|peerModule|emptyModule]`
const T0 = performance.now();
const deno = globalThis.Deno;
const [which, out, mod] = deno?.args ?? globalThis.process.argv.slice(2);

/** The array: (1000, 3) f8, 24 KiB. */
const data = new Float64Array(3000).map((_, i) => i);
const marks = { startup: T0 };
let t = T0;
const mark = (name) => {
  const now = performance.now();
  marks[name] = now - t;
  t = now;
};

/** Writes `bytes` to a new file `out`, with the runtime's own calls. */
function writeNew(bytes) {
  if (deno !== undefined) {
    const f = deno.openSync(out, { write: true, create: true, truncate: true });
    f.writeSync(bytes);
    f.close();
    return;
  }
  const fs = globalThis.process.getBuiltinModule("node:fs");
  const fd = fs.openSync(out, "w");
  fs.writeSync(fd, bytes, 0, bytes.length, 0);
  fs.closeSync(fd);
}

/**
 * What any writer that keeps the library's promises must do around the
 * raw write, with the runtime's own calls and no library code: take the
 * lock (a record written to a temporary, hard-linked to `<out>.lock`, the
 * temporary removed), look for a change record (`<out>.journal`, missing
 * here), create the file exclusively, write it, close it, drop the lock.
 * The floor of a locked writer's cold start (bench/README.md).
 */
function writeLocked(bytes) {
  const pid = deno?.pid ?? globalThis.process.pid;
  const record = new TextEncoder().encode(
    `{"pid":${pid},"token":"0123456789abcdef","path":${JSON.stringify(out)}}`,
  );
  const temp = `${out}.lock.${pid}.0123456789abcdef.new`;
  if (deno !== undefined) {
    const l = deno.openSync(temp, { write: true, createNew: true });
    l.writeSync(record);
    l.close();
    deno.linkSync(temp, `${out}.lock`);
    deno.removeSync(temp);
    try {
      deno.statSync(`${out}.journal`);
    } catch (e) {
      if (!(e instanceof deno.errors.NotFound)) throw e;
    }
    const f = deno.openSync(out, { read: true, write: true, createNew: true });
    f.writeSync(bytes);
    f.close();
    deno.removeSync(`${out}.lock`);
    return;
  }
  const fs = globalThis.process.getBuiltinModule("node:fs");
  const l = fs.openSync(temp, "wx");
  fs.writeSync(l, record, 0, record.length, 0);
  fs.closeSync(l);
  fs.linkSync(temp, `${out}.lock`);
  fs.unlinkSync(temp);
  if (fs.statSync(`${out}.journal`, { throwIfNoEntry: false }) !== undefined) {
    throw new Error("unexpected change record");
  }
  const fd = fs.openSync(out, "wx+");
  fs.writeSync(fd, bytes, 0, bytes.length, 0);
  fs.closeSync(fd);
  fs.unlinkSync(`${out}.lock`);
}

/** The bytes the library writes: a 128-byte header, then the data. */
function npyBytes() {
  const text =
    "NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 3), }";
  const bytes = new Uint8Array(128 + data.byteLength).fill(0x20);
  bytes[0] = 0x93;
  for (let i = 0; i < text.length; i++) bytes[1 + i] = text.charCodeAt(i);
  bytes[127] = 0x0a;
  bytes.set(new Uint8Array(data.buffer), 128);
  return bytes;
}

if (which === "raw" || which === "empty") {
  // "empty": the same, after importing an empty ES module, the floor that
  // loading any library pays.
  if (which === "empty") await import(mod);
  const bytes = npyBytes();
  mark("load");
  writeNew(bytes);
  mark("write");
} else if (which === "locked") {
  const bytes = npyBytes();
  mark("load");
  writeLocked(bytes);
  mark("write");
} else if (which === "lib") {
  const lib = await import(mod);
  mark("load");
  const npy = lib.NpyAppendArraySync.open(out);
  mark("open");
  npy.append({ data, shape: [1000, 3] });
  mark("append");
  npy.close();
  mark("close");
} else if (which === "npyjs") {
  const m = await import(mod);
  mark("load");
  writeNew(new Uint8Array(m.dump(data, [1000, 3])));
  mark("write");
} else if (which === "numpy-ts") {
  const np = await import(mod);
  mark("load");
  await np.saveNpy(out, np.array(data).reshape(1000, 3));
  mark("write");
} else {
  throw new TypeError(`Unknown cold-start case "${which}"`);
}
console.log(JSON.stringify({ inProcessMs: performance.now() - T0, ...marks }));
