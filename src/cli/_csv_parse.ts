/**
 * A streaming CSV reader for the command line: text in any chunks,
 * records out, RFC 4180 quoted fields (delimiters, doubled quotes and line
 * breaks inside quotes), `\n`, `\r\n` or lone `\r` line ends (Python's
 * universal newlines, which `np.loadtxt` reads through, so a CR inside a
 * quoted field is a line break too), comments and blank lines skipped as
 * `np.loadtxt` does.
 *
 * @module
 */

/** Options of {@linkcode CsvParser}. */
export interface CsvParseOptions {
  /** The field delimiter, one character. */
  readonly delimiter: string;
  /** The comment character (the rest of the line is ignored), or `""`. */
  readonly comments: string;
  /** The input's name, for messages. */
  readonly label: string;
}

/** Receives a record: its fields and the line number it starts on. */
export type RecordSink = (fields: string[], line: number) => void;

/** Thrown for text that is not valid CSV, naming the line. */
export class CsvError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, and where.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CsvError";
  }
}

const QUOTE = '"';

/**
 * The longest row (record) read, in characters: a row is read whole, so
 * this bounds the memory a line with no end, or a quote not closed, takes.
 */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** How many `"` `text` holds. */
function quotes(text: string): number {
  let n = 0;
  for (let q = text.indexOf(QUOTE); q !== -1; q = text.indexOf(QUOTE, q + 1)) {
    n++;
  }
  return n;
}

/** An incremental CSV parser. */
export class CsvParser {
  readonly #opts: CsvParseOptions;
  readonly #sink: RecordSink;
  #carry = "";
  /** Chunks after `#carry` not parsed yet (its record cannot end in them). */
  #pending: string[] = [];
  /** Quotes in `#carry` and `#pending`, modulo 2. */
  #parity = 0;
  /** `#carry` holds the comment character. */
  #commented = false;
  /** A CR ended the last chunk: a line end, and a `\n` next is its LF. */
  #cr = false;
  /** Characters in `#pending`. */
  #pendingChars = 0;
  /** Line number (1-based) of the first line in `#carry`. */
  #line = 1;

  /**
   * Creates the parser.
   *
   * @param options Delimiter, comment character, label.
   * @param sink Called for every non-blank record.
   */
  constructor(options: CsvParseOptions, sink: RecordSink) {
    if (options.delimiter.length !== 1) {
      throw new RangeError(
        `Invalid delimiter "${options.delimiter}": use one character`,
      );
    }
    this.#opts = options;
    this.#sink = sink;
  }

  /**
   * Parses more text; a record cut by the chunk end waits for the next.
   *
   * @param text The next chunk.
   */
  push(text: string): void {
    text = this.#lineEnds(text);
    if (
      (this.#carry !== "" || this.#pending.length !== 0) && !this.#ends(text)
    ) {
      // The record cut short cannot end in this chunk: keep it unparsed,
      // so that a long record costs one parse, not one per chunk.
      this.#pending.push(text);
      this.#pendingChars += text.length;
      this.#parity ^= quotes(text) & 1;
      this.#refuseLong(this.#carry.length + this.#pendingChars);
      return;
    }
    const all = this.#carry + this.#pending.join("") + text;
    this.#pending = [];
    this.#pendingChars = 0;
    const used = this.#parse(all, false);
    this.#carry = all.slice(used);
    this.#refuseLong(this.#carry.length);
    this.#parity = quotes(this.#carry) & 1;
    const { comments } = this.#opts;
    this.#commented = comments !== "" && this.#carry.includes(comments);
  }

  /**
   * Refuses a record of more than {@linkcode MAX_RECORD_CHARS} characters
   * so far: a row is read whole, and a quote not closed would make the
   * rest of the input one field, held in memory.
   */
  #refuseLong(chars: number): void {
    if (chars <= MAX_RECORD_CHARS) return;
    throw new CsvError(
      `Cannot read ${this.#opts.label} line ${this.#line}: the row starting there is longer than ${MAX_RECORD_CHARS} characters, and a row is read whole; if a quote there is not closed, close it (a quote inside a field is written ""), else split the row`,
    );
  }

  /**
   * Whether `text` may end the record cut short: it holds a line end
   * after an even number of quotes (since the record's start), or a
   * comment character (a quote after it does not count; parse to see).
   */
  #ends(text: string): boolean {
    const { comments } = this.#opts;
    // `#pending` never holds one: it would not have been kept.
    if (this.#commented || (comments !== "" && text.includes(comments))) {
      return true;
    }
    let odd = this.#parity;
    let q = text.indexOf(QUOTE);
    for (
      let nl = text.indexOf("\n");
      nl !== -1;
      nl = text.indexOf("\n", nl + 1)
    ) {
      for (; q !== -1 && q < nl; q = text.indexOf(QUOTE, q + 1)) odd ^= 1;
      if (odd === 0) return true;
    }
    return false;
  }

  /**
   * The line number that the next text pushed starts on (for messages
   * about input that never reaches the parser).
   */
  get nextLine(): number {
    let n = this.#line + (this.#cr ? 1 : 0);
    for (const c of [this.#carry, ...this.#pending]) {
      for (let k = c.indexOf("\n"); k !== -1; k = c.indexOf("\n", k + 1)) n++;
    }
    return n;
  }

  /** Parses what is left at the end of the input. */
  finish(): void {
    const all = this.#carry + this.#pending.join("") + (this.#cr ? "\n" : "");
    this.#pending = [];
    this.#pendingChars = 0;
    this.#cr = false;
    this.#carry = "";
    this.#parse(all, true);
  }

  /**
   * Python's universal newlines: `\r\n` and a lone `\r` become `\n`.
   * A CR that ends the chunk is held back, since its LF may come next.
   */
  #lineEnds(text: string): string {
    if (this.#cr) {
      text = "\r" + text;
      this.#cr = false;
    }
    if (text.indexOf("\r") === -1) return text;
    if (text.charCodeAt(text.length - 1) === 13) {
      this.#cr = true;
      text = text.slice(0, -1);
    }
    return text.replace(/\r\n?/g, "\n");
  }

  /** Parses whole records of `text`; returns how many characters it used. */
  #parse(text: string, final: boolean): number {
    const { delimiter, comments } = this.#opts;
    const len = text.length;
    let pos = 0;
    while (pos < len) {
      let nl = text.indexOf("\n", pos);
      if (nl === -1) {
        if (!final) break;
        nl = len;
      }
      let end = nl;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      let line = text.slice(pos, end);
      if (line.indexOf(QUOTE) === -1) {
        if (comments !== "") {
          const c = line.indexOf(comments);
          if (c !== -1) line = line.slice(0, c);
        }
        if (line.length !== 0 && (line.trim() !== "")) {
          this.#sink(line.split(delimiter), this.#line);
        }
        pos = nl + 1;
        this.#line++;
        continue;
      }
      const r = this.#quoted(text, pos, final);
      if (r === null) break;
      if (r.fields.length > 1 || r.fields[0]!.trim() !== "" || r.quoted) {
        this.#sink(r.fields, this.#line);
      }
      this.#line += r.lines;
      pos = r.end;
    }
    return Math.min(pos, len);
  }

  /**
   * Parses one record that holds quotes, starting at `pos`; `null` when
   * the text ends inside it and more may come.
   */
  #quoted(
    text: string,
    pos: number,
    final: boolean,
  ): { fields: string[]; end: number; lines: number; quoted: boolean } | null {
    const { delimiter, comments, label } = this.#opts;
    const len = text.length;
    const fields: string[] = [];
    let lines = 1;
    let quoted = false;
    let i = pos;
    for (;;) {
      // At the start of a field.
      let field = "";
      const start = i;
      let j = i;
      while (
        j < len && text[j] !== delimiter &&
        (text[j] === " " || text[j] === "\t")
      ) j++;
      if (j < len && text[j] === QUOTE) {
        quoted = true;
        i = j + 1;
        for (;;) {
          const q = text.indexOf(QUOTE, i);
          if (q === -1) {
            if (!final) return null;
            throw new CsvError(
              `Cannot read ${label} line ${this.#line}: a quoted field is not closed`,
            );
          }
          const part = text.slice(i, q);
          field += part;
          for (
            let k = part.indexOf("\n");
            k !== -1;
            k = part.indexOf("\n", k + 1)
          ) {
            lines++;
          }
          if (q + 1 >= len && !final) return null;
          if (text[q + 1] === QUOTE) {
            field += QUOTE;
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        // After the closing quote: spaces, then a delimiter or line end.
        while (
          i < len && text[i] !== delimiter &&
          (text[i] === " " || text[i] === "\t" || text[i] === "\r")
        ) i++;
        if (
          i < len && text[i] !== delimiter && text[i] !== "\n" &&
          text[i] !== comments
        ) {
          throw new CsvError(
            `Cannot read ${label} line ${this.#line + lines - 1}, column ${
              fields.length + 1
            }: unexpected text after a closing quote`,
          );
        }
      } else {
        // Unquoted: up to the delimiter, the line end or a comment.
        while (i < len) {
          const ch = text[i]!;
          if (ch === delimiter || ch === "\n" || ch === comments) break;
          if (ch === QUOTE) {
            throw new CsvError(
              `Cannot read ${label} line ${this.#line + lines - 1}, column ${
                fields.length + 1
              }: a quote inside an unquoted field`,
            );
          }
          i++;
        }
        field = text.slice(start, i);
        if (field.endsWith("\r") && (i >= len || text[i] === "\n")) {
          field = field.slice(0, -1);
        }
      }
      fields.push(field);
      if (i >= len) {
        if (!final) return null;
        return { fields, end: len, lines, quoted };
      }
      const ch = text[i]!;
      if (ch === delimiter) {
        i++;
        continue;
      }
      if (ch === comments && comments !== "") {
        const nl = text.indexOf("\n", i);
        if (nl === -1) {
          if (!final) return null;
          return { fields, end: len, lines, quoted };
        }
        return { fields, end: nl + 1, lines, quoted };
      }
      // A line end.
      return { fields, end: i + 1, lines, quoted };
    }
  }
}
