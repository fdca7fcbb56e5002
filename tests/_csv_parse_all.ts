/**
 * The CSV parser run over a text cut into chunks at `cuts`: every record
 * and its line number, as the CLI's `from-csv` gets them.
 */
import { CsvParser } from "../src/cli/_csv_parse.ts";

/**
 * Parses `text` pushed in pieces cut at the offsets `cuts`.
 *
 * @returns Each record's fields and line number.
 */
export function parseAll(
  text: string,
  cuts: number[] = [],
  delimiter = ",",
): [string[], number][] {
  const out: [string[], number][] = [];
  const p = new CsvParser(
    { delimiter, comments: "#", label: "t.csv" },
    (f, l) => out.push([f, l]),
  );
  let last = 0;
  for (const c of cuts) {
    p.push(text.slice(last, c));
    last = c;
  }
  p.push(text.slice(last));
  p.finish();
  return out;
}
