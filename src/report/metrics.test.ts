import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricsWriter, metricSeries, parseMetrics, readMetrics } from './metrics.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gim-metrics-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const clock = () => 1_700_000_000.5;

describe('MetricsWriter / readMetrics', () => {
  it('round-trips records, one JSON object per line, step first and time last', () => {
    const path = join(dir, 'run', 'metrics.jsonl');
    const w = new MetricsWriter(path, { clock });
    w.log({ step: 0, module: 0, name: 'train', loss: 5.25, accuracy: 0.125 });
    w.log({ step: 0, module: 1, name: 'train', loss: 6.5, lr: 2e-4 });
    w.log({ step: 10, name: 'probe', accuracy: 0.5, time: 42 });
    w.close();
    expect(() => w.log({ step: 11 })).toThrow(/after close/);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('{"step":0,"module":0,"name":"train","loss":5.25,"accuracy":0.125,"time":1700000000.5}');
    expect(lines[3]).toBe('');
    expect(readMetrics(path)).toEqual([
      { step: 0, module: 0, name: 'train', loss: 5.25, accuracy: 0.125, time: 1_700_000_000.5 },
      { step: 0, module: 1, name: 'train', loss: 6.5, lr: 2e-4, time: 1_700_000_000.5 },
      { step: 10, name: 'probe', accuracy: 0.5, time: 42 },
    ]);
  });

  it('keeps NaN and ±Infinity through the round trip', () => {
    const path = join(dir, 'metrics.jsonl');
    const w = new MetricsWriter(path, { clock });
    w.log({ step: 1, loss: NaN, grad: Infinity, low: -Infinity });
    const [r] = readMetrics(path);
    expect(r?.loss).toBeNaN();
    expect(r?.['grad']).toBe(Infinity);
    expect(r?.['low']).toBe(-Infinity);
  });

  it('rejects a non-finite step', () => {
    const w = new MetricsWriter(join(dir, 'metrics.jsonl'), { clock });
    expect(() => w.log({ step: NaN })).toThrow(/step must be a finite number/);
  });

  it('drops a truncated last line (a crash mid-write)', () => {
    const path = join(dir, 'metrics.jsonl');
    const w = new MetricsWriter(path, { clock });
    w.log({ step: 1, loss: 1 });
    w.log({ step: 2, loss: 2 });
    appendFileSync(path, '{"step":3,"lo');
    expect(readMetrics(path).map((r) => r.step)).toEqual([1, 2]);
  });

  it('accepts a whole last record that only lacks its newline', () => {
    expect(parseMetrics('{"step":1,"time":0}\n{"step":2,"time":0}').map((r) => r.step)).toEqual([1, 2]);
  });

  it('errors on a corrupt line in the middle, naming file and line', () => {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, '{"step":1,"time":0}\n\n{"step":2,"ti\n{"step":3,"time":0}\n');
    expect(() => readMetrics(path)).toThrow(`${path}:3: corrupt metrics line`);
    writeFileSync(path, '{"step":1,"time":0}\n[1,2]\n{"step":3,"time":0}\n');
    expect(() => readMetrics(path)).toThrow(/:2: corrupt metrics line \(not a JSON object\)/);
    writeFileSync(path, '{"loss":1,"time":0}\n{"step":3,"time":0}\n');
    expect(() => readMetrics(path)).toThrow(/:1: corrupt metrics line \(no numeric "step"\)/);
  });

  it('reopening cuts off a partial last line so appended records stay readable', () => {
    const path = join(dir, 'metrics.jsonl');
    new MetricsWriter(path, { clock }).log({ step: 1 });
    appendFileSync(path, '{"step":2,"lo');
    const w = new MetricsWriter(path, { clock });
    w.log({ step: 3 });
    expect(readFileSync(path, 'utf8')).toBe('{"step":1,"time":1700000000.5}\n{"step":3,"time":1700000000.5}\n');
  });

  it('reopening completes a whole last record missing its newline, and truncate starts empty', () => {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, '{"step":1,"time":0}');
    new MetricsWriter(path, { clock }).log({ step: 2, time: 0 });
    expect(readFileSync(path, 'utf8')).toBe('{"step":1,"time":0}\n{"step":2,"time":0}\n');
    new MetricsWriter(path, { clock, truncate: true }).log({ step: 9, time: 0 });
    expect(readFileSync(path, 'utf8')).toBe('{"step":9,"time":0}\n');
  });
});

describe('metricSeries', () => {
  it('groups y values by module, sorted by x, skipping records without y or outside the filter', () => {
    const recs = parseMetrics(
      [
        '{"step":2,"module":1,"name":"train","loss":3,"time":0}',
        '{"step":1,"module":1,"name":"train","loss":4,"time":0}',
        '{"step":1,"module":0,"name":"train","loss":5,"time":0}',
        '{"step":1,"module":0,"name":"val","loss":9,"time":0}',
        '{"step":3,"module":0,"name":"train","accuracy":0.5,"time":0}',
      ].join('\n'),
    );
    expect(metricSeries(recs, { y: 'loss', where: (r) => r.name === 'train' })).toEqual([
      { name: 'module 0', points: [[1, 5]] },
      {
        name: 'module 1',
        points: [
          [1, 4],
          [2, 3],
        ],
      },
    ]);
    expect(metricSeries(recs, { y: 'accuracy' })).toEqual([{ name: 'module 0', points: [[3, 0.5]] }]);
  });
});
