/**
 * The README's Usage example: writes `out.npy` (in the current folder) by three
 * appends, then prints what it holds.
 *
 * Run: `npx -y deno@2.9.6 task demo`
 *
 * @module
 */

import { NpyAppendArray, readNpy } from "../mod.ts";

const filename = "out.npy";
const arr1 = [[1, 2], [3, 4]];
const arr2 = [[1, 2], [3, 4], [5, 6]];

{
  await using npy = await NpyAppendArray.open(filename, {
    deleteIfExists: true,
    dtype: "<i8",
  });
  await npy.append(arr1);
  await npy.append(arr2);
  await npy.append(arr2);
}

const { data, shape, dtype } = await readNpy(filename);
const rows: string[] = [];
const values = [...(data as BigInt64Array)].map(String);
for (let i = 0; i < shape[0]!; i++) {
  rows.push(`[${values.slice(i * shape[1]!, (i + 1) * shape[1]!).join(", ")}]`);
}
console.log(`${filename}: dtype ${dtype}, shape (${shape.join(", ")})`);
console.log(`[${rows.join(",\n ")}]`);
