/**
 * Markdown tables for results.md, and number formatting for their cells. Missing values print as '—'.
 */

export type Align = 'left' | 'right' | 'center';
export type Cell = string | number | null | undefined;

/** The mark for a missing value. */
export const MISSING = '—';

const isMissing = (x: number | null | undefined): x is null | undefined =>
  x === null || x === undefined || Number.isNaN(x);

/** A fraction as a percentage with `digits` decimals: 0.8234 → '82.3%'. Missing → '—'. */
export function formatPercent(fraction: number | null | undefined, digits = 1, suffix = '%'): string {
  if (isMissing(fraction)) return MISSING;
  return `${(fraction * 100).toFixed(digits)}${suffix}`;
}

/**
 * A number with `digits` decimals; very large or very small magnitudes in exponent form (1.23e-5). Integers in
 * range print without decimals when `digits` is omitted. Missing → '—'.
 */
export function formatNumber(x: number | null | undefined, digits?: number): string {
  if (isMissing(x)) return MISSING;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(Math.max(0, (digits ?? 3) - 1));
  if (digits === undefined) return Number.isInteger(x) ? String(x) : x.toFixed(3);
  return x.toFixed(digits);
}

/** A byte count in binary units: 1536 → '1.5 KiB'. Missing → '—'. */
export function formatBytes(bytes: number | null | undefined, digits = 1): string {
  if (isMissing(bytes)) return MISSING;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(digits)} ${units[u]}`;
}

/** Seconds as 'h:mm:ss', 'm:ss' or, under a minute, '12.3 s'. Missing → '—'. */
export function formatDuration(seconds: number | null | undefined): string {
  if (isMissing(seconds)) return MISSING;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function cellText(c: Cell): string {
  if (typeof c === 'number') return formatNumber(c);
  if (c === null || c === undefined || c === '') return MISSING;
  // A pipe would end the cell, a newline the row.
  return c.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Width in code points (so '—' and 'μ' count as one). */
const width = (s: string): number => [...s].length;

function pad(s: string, w: number, align: Align): string {
  const gap = w - width(s);
  if (gap <= 0) return s;
  if (align === 'right') return ' '.repeat(gap) + s;
  if (align === 'center') {
    const left = Math.floor(gap / 2);
    return ' '.repeat(left) + s + ' '.repeat(gap - left);
  }
  return s + ' '.repeat(gap);
}

function rule(w: number, align: Align): string {
  if (align === 'right') return '-'.repeat(w - 1) + ':';
  if (align === 'center') return ':' + '-'.repeat(w - 2) + ':';
  return '-'.repeat(w);
}

export interface TableOptions {
  /** One alignment for every column, or one per column (missing entries: left). Default left. */
  align?: Align | readonly Align[];
}

/**
 * A GitHub-flavoured markdown table with columns padded to equal width. Numbers are formatted by formatNumber;
 * null, undefined and '' print as '—'. Rows must have exactly one cell per header.
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string {
  if (headers.length === 0) throw new RangeError('markdownTable: no columns');
  rows.forEach((r, i) => {
    if (r.length !== headers.length) {
      throw new RangeError(`markdownTable: row ${i} has ${r.length} cells for ${headers.length} columns`);
    }
  });
  const aligns: Align[] = headers.map((_, j) =>
    typeof options.align === 'string' ? options.align : (options.align?.[j] ?? 'left'),
  );
  const head = headers.map(cellText);
  const body = rows.map((r) => r.map(cellText));
  const widths = head.map((h, j) => Math.max(3, width(h), ...body.map((r) => width(r[j]!))));
  const line = (cells: string[]): string => `| ${cells.map((c, j) => pad(c, widths[j]!, aligns[j]!)).join(' | ')} |`;
  return (
    [line(head), `| ${widths.map((w, j) => rule(w, aligns[j]!)).join(' | ')} |`, ...body.map(line)].join('\n') + '\n'
  );
}
