/**
 * Training metrics as JSON Lines: one JSON object per line in `runs/<name>/metrics.jsonl`, appended and flushed one
 * line at a time (a single `appendFileSync` per record), so a crash loses at most the line being written.
 *
 * Non-finite numbers (a diverged loss) are kept: JSON has no NaN/Infinity, so they are written as the strings
 * "NaN", "Infinity", "-Infinity" and read back as numbers.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  ftruncateSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

export type MetricValue = number | string | boolean | null;

/** What a caller logs; `time` defaults to now. */
export interface MetricInput {
  /** Training step (optimizer updates so far), or epoch for per-epoch metrics. */
  step: number;
  /** The gradient-isolated module (0-based) the values are about; absent for whole-model metrics. */
  module?: number;
  /** What was measured: 'train', 'val', 'probe', … */
  name?: string;
  loss?: number;
  accuracy?: number;
  /** Wall-clock time, seconds since the Unix epoch. */
  time?: number;
  [field: string]: MetricValue | undefined;
}

/** One line of metrics.jsonl. */
export interface MetricRecord extends MetricInput {
  time: number;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function encodeValue(v: MetricValue | undefined): MetricValue | undefined {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** The JSON line (without newline) for a record: step first, time last, undefined fields left out. */
export function encodeRecord(record: MetricRecord): string {
  const { step, module, name, time, ...rest } = record;
  const out: Record<string, MetricValue | undefined> = { step, module, name };
  for (const [k, v] of Object.entries(rest)) out[k] = encodeValue(v);
  out['time'] = time;
  return JSON.stringify(out);
}

/** Parse and check one line; throws a plain message (no location) when it is not a metrics record. */
export function decodeRecord(line: string): MetricRecord {
  const v: unknown = JSON.parse(line);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  const rec = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(rec)) {
    if (typeof x === 'string' && x in NON_FINITE) rec[k] = NON_FINITE[x];
    else if (x !== null && typeof x === 'object')
      throw new Error(`field "${k}" is not a number, string, boolean or null`);
  }
  if (typeof rec['step'] !== 'number') throw new Error('no numeric "step"');
  if (typeof rec['time'] !== 'number') throw new Error('no numeric "time"');
  if (rec['module'] !== undefined && typeof rec['module'] !== 'number') throw new Error('"module" is not a number');
  return rec as MetricRecord;
}

/**
 * Parse metrics.jsonl text. Blank lines are skipped. A last line with no newline after it that does not parse is a
 * record cut short by a crash and is dropped; any other line that does not parse is an error naming source and line.
 */
export function parseMetrics(text: string, source = '<metrics>'): MetricRecord[] {
  const lines = text.split('\n');
  const out: MetricRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      out.push(decodeRecord(line));
    } catch (e) {
      if (i === lines.length - 1) break; // truncated tail
      const excerpt = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      throw new Error(`${source}:${i + 1}: corrupt metrics line (${(e as Error).message}): ${excerpt}`, { cause: e });
    }
  }
  return out;
}

/** Read a metrics.jsonl file (see parseMetrics). */
export function readMetrics(path: string): MetricRecord[] {
  return parseMetrics(readFileSync(path, 'utf8'), path);
}

/**
 * If the file ends in a partial line (a crash mid-write), cut it off so appended lines start cleanly; a last line
 * that is a whole record missing only its newline gets the newline instead. Returns the bytes cut.
 */
export function repairTail(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    // Scan backwards for the last newline.
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    let lineStart = 0;
    scan: while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      for (let j = n - 1; j >= 0; j--) {
        if (chunk[j] === 0x0a) {
          lineStart = start + j + 1;
          break scan;
        }
      }
      end = start;
    }
    if (lineStart === size) return 0;
    const tail = Buffer.alloc(size - lineStart);
    readSync(fd, tail, 0, tail.length, lineStart);
    const text = tail.toString('utf8').trim();
    try {
      if (text !== '') decodeRecord(text);
      writeSync(fd, '\n', size);
      return 0;
    } catch {
      ftruncateSync(fd, lineStart);
      return tail.length;
    }
  } finally {
    closeSync(fd);
  }
}

export interface MetricsWriterOptions {
  /** Start the file empty instead of appending to what is there. */
  truncate?: boolean;
  /** Seconds since the Unix epoch; injectable for tests. */
  clock?: () => number;
}

/** Appends metrics records to a JSONL file, one flushed line per `log` call. */
export class MetricsWriter {
  readonly path: string;
  private readonly clock: () => number;
  private closed = false;

  constructor(path: string, options: MetricsWriterOptions = {}) {
    this.path = path;
    this.clock = options.clock ?? (() => Date.now() / 1000);
    mkdirSync(dirname(path), { recursive: true });
    if (options.truncate) writeFileSync(path, '');
    else repairTail(path);
  }

  /** Append one record and return it as written (with its time). */
  log(input: MetricInput): MetricRecord {
    if (this.closed) throw new Error(`MetricsWriter(${this.path}): log after close`);
    if (typeof input.step !== 'number' || !Number.isFinite(input.step)) {
      throw new RangeError(`MetricsWriter(${this.path}): step must be a finite number, got ${String(input.step)}`);
    }
    const record: MetricRecord = { ...input, time: input.time ?? this.clock() };
    appendFileSync(this.path, encodeRecord(record) + '\n');
    return record;
  }

  /** Further `log` calls throw. Each line is already on disk, so there is nothing to flush. */
  close(): void {
    this.closed = true;
  }
}

export interface SeriesOptions {
  /** The field on the y axis, e.g. 'loss'. */
  y: string;
  /** The field on the x axis; default 'step'. */
  x?: string;
  /** One series per distinct value of this field; default 'module'. Records without it form one series. */
  groupBy?: string;
  /** Keep only records for which this returns true, e.g. `r => r.name === 'train'`. */
  where?: (r: MetricRecord) => boolean;
  /** Series name for a group value; default `${groupBy} ${value}`, or the y field for records without groupBy. */
  label?: (value: MetricValue | undefined) => string;
}

/** Points [x, y] of numeric y values grouped into series (ordered by group value, points by x), ready for linePlot. */
export function metricSeries(
  records: readonly MetricRecord[],
  options: SeriesOptions,
): { name: string; points: [number, number][] }[] {
  const { y, x = 'step', groupBy = 'module', where } = options;
  const label = options.label ?? ((v: MetricValue | undefined) => (v === undefined ? y : `${groupBy} ${String(v)}`));
  const groups = new Map<MetricValue | undefined, [number, number][]>();
  for (const r of records) {
    if (where && !where(r)) continue;
    const xv = r[x];
    const yv = r[y];
    if (typeof xv !== 'number' || typeof yv !== 'number') continue;
    const key = r[groupBy];
    let pts = groups.get(key);
    if (!pts) groups.set(key, (pts = []));
    pts.push([xv, yv]);
  }
  const keys = [...groups.keys()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
  );
  return keys.map((k) => ({ name: label(k), points: groups.get(k)!.sort((p, q) => p[0] - q[0]) }));
}
