// How the benchmark prints figures and tables.

/** Milliseconds with 2, 1 or 0 decimals by size; '—' for none. */
export const ms = (x: number | null): string => (x === null ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A ratio such as 1.93×; '—' for none. */
export const ratio = (x: number | null): string => (x === null ? '—' : x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`);

/** Whether an engine's result agreed: FAIL (it threw), '—' (not run), yes or NO. */
export const agree = (a: boolean | null | undefined, error: string | null | undefined): string => (error ? 'FAIL' : a === null || a === undefined ? '—' : a ? 'yes' : 'NO');

/** Rows (the first a header) as lines: the first column left-aligned, the others right-aligned;
 *  with summary, a rule of dashes before the last row. */
export function table(rows: string[][], summary = false): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const out: string[] = [];
  rows.forEach((r, i) => {
    if (summary && i === rows.length - 1) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    out.push(line(r));
  });
  return out;
}
