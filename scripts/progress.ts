/**
 * Progress of a long operator run (backfill, reconcile): rows done of the estimated total, the rate and
 * the time left. On a terminal one line rewritten in place; otherwise (a log file, CI) one line every
 * few seconds, so a run over a 100M-row table never looks hung and never floods the log.
 */

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is being counted, e.g. "backfill athletes". */
  readonly label: string;
  /** Estimated rows in all (the table statistics); undefined while unknown. */
  readonly total?: number | undefined;
  readonly stream?: ProgressStream;
  readonly now?: () => number;
  /** Not on a terminal: at most one line per this many ms. */
  readonly logEveryMs?: number;
  /** On a terminal: the line is redrawn at most this often. */
  readonly redrawEveryMs?: number;
}

export interface Progress {
  add(rows: number): void;
  /**
   * Rows done so far, counted by the caller (a resumed run's first call includes what earlier runs did;
   * the rate counts only what this run did).
   */
  at(rowsDone: number): void;
  setTotal(total: number | undefined): void;
  /** The final line (on a terminal, the line is kept and a newline ends it). */
  done(): void;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "backfill athletes: 1,000 of ~4,000 rows (25%), 500 rows/s, about 6 s left" */
export function progressLine(
  label: string,
  rows: number,
  total: number | undefined,
  elapsedMs: number,
  resumedFrom = 0,
): string {
  const rate = elapsedMs > 0 ? ((rows - resumedFrom) * 1000) / elapsedMs : 0;
  const parts = [`${label}: ${count.format(rows)}`];
  if (total !== undefined && total > 0) {
    parts[0] += ` of ~${count.format(total)} rows (${Math.min(100, Math.floor((rows * 100) / total))}%)`;
  } else {
    parts[0] += ' rows';
  }
  if (elapsedMs > 0) parts.push(`${count.format(rate)} rows/s`);
  if (total !== undefined && rate > 0 && rows < total) {
    parts.push(`about ${formatDuration(((total - rows) / rate) * 1000)} left`);
  }
  return parts.join(', ');
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const every = tty ? (options.redrawEveryMs ?? 200) : (options.logEveryMs ?? 5000);
  const started = now();
  let total = options.total;
  let rows = 0;
  let baseline: number | undefined;
  let lastShown = started;

  const line = (): string => progressLine(options.label, rows, total, now() - started, baseline ?? 0);
  const show = (final: boolean): void => {
    lastShown = now();
    // \r and "erase to end of line": the terminal keeps one line that is rewritten in place.
    if (tty) stream.write(`\r${line()}\x1b[K${final ? '\n' : ''}`);
    else stream.write(`${line()}\n`);
  };
  return {
    add(n) {
      rows += n;
      baseline ??= 0;
      if (now() - lastShown >= every) show(false);
    },
    at(rowsDone) {
      baseline ??= rowsDone;
      rows = rowsDone;
      if (now() - lastShown >= every) show(false);
    },
    setTotal(estimate) {
      total = estimate;
    },
    done() {
      show(true);
    },
  };
}
