/**
 * Child of `stop21_tmp_faults_test.ts`, run where `/tmp` is full or
 * read-only: appends to a file with one name and to one with two hard
 * links in DIR, recovers each, and prints a JSON report.
 *
 * @module
 */

import { linkSync, readdirSync } from "node:fs";
import process from "node:process";
import { NpyAppendArraySync, readNpySync, recoverSync } from "../mod.ts";

const dir = process.argv.at(-1)!;
const tmpBefore = readdirSync("/tmp").sort();
const out: Record<string, string> = {};
const say = (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`;
const rows = (p: string) =>
  Array.from(readNpySync(p).data as Float64Array).join(",");
for (const name of ["one", "two"]) {
  const p = `${dir}/${name}.npy`;
  const w0 = NpyAppendArraySync.open(p, { dtype: "<f8" });
  w0.append(new Float64Array([0]));
  w0.close();
  if (name === "two") linkSync(p, `${dir}/two-link.npy`);
  try {
    const w = NpyAppendArraySync.open(p, { dtype: "<f8" });
    w.append(new Float64Array([1, 2]));
    w.close();
    out[name] = "appended";
  } catch (e) {
    out[name] = say(e);
  }
  try {
    recoverSync(p);
    out[`${name}Recover`] = "recovered";
  } catch (e) {
    out[`${name}Recover`] = say(e);
  }
  out[`${name}Rows`] = rows(p);
}
out.tmpLeft = readdirSync("/tmp").sort().filter((f) => !tmpBefore.includes(f))
  .join(" ");
console.log(JSON.stringify(out));
