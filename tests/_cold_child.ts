/**
 * Child process for `tests/cold_start_test.ts`, run under any runtime:
 * watches the globals whose first use is slow (`crypto` everywhere: Node
 * loads its Web Crypto module; `process` on Deno: its Node compatibility
 * layer), then loads the library and does one thing to PATH:
 *
 * - `new PATH`: open a new file, append (1000, 3) f8 rows 0..2999, close;
 * - `again PATH`: open the existing file, append 3 more, close;
 * - `read PATH`: read it whole and one row.
 *
 * Prints `{"touched": [...]}`: the watched globals the library used.
 *
 * @module
 */

const g = globalThis as { Deno?: { args: string[] } };
const argv = g.Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv
    .slice(2);
const [mode, path] = argv as [string, string];

const touched: string[] = [];
for (const name of g.Deno !== undefined ? ["crypto", "process"] : ["crypto"]) {
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  if (d === undefined || !d.configurable) continue;
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: d.enumerable ?? false,
    get() {
      touched.push(name);
      return d.get !== undefined ? d.get.call(globalThis) : d.value;
    },
  });
}

// After the watches: a static import would load the library first. The
// npm build's tests are `.js` files next to the built `mod.js`.
const entry = import.meta.url.endsWith(".js") ? "../mod.js" : "../mod.ts";
const lib = await import(entry) as typeof import("../mod.ts");
if (mode === "new" || mode === "again") {
  const n = mode === "new" ? 1000 : 1;
  const data = new Float64Array(n * 3).map((_, i) => i);
  const npy = lib.NpyAppendArraySync.open(path);
  npy.append({ data, shape: [n, 3] });
  npy.close();
} else if (mode === "read") {
  const all = lib.readNpySync(path);
  const reader = lib.NpyReader.openSync(path);
  const row = reader.readSync(999, 1000);
  reader.closeSync();
  if (all.shape[0] !== 1001 || (row.data as Float64Array)[0] !== 2997) {
    throw new Error(`Read ${JSON.stringify(all.shape)} and ${row.data}`);
  }
} else throw new TypeError(`Unknown mode "${mode}"`);
console.log(JSON.stringify({ touched: [...new Set(touched)] }));
