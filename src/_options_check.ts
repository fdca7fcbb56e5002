/**
 * The one check that an options argument is an object (or left out):
 * `null`, a string or a number as options made the first option read an
 * engine `TypeError` naming neither the file nor the fix. Every public
 * function taking options calls it before any I/O, and goes on with the
 * snapshot it returns (each option read once). And the one check of a
 * writer's option values, for files, stacks and groups alike.
 *
 * @module
 */

import { show } from "./_describe_value.ts";
import { nearest } from "./_nearest.ts";
import { type Casting, checkCasting } from "./casting.ts";
import { type DType, type DTypeSpec, parseDType } from "./dtype.ts";
import { unsizedWhy } from "./_dtype_names.ts";

import { FILE_OBJECT_LABEL } from "./_file_label.ts";
export { FILE_OBJECT_LABEL };

/**
 * How a target shows in an options error: a path or URL quoted, a file
 * object as `the file object`.
 *
 * @param target A path, a URL or a file object.
 * @returns The label.
 */
function labelOf(target: unknown): string {
  if (typeof target === "string") return JSON.stringify(target);
  if (target instanceof URL) return JSON.stringify(target.href);
  return FILE_OBJECT_LABEL;
}

/**
 * What the options of a function may hold: every key of its options type
 * (a misspelled key, such as `deleteIfExist`, is refused as NumPy refuses
 * an unknown keyword argument, instead of being silently ignored), and an
 * example for messages.
 */
export interface OptionKind {
  /** The keys, in the order messages list them. */
  readonly keys: readonly string[];
  /** An options object to show, such as `{ dtype: "<f4" }`. */
  readonly example: string;
}

/**
 * The {@linkcode OptionKind} of the options type `T`. `keys` must name
 * every key of `T` and no other (the compiler checks it), so the list at
 * run time cannot fall behind the type.
 *
 * @param example An options object to show, such as `{ dtype: "<f4" }`.
 * @param keys Each key of `T`, as `key: true`.
 * @returns The kind.
 */
export function optionKind<T>(
  example: string,
  keys: { readonly [K in keyof Required<T>]: true },
): OptionKind {
  return { example, keys: Object.keys(keys) };
}

/**
 * `unknown <noun> "key"; did you mean "near"?` for the known key nearest
 * to `key`, or, with none near, `the <noun>s are "a", "b"`: one wording
 * for unknown options and unknown keys of an input object.
 *
 * @param key The unknown key.
 * @param keys The keys known.
 * @param noun `"option"` or `"key"`.
 * @returns The words, without the file.
 */
export function unknownKeyText(
  key: string,
  keys: readonly string[],
  noun: string,
): string {
  const near = nearest(key, keys);
  return `unknown ${noun} ${JSON.stringify(key)}; ${
    near === undefined
      ? `the ${noun}s are ${keys.map((k) => `"${k}"`).join(", ")}`
      : `did you mean "${near}"?`
  }`;
}

/**
 * The options a function was given, read once: a plain object holding each
 * own key's value as read now (a getter or a Proxy is asked once, so a
 * check and the action after it see one value; inherited keys are not the
 * caller's), empty when left out; or the
 * `TypeError` for options that are neither `undefined` nor an object, or
 * that hold a key `kind` does not know.
 *
 * @param options The options as given.
 * @param verb What was being done, such as `"open"` or `"read"`.
 * @param target The target (path, URL or file object), or a label in
 * `{ label }` (such as `"the header"`).
 * @param kind The keys the options may hold, and an example.
 * @returns The snapshot, or the error (a `RangeError` for a
 * `maxHeaderSize` that is no positive integer).
 */
export function optionsOrError<T>(
  options: T | undefined,
  verb: string,
  target: unknown,
  kind: OptionKind,
): T | TypeError | RangeError {
  // Null-prototype snapshots: an inherited key is not the caller's (a
  // polluted Object.prototype.deleteIfExists deleted files).
  if (options === undefined) return Object.create(null) as T;
  const label = typeof target === "object" && target !== null &&
      !(target instanceof URL) && "label" in target &&
      typeof target.label === "string"
    ? target.label
    : labelOf(target);
  if (
    typeof options === "object" && options !== null && !Array.isArray(options)
  ) {
    const keys = Object.keys(options);
    const unknown = keys.find((k) => !kind.keys.includes(k));
    if (unknown === undefined) {
      const snapshot: Record<string, unknown> = Object.create(null);
      for (const k of keys) {
        snapshot[k] = (options as Record<string, unknown>)[k];
      }
      return badHeaderCap(snapshot.maxHeaderSize, verb, label) ??
        badFlag(snapshot, verb, label) ?? snapshot as T;
    }
    return new TypeError(
      `Cannot ${verb} ${label}: ${
        unknownKeyText(unknown, kind.keys, "option")
      }`,
    );
  }
  return new TypeError(
    `Cannot ${verb} ${label}: options must be an object such as ${kind.example}, not ${
      show(options)
    }`,
  );
}

/**
 * The boolean options of readers and maintenance calls (the writers' are
 * checked with their other values, `checkWriterOptions`).
 */
const FLAGS = ["allowIncomplete", "zerofillIncomplete", "inplace"] as const;

/**
 * The error of a flag given but no boolean (`allowIncomplete: "false"`,
 * truthy, read a file that needs recovery), naming the file: checked
 * here, before any I/O, for every function taking one.
 */
function badFlag(
  options: Record<string, unknown>,
  verb: string,
  label: string,
): TypeError | undefined {
  for (const name of FLAGS) {
    const v = options[name];
    if (v !== undefined && typeof v !== "boolean") {
      return new TypeError(
        `Cannot ${verb} ${label}: ${name} must be a boolean, not ${
          typeof v === "string" ? `"${v}"` : show(v)
        }`,
      );
    }
  }
  return undefined;
}

/**
 * The error of a `maxHeaderSize` given but no positive safe integer
 * (`NaN` turned the cap off), naming the file: every function taking the
 * option checks it here, before any I/O.
 */
function badHeaderCap(
  max: unknown,
  verb: string,
  label: string,
): RangeError | undefined {
  if (
    max === undefined ||
    (typeof max === "number" && Number.isSafeInteger(max) && max > 0)
  ) {
    return undefined;
  }
  return new RangeError(
    `Cannot ${verb} ${label}: maxHeaderSize must be a positive integer, not ${
      show(max)
    }`,
  );
}

/**
 * {@linkcode optionsOrError}, throwing its error: the one reading of a
 * public function's options, before any I/O.
 *
 * @param options The options as given.
 * @param verb What was being done.
 * @param target The target, or `{ label }`.
 * @param kind The keys the options may hold, and an example.
 * @returns The options as read once (use them, not `options`, afterwards).
 * @throws {TypeError} when the options are neither `undefined` nor an
 * object, or hold a key `kind` does not know.
 */
export function checkOptions<T>(
  options: T | undefined,
  verb: string,
  target: unknown,
  kind: OptionKind,
): T {
  const o = optionsOrError(options, verb, target, kind);
  if (o instanceof TypeError || o instanceof RangeError) throw o;
  return o;
}

/** The option values every writer checks, as {@linkcode checkWriterOptions} gives them. */
export interface CheckedWriterOptions {
  rewriteHeaderOnAppend: boolean;
  casting: Casting;
  fsync: boolean;
  fortranOrder: boolean;
  bufferBytes: number;
  dtype: DType | undefined;
  /**
   * The refusal of a `dtype` given as text naming NumPy's unsized `"S"`/
   * `"U"` (size 0), left to the caller when it asked (`existing`): such
   * text still names an existing file's or stack's own `|S0`/`<U0` dtype
   * (as `readNpy` reports it), so only a new file, or another dtype, is
   * refused with it.
   */
  unsized?: TypeError;
}

/**
 * The one check of a writer's option values (`NpyAppendArrayOptions`, and
 * the same options given to a stack, a group or a group's member), run
 * before any I/O: a boolean option of another type is a `TypeError` (a
 * truthy `"no"` as `deleteIfExists` removed a stack's or a group's
 * files), a number out of range a `RangeError`, each beginning
 * `Cannot open ${label}: `.
 *
 * @param options The options (an object, see {@linkcode checkOptions}).
 * @param label The file, stack or group, as messages name it.
 * @param existing Whether the caller may yet find an existing file or
 *   stack: the refusal of an unsized `"S"`/`"U"` dtype text is then
 *   returned as `unsized` (thrown at once with `deleteIfExists`, which
 *   starts afresh), for the caller to throw unless that text names the
 *   existing dtype.
 * @returns The values, defaults filled in.
 * @throws {TypeError} for a boolean option that is not a boolean, an
 * unknown casting or dtype, a dtype holding Python objects.
 * @throws {RangeError} for a bad `maxHeaderSize` or `bufferBytes`, or
 * `bufferBytes` without `rewriteHeaderOnAppend: false`.
 */
export function checkWriterOptions(
  options: {
    deleteIfExists?: unknown;
    rewriteHeaderOnAppend?: unknown;
    fortranOrder?: unknown;
    fsync?: unknown;
    atomic?: unknown;
    casting?: unknown;
    maxHeaderSize?: unknown;
    bufferBytes?: unknown;
    dtype?: DTypeSpec | undefined;
  },
  label: string,
  existing = false,
): CheckedWriterOptions {
  for (
    const name of [
      "deleteIfExists",
      "rewriteHeaderOnAppend",
      "fortranOrder",
      "fsync",
      "atomic",
    ] as const
  ) {
    const v = options[name];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(
        `Cannot open ${label}: ${name} must be a boolean, not ${
          typeof v === "string" ? `"${v}"` : String(v)
        }`,
      );
    }
  }
  const rewriteHeaderOnAppend =
    (options.rewriteHeaderOnAppend as boolean | undefined) ?? true;
  const casting = checkCasting(options.casting ?? "same_kind", label);
  const max = options.maxHeaderSize;
  if (
    max !== undefined &&
    (typeof max !== "number" || !Number.isSafeInteger(max) || max <= 0)
  ) {
    throw new RangeError(
      `Cannot open ${label}: maxHeaderSize must be a positive integer, not ${
        show(max)
      }`,
    );
  }
  const bufferBytes = options.bufferBytes ?? 0;
  if (
    typeof bufferBytes !== "number" || !Number.isSafeInteger(bufferBytes) ||
    bufferBytes < 0
  ) {
    throw new RangeError(
      `Cannot open ${label}: bufferBytes must be a non-negative integer, not ${
        show(options.bufferBytes)
      }`,
    );
  }
  if (bufferBytes > 0 && rewriteHeaderOnAppend) {
    throw new RangeError(
      `Cannot open ${label}: bufferBytes needs rewriteHeaderOnAppend: false, since a header rewritten on every append must cover data in the file`,
    );
  }
  let dtype: DType | undefined;
  let refusal: TypeError | undefined;
  if (options.dtype !== undefined) {
    try {
      dtype = parseDType(options.dtype);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      throw new TypeError(`Cannot open ${label}: ${e.message}`, { cause: e });
    }
    if (dtype.hasObject) {
      throw new TypeError(
        `Cannot open ${label}: dtype "${dtype.str}" holds Python objects, which cannot be written`,
      );
    }
    // Text naming NumPy's unsized "S"/"U" asks for a size from the data;
    // a DType object stands as it is, as a header's |S0 does (a stack's
    // shards and the CLI's outputs of a |S0 source get one).
    const unsized = typeof options.dtype === "string"
      ? unsizedWhy(dtype)
      : undefined;
    if (unsized !== undefined) {
      refusal = new TypeError(
        `Cannot open ${label}: Cannot use dtype ${
          JSON.stringify(options.dtype)
        }: ${unsized}`,
      );
      if (!existing || options.deleteIfExists === true) throw refusal;
    }
  }
  return {
    rewriteHeaderOnAppend,
    casting,
    fsync: (options.fsync as boolean | undefined) ?? false,
    fortranOrder: (options.fortranOrder as boolean | undefined) ?? false,
    bufferBytes,
    dtype,
    ...(refusal === undefined ? {} : { unsized: refusal }),
  };
}
