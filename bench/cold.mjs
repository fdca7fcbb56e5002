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
// Usage: `<runtime> bench/cold.mjs <raw|empty|lib|npyjs|numpy-ts> <out.npy>
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
