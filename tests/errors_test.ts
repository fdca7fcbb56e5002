/**
 * The errors' structured parts: every fault below is made for real (a file
 * on disk or a `MemoryFile`, reached through the public API) and the error
 * is checked for its class, `code`, `file`, `reason` and the message made
 * from them (`Cannot <verb> <file>: <reason>`), so callers branch on the
 * code and name the file without reading message text.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  MemoryFile,
  NpyAppendArraySync,
  NpyFormatError,
  NpyGroupReader,
  NpyLockedError,
  NpyReader,
  NpyStackReader,
  NpyStackWriterSync,
  parseHeader,
  readNpy,
  readNpyStack,
  readNpySync,
} from "../mod.ts";
import { infoRecord, messageOf } from "../src/cli/info.ts";
import { tempDir } from "./_numpy.ts";

type Code = NpyFormatError["code"];

/** A `.npy` file (version 1.0) with header dict `dict` and `data` bytes. */
function npy(dict: string, data = 0): Uint8Array {
  const len = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const head = dict + " ".repeat(len - 10 - dict.length - 1) + "\n";
  const out = new Uint8Array(len + data);
  out.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0]);
  new DataView(out.buffer).setUint16(8, head.length, true);
  out.set(new TextEncoder().encode(head), 10);
  return out;
}

const GOOD = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";

/** A path in a new folder holding `bytes`. */
function fileWith(bytes: Uint8Array, name = "x.npy"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * Asserts `e` is an `NpyFormatError` with these parts, its message made
 * from them, and (when `file` is given) a cause that names no file and
 * has the same code and reason: the file was named by a new error, not by
 * editing the message.
 */
function formatError(
  e: unknown,
  code: Code,
  file: string | undefined,
  reason: RegExp,
  verb = "read",
  label = file === undefined || file === "the file object"
    ? file
    : JSON.stringify(file),
): true {
  assert.ok(e instanceof NpyFormatError, String(e));
  assert.equal(e.name, "NpyFormatError");
  assert.equal(e.code, code, e.message);
  assert.equal(e.file, file, e.message);
  assert.match(e.reason, reason);
  if (file !== undefined) {
    assert.equal(e.message, `Cannot ${verb} ${label}: ${e.reason}`);
  }
  return true;
}

/** The cause of a named error: the codec's, naming no file. */
function unnamedCause(e: unknown): NpyFormatError {
  assert.ok(e instanceof NpyFormatError);
  const cause = e.cause;
  assert.ok(cause instanceof NpyFormatError, `cause of ${e.message}`);
  assert.equal(cause.file, undefined);
  assert.equal(cause.code, e.code);
  assert.equal(cause.reason, e.reason);
  return cause;
}

describe("a truncated file", () => {
  // A valid file cut in the middle of its header.
  const bytes = npy(GOOD, 16).subarray(0, 40);
  const reason =
    /^truncated \.npy file: the header needs 128 bytes but the file has 40; it ends inside its header, cut short .*: copy or save it again$/;

  test("on disk: code truncated, the path as file", () => {
    const path = fileWith(bytes);
    assert.throws(
      () => readNpySync(path),
      (e) => formatError(e, "truncated", path, reason),
    );
    assert.throws(() => readNpySync(path), (e) => !!unnamedCause(e));
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
  });

  test("in a MemoryFile: the file object as file, async too", async () => {
    const file = new MemoryFile(bytes);
    assert.throws(
      () => readNpySync(file),
      (e) => formatError(e, "truncated", "the file object", reason),
    );
    await assert.rejects(
      readNpy(file),
      (e) => formatError(e, "truncated", "the file object", reason),
    );
    await assert.rejects(
      NpyReader.open(file),
      (e) => formatError(e, "truncated", "the file object", reason),
    );
  });

  test("data cut short, opened with NpyReader: truncated on the read", () => {
    // The header says 4 items; 2 are there and allowIncomplete reads them.
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }";
    const path = fileWith(npy(dict, 16));
    // Opened while whole, then cut: the read stops short.
    const whole = npy(dict, 32);
    writeFileSync(path, whole);
    using r = NpyReader.openSync(path);
    writeFileSync(path, whole.subarray(0, 128 + 16));
    assert.throws(
      () => r.readSync(0, 4),
      (e) =>
        formatError(e, "truncated", path, /^truncated \.npy file: expected 32/),
    );
  });
});

describe("not a .npy file", () => {
  test("bad magic, on disk: code bad-magic", () => {
    const path = fileWith(
      new TextEncoder().encode("x,y\n1,2\n3,4\n5,6\n"),
      "x.csv",
    );
    assert.throws(
      () => readNpySync(path),
      (e) =>
        formatError(
          e,
          "bad-magic",
          path,
          /^not a \.npy file: the magic string "\\x93NUMPY" is missing$/,
        ),
    );
  });

  test("bad magic, parseHeader on bytes: no file, the reason in sentence case", () => {
    const bytes = new TextEncoder().encode("PK\x03\x04 a zip file, not npy");
    assert.throws(
      () => parseHeader(bytes),
      (e) => {
        formatError(e, "bad-magic", undefined, /^not a \.npy file/);
        assert.equal(
          (e as Error).message,
          'Not a .npy file: the magic string "\\x93NUMPY" is missing',
        );
        return true;
      },
    );
  });

  test("an unknown format version: code unsupported-version", () => {
    const bytes = npy(GOOD, 16);
    bytes[6] = 4;
    const file = new MemoryFile(bytes);
    assert.throws(
      () => readNpySync(file),
      (e) =>
        formatError(
          e,
          "unsupported-version",
          "the file object",
          /^unsupported \.npy format version 4\.0/,
        ),
    );
  });
});

describe("a header the library cannot use", () => {
  test("an unknown dtype: code unsupported-dtype, on disk and in memory", () => {
    const bytes = npy(
      "{'descr': '<q9', 'fortran_order': False, 'shape': (2,), }",
      16,
    );
    const path = fileWith(bytes);
    const reason = /^invalid descr '<q9' in header: /;
    assert.throws(
      () => readNpySync(path),
      (e) => formatError(e, "unsupported-dtype", path, reason),
    );
    assert.throws(
      () => NpyReader.openSync(new MemoryFile(bytes)),
      (e) => formatError(e, "unsupported-dtype", "the file object", reason),
    );
    // Appending names the file too, with the verb "open".
    assert.throws(
      () => NpyAppendArraySync.open(path),
      (e) => formatError(e, "unsupported-dtype", path, reason, "open"),
    );
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
  });

  test("a header over maxHeaderSize: code header-too-large", () => {
    const bytes = npy(GOOD, 16);
    assert.throws(
      () => readNpySync(new MemoryFile(bytes), { maxHeaderSize: 10 }),
      (e) =>
        formatError(
          e,
          "header-too-large",
          "the file object",
          /is larger than maxHeaderSize \(10\); raise maxHeaderSize/,
        ),
    );
  });

  test("a header that is not a dict: code bad-header, the text quoted", () => {
    const bytes = npy("['descr', '<f8']", 16);
    assert.throws(
      () => readNpySync(new MemoryFile(bytes)),
      (e) =>
        formatError(
          e,
          "bad-header",
          "the file object",
          /^invalid header: not a dictionary: "\['descr', '<f8'\]"; np\.load refuses it too: .*save the array again with np\.save$/,
        ),
    );
  });
});

describe("a file that needs recovery, opened for reading", () => {
  function needsRecovery(): string {
    const path = join(tempDir(), "x.npy");
    const w = NpyAppendArraySync.open(path);
    w.append(new Float64Array([1, 2]));
    w.close();
    appendFileSync(path, new Uint8Array(3));
    return path;
  }
  const reason =
    /^it holds 19 data bytes but its header says 16; call recover, or pass allowIncomplete: true$/;

  test("readNpySync and NpyReader: code needs-recovery", () => {
    const path = needsRecovery();
    assert.throws(
      () => readNpySync(path),
      (e) => formatError(e, "needs-recovery", path, reason),
    );
    assert.throws(
      () => NpyReader.openSync(path),
      (e) => formatError(e, "needs-recovery", path, reason),
    );
  });

  test("appending to it: needs-recovery, the fix is recover", () => {
    const path = needsRecovery();
    const before = readFileSync(path);
    assert.throws(
      () => NpyAppendArraySync.open(path),
      (e) =>
        formatError(
          e,
          "needs-recovery",
          path,
          /^it holds 19 data bytes but its header says 16; call recover first$/,
          "append to",
        ),
    );
    assert.deepEqual(readFileSync(path), before);
  });

  test("two arrays saved one after another: code several-arrays", () => {
    const one = npy(GOOD, 16);
    const file = new MemoryFile(new Uint8Array([...one, ...one]));
    assert.throws(
      () => NpyAppendArraySync.open(file),
      (e) =>
        formatError(
          e,
          "several-arrays",
          "the file object",
          /^it holds several arrays saved one after another/,
          "append to",
        ),
    );
  });
});

describe("a damaged stack folder", () => {
  function stack(): string {
    const dir = tempDir();
    const w = NpyStackWriterSync.open(dir, { shardRows: 2, dtype: "<i4" });
    for (let i = 0; i < 6; i++) w.append([i]);
    w.close();
    return dir;
  }

  test("a shard missing in the middle: code damaged-stack, the folder as file", async () => {
    const dir = stack();
    unlinkSync(join(dir, "1.npy"));
    const check = (e: unknown) => {
      formatError(
        e,
        "damaged-stack",
        dir,
        /"1\.npy" is missing|lists 3 shards but ".*1\.npy" is missing/,
        "open the stack",
        // The folder is quoted in the message, and only there.
        `"${dir}"`,
      );
      return true;
    };
    assert.throws(() => NpyStackReader.openSync(dir), check);
    await assert.rejects(readNpyStack(dir), check);
  });

  test("a broken shard: the shard is the file, its fault the code", () => {
    const dir = stack();
    writeFileSync(join(dir, "0.npy"), new TextEncoder().encode("not npy!!!!!"));
    assert.throws(
      () => NpyStackReader.openSync(dir),
      (e) => {
        assert.ok(e instanceof NpyFormatError, String(e));
        assert.equal(e.code, "bad-magic");
        assert.equal(e.file, join(dir, "0.npy"));
        assert.equal(e.message, `Cannot read "${e.file}": ${e.reason}`);
        return true;
      },
    );
  });

  test("a group folder without group.json: code damaged-group", () => {
    const dir = tempDir();
    assert.throws(
      () => NpyGroupReader.openSync(dir),
      (e) =>
        formatError(
          e,
          "damaged-group",
          dir,
          /^it has no group\.json; pass the folder that NpyGroupWriter wrote$/,
          // The verb and the quoted folder, as the message shows them.
          "read group",
          `"${dir}"`,
        ),
    );
  });
});

describe("a locked file", () => {
  test("a second writer: NpyLockedError with code locked and the path", () => {
    const path = join(tempDir(), "x.npy");
    using first = NpyAppendArraySync.open(path);
    first.append(new Float64Array([1]));
    assert.throws(
      () => NpyAppendArraySync.open(path),
      (e) => {
        assert.ok(e instanceof NpyLockedError, String(e));
        assert.ok(!(e instanceof NpyFormatError));
        assert.equal(e.code, "locked");
        assert.equal(e.path, path);
        assert.match(
          e.message,
          new RegExp(`^Cannot open ${JSON.stringify(path)}: `),
        );
        return true;
      },
    );
  });
});

describe("the message is made once, from the parts", () => {
  test("with a file, a verb, or neither", () => {
    const named = new NpyFormatError("truncated", "it ends early", {
      file: "a.npy",
      verb: "append to",
    });
    assert.equal(named.message, 'Cannot append to "a.npy": it ends early');
    assert.equal(
      new NpyFormatError("changed", "it shrank", { verb: "read" }).message,
      "Cannot read: it shrank",
    );
    const bare = new NpyFormatError("bad-header", "invalid header: x");
    assert.equal(bare.message, "Invalid header: x");
    assert.equal(bare.file, undefined);
    assert.equal(bare.reason, "invalid header: x");
    assert.equal(bare.cause, undefined);
  });
});

describe("the command line", () => {
  /**
   * A CSV file read by `info`: the error as the command line meets it
   * (under `node --test` of the npm build its modules use the bundle's
   * `NpyFormatError`, a class of its own).
   */
  function cliError(): NpyFormatError {
    const path = fileWith(
      new TextEncoder().encode("x,y\n1,2\n3,4\n5,6\n"),
      "x.csv",
    );
    try {
      infoRecord(path);
    } catch (e) {
      assert.equal((e as NpyFormatError).code, "bad-magic");
      assert.equal((e as NpyFormatError).file, path);
      assert.equal(messageOf(e, "other.npy"), (e as Error).message);
      return e as NpyFormatError;
    }
    assert.fail("info read a CSV file");
  }

  test("info's error names the file; messageOf prints it unedited", () => {
    const e = cliError();
    assert.match(
      messageOf(e),
      /^Cannot read ".*x\.csv": not a \.npy file: the magic string/,
    );
  });

  test("messageOf names the file only when the library could not", () => {
    const Cls = cliError().constructor as typeof NpyFormatError;
    const bare = new Cls("bad-magic", "not a .npy file: x");
    assert.equal(
      messageOf(bare, "a.npy"),
      'Cannot read "a.npy": not a .npy file: x',
    );
    assert.equal(messageOf(bare), "Not a .npy file: x");
    const named = new Cls("truncated", "it ends early", { file: "b.npy" });
    assert.equal(
      messageOf(named, "a.npy"),
      'Cannot read "b.npy": it ends early',
    );
    assert.equal(
      messageOf(new TypeError("Cannot x: y"), "a.npy"),
      "Cannot x: y",
    );
  });
});
