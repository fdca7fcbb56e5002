/**
 * The keys the options of each public function may hold (see
 * {@linkcode OptionKind}): one list per options type, checked against the
 * type by the compiler, so a key added to a type and not here fails the
 * type check instead of being refused at run time.
 *
 * @module
 */

import { checkOptions, type OptionKind, optionKind } from "./_options_check.ts";
import type { NpyAppendArrayOptions } from "./npy_append_array_options.ts";
import type { NpyStackWriterOptions } from "./_stack_options.ts";
import type {
  GroupMemberOptions,
  NpyGroupWriterOptions,
} from "./_group_options.ts";
import type { EncodeHeaderOptions, ParseHeaderOptions } from "./header.ts";
import type { ReadNpyOptions } from "./read_npy.ts";
import type { NpyBatchOptions, NpyReaderOptions } from "./npy_reader.ts";
import type { EnsureAppendableOptions, RecoverOptions } from "./maintenance.ts";

const WRITER_EXAMPLE = '{ dtype: "<f4" }';
const HEADER_EXAMPLE = "{ maxHeaderSize: 1048576 }";

/** The keys of `NpyAppendArrayOptions`, which the stack writer's extend. */
const WRITER_KEYS = {
  dtype: true,
  deleteIfExists: true,
  rewriteHeaderOnAppend: true,
  fortranOrder: true,
  casting: true,
  fsync: true,
  atomic: true,
  maxHeaderSize: true,
  bufferBytes: true,
} as const satisfies {
  readonly [K in keyof Required<NpyAppendArrayOptions>]: true;
};

/** `NpyAppendArray.open`, `NpyAppendArraySync.open`. */
export const WRITER_OPTIONS: OptionKind = optionKind<NpyAppendArrayOptions>(
  WRITER_EXAMPLE,
  WRITER_KEYS,
);

/** `NpyStackWriter.open`, `NpyStackWriterSync.open`. */
export const STACK_WRITER_OPTIONS: OptionKind = optionKind<
  NpyStackWriterOptions
>(WRITER_EXAMPLE, { ...WRITER_KEYS, shardRows: true, shardBytes: true });

/** `NpyGroupWriter.open`, `NpyGroupWriterSync.open`. */
export const GROUP_WRITER_OPTIONS: OptionKind = optionKind<
  NpyGroupWriterOptions
>('{ members: { x: "<f4" } }', {
  members: true,
  deleteIfExists: true,
  casting: true,
  fsync: true,
  maxHeaderSize: true,
  shardRows: true,
  shardBytes: true,
});

/** A member of a group declared by options, in `members`. */
export const MEMBER_OPTIONS: OptionKind = optionKind<GroupMemberOptions>(
  '{ dtype: "<f4", fortranOrder: true }',
  { dtype: true, fortranOrder: true, casting: true },
);

/** Readers of headers: `inspectNpy`, `isAppendable`, group readers ... */
export const HEADER_OPTIONS: OptionKind = optionKind<ParseHeaderOptions>(
  HEADER_EXAMPLE,
  { maxHeaderSize: true },
);

/** `readNpy`, `readNpySync`. */
export const READ_OPTIONS: OptionKind = optionKind<ReadNpyOptions>(
  HEADER_EXAMPLE,
  { maxHeaderSize: true, allowIncomplete: true },
);

/** `NpyReader.open`, `NpyReader.openSync`. */
export const READER_OPTIONS: OptionKind = optionKind<NpyReaderOptions>(
  HEADER_EXAMPLE,
  { maxHeaderSize: true, allowIncomplete: true, batchItems: true },
);

/** `ensureAppendable`, `ensureAppendableSync`. */
export const ENSURE_OPTIONS: OptionKind = optionKind<EnsureAppendableOptions>(
  "{ inplace: true }",
  { maxHeaderSize: true, inplace: true },
);

/** `recover`, `recoverSync`. */
export const RECOVER_OPTIONS: OptionKind = optionKind<RecoverOptions>(
  "{ zerofillIncomplete: true }",
  { maxHeaderSize: true, zerofillIncomplete: true },
);

/** `encodeHeader`. */
export const ENCODE_OPTIONS: OptionKind = optionKind<EncodeHeaderOptions>(
  "{ headerLength: 128 }",
  { headerLength: true, growthSpace: true, version: true },
);

/** `batches`, `batchesSync`, `readable` of `NpyReader` and `NpyStackReader`. */
export const BATCH_OPTIONS: OptionKind = optionKind<NpyBatchOptions>(
  "{ batchItems: 1000 }",
  { batchItems: true, start: true, end: true },
);

/**
 * Checks the options of a reader's batches (see {@linkcode BATCH_OPTIONS}).
 *
 * @param options The options as given.
 * @param shown The file or stack as messages show it, such as `"x.npy"`.
 * @returns The options as read once.
 * @throws {TypeError} for options that are not an object, or hold an
 * unknown key.
 */
export function checkBatchOptions(
  options: NpyBatchOptions | undefined,
  shown: string,
): NpyBatchOptions {
  return checkOptions(
    options,
    "read batches of",
    { label: shown },
    BATCH_OPTIONS,
  );
}
