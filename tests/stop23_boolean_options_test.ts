/**
 * Stop 23 (h5): the boolean options of readers and maintenance calls.
 * `allowIncomplete: "false"` (a truthy string) read a file that needs
 * recovery as if `true`, silently, and `recover`'s `zerofillIncomplete`
 * and `ensureAppendable`'s `inplace` of another type were refused naming
 * neither the file nor the fix, as the writers' options are not. Each is
 * now a `TypeError` naming the file, before any I/O, as the writers'.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import {
  ensureAppendable,
  ensureAppendableSync,
  NpyAppendArraySync,
  NpyReader,
  readNpy,
  readNpySync,
  recover,
  recoverSync,
} from "../mod.ts";
import { tempDir } from "./_numpy.ts";

test("boolean options of readers and maintenance of another type are refused, naming the file", async () => {
  const dir = tempDir();
  const path = join(dir, "cut.npy");
  {
    using w = NpyAppendArraySync.open(path, { dtype: "<f8" });
    w.append([[1, 2], [3, 4]]);
  }
  truncateSync(path, readFileSync(path).length - 4); // needs recovery
  const before = readFileSync(path);
  const refused = (name: string) => (e: unknown) =>
    e instanceof TypeError && e.message.includes(JSON.stringify(path)) &&
    e.message.includes(`${name} must be a boolean, not "false"`);
  const bad = "false" as unknown as boolean;
  assert.throws(
    () => readNpySync(path, { allowIncomplete: bad }),
    refused("allowIncomplete"),
  );
  await assert.rejects(
    readNpy(path, { allowIncomplete: bad }),
    refused("allowIncomplete"),
  );
  await assert.rejects(
    NpyReader.open(path, { allowIncomplete: bad }),
    refused("allowIncomplete"),
  );
  assert.throws(
    () => recoverSync(path, { zerofillIncomplete: bad }),
    refused("zerofillIncomplete"),
  );
  await assert.rejects(
    recover(path, { zerofillIncomplete: bad }),
    refused("zerofillIncomplete"),
  );
  assert.throws(
    () => ensureAppendableSync(path, { inplace: bad }),
    refused("inplace"),
  );
  await assert.rejects(
    ensureAppendable(path, { inplace: bad }),
    refused("inplace"),
  );
  assert.deepEqual(readFileSync(path), before);
  // Booleans still work.
  assert.deepEqual(readNpySync(path, { allowIncomplete: true }).shape, [1, 2]);
  assert.equal(recoverSync(path, { zerofillIncomplete: false }), true);
  assert.deepEqual(readNpySync(path).shape, [1, 2]);
});
