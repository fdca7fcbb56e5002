/**
 * A progress bar on standard error: bytes done, rate and time left,
 * redrawn at most ten times a second, and only when standard error is a
 * terminal.
 *
 * @module
 */

import type { CliRuntime } from "./_runtime.ts";

/**
 * Formats a byte count with binary units, as `"512 B"`, `"1.5 MiB"`.
 *
 * @param n Bytes.
 * @returns The text.
 */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[u]}`;
}

/**
 * Formats seconds as `m:ss` or `h:mm:ss`.
 *
 * @param s Seconds.
 * @returns The text.
 */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "--:--";
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * The label shortened to `room` characters, keeping the file name
 * readable: the whole label when it fits, else the file name alone (no
 * command, no folders), else the file name with its middle replaced by
 * `…`, so that its start and its extension stay.
 *
 * @param label The label, such as `"concat data/all.npy"`.
 * @param room Characters available.
 * @returns The text, at most `room` characters.
 */
export function fitLabel(label: string, room: number): string {
  if (label.length <= room) return label;
  const cut = Math.max(label.lastIndexOf(" "), label.lastIndexOf("/"));
  const name = label.slice(cut + 1);
  if (name.length <= room) return name;
  if (room <= 1) return name.slice(0, Math.max(0, room));
  const end = Math.floor((room - 1) / 2);
  const start = room - 1 - end;
  return `${name.slice(0, start)}…${end > 0 ? name.slice(-end) : ""}`;
}

/** Characters of the file name kept before the numbers are dropped. */
const MIN_LABEL = 24;

/**
 * The text of one progress line. At narrow widths the parts go in this
 * order, the label's file name last: the bar, the time left, the rate,
 * the byte counts; the percentage stays while the file name keeps 12
 * characters or more.
 *
 * @param label What is being done (a command and a file name).
 * @param done Bytes done.
 * @param total Bytes in all, or `undefined` when unknown (standard input).
 * @param seconds Seconds since the start.
 * @param width The terminal width.
 * @returns The line, at most `width - 1` characters.
 */
export function progressLine(
  label: string,
  done: number,
  total: number | undefined,
  seconds: number,
  width: number,
): string {
  const avail = Math.max(0, width - 1);
  const rate = seconds > 0 ? done / seconds : 0;
  const rateText = ` ${formatBytes(rate)}/s`;
  const known = total !== undefined && total > 0;
  let pieces: string[];
  let frac = 0;
  if (known) {
    frac = Math.min(1, done / total);
    const left = rate > 0 ? (total - done) / rate : Infinity;
    pieces = [
      ` ${String(Math.floor(frac * 100)).padStart(3)}%`,
      ` ${formatBytes(done)}/${formatBytes(total)}`,
      rateText,
      ` ${formatDuration(left)} left`,
    ];
  } else {
    pieces = [` ${formatBytes(done)}`, rateText];
  }
  // The file name keeps up to 12 characters before the first number
  // shows, and up to MIN_LABEL before the others do.
  const cut = Math.max(label.lastIndexOf(" "), label.lastIndexOf("/"));
  const nameLength = label.length - cut - 1;
  let tail = "";
  for (const p of pieces) {
    const keep = Math.min(nameLength, tail === "" ? 12 : MIN_LABEL);
    if (keep + tail.length + p.length > avail) break;
    tail += p;
  }
  const name = fitLabel(label, avail - tail.length);
  let bar = "";
  if (known) {
    const room = Math.min(30, avail - tail.length - name.length - 3);
    if (room >= 5) {
      const fill = Math.round(frac * room);
      bar = ` [${"#".repeat(fill)}${"-".repeat(room - fill)}]`;
    }
  }
  return `${name}${bar}${tail}`;
}

/** Progress reporting; a no-op when standard error is not a terminal. */
export class Progress {
  readonly #rt: CliRuntime;
  readonly #on: boolean;
  #label = "";
  #total: number | undefined;
  #done = 0;
  #start = 0;
  #last = -Infinity;
  #drawn = false;

  /**
   * Creates the reporter.
   *
   * @param rt The runtime.
   * @param enabled `false` to stay silent even on a terminal.
   */
  constructor(rt: CliRuntime, enabled = true) {
    this.#rt = rt;
    this.#on = enabled && rt.stderrIsTerminal();
  }

  /**
   * Starts a task.
   *
   * @param label What is being done.
   * @param total Bytes in all, or `undefined` when unknown.
   */
  start(label: string, total: number | undefined): void {
    this.#label = label;
    this.#total = total;
    this.#done = 0;
    this.#start = this.#rt.now();
    this.#last = -Infinity;
  }

  /**
   * Adds done bytes, redrawing at most every 100 ms.
   *
   * @param bytes Bytes just done.
   */
  add(bytes: number): void {
    this.#done += bytes;
    if (!this.#on) return;
    const now = this.#rt.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    this.#draw(now);
  }

  #draw(now: number): void {
    const line = progressLine(
      this.#label,
      this.#done,
      this.#total,
      (now - this.#start) / 1000,
      this.#rt.columns(),
    );
    this.#rt.writeStderr(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  /** Clears the bar. */
  end(): void {
    if (this.#drawn) this.#rt.writeStderr("\r\x1b[K");
    this.#drawn = false;
  }
}
