import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsWriter, readMetrics } from '../../report/index.js';
import { figure3, figure3Series } from './figure3.js';

/** Synthetic metrics.jsonl: 5 modules; simultaneous logs all at every step, iterative module m at steps 20m+1..20m+20. */
function writeRuns(root: string): { sim: string; iter: string } {
  const sim = path.join(root, 'sim');
  const iter = path.join(root, 'iter');
  const ws = new MetricsWriter(path.join(sim, 'metrics.jsonl'));
  const wi = new MetricsWriter(path.join(iter, 'metrics.jsonl'));
  for (let s = 1; s <= 20; s++) for (let m = 0; m < 5; m++) ws.log({ step: s, module: m, loss: 3 - s / 10 - m / 20 });
  for (let m = 0; m < 5; m++) {
    wi.log({ step: 20 * m, name: 'cache', module: m, seconds: 1 }); // no loss: ignored
    for (let s = 1; s <= 20; s++) wi.log({ step: 20 * m + s, module: m, loss: 3.1 - s / 12 - m / 20 });
  }
  ws.close();
  wi.close();
  return { sim, iter };
}

describe('figure 3', () => {
  it('lines up each module’s updates and renders the first, middle and last module from two runs', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-fig3-'));
    try {
      const { sim, iter } = writeRuns(root);
      const out = path.join(root, 'figure3');
      const files = await figure3({ simultaneous: sim, iterative: iter, out });
      expect(files).toEqual([`${out}.svg`, `${out}.png`]);
      expect(fs.readFileSync(`${out}.png`).subarray(1, 4).toString()).toBe('PNG');
      const svg = fs.readFileSync(`${out}.svg`, 'utf8');
      for (const t of ['module 1 (first)', 'module 3', 'module 5 (last)', 'simultaneous', 'iterative'])
        expect(svg).toContain(t);

      const series = figure3Series(readMetrics(`${sim}/metrics.jsonl`), readMetrics(`${iter}/metrics.jsonl`));
      expect(series.map((s) => `${s.panel}: ${s.name}`)).toHaveLength(6);
      for (const s of series) {
        expect(s.points).toHaveLength(20);
        expect(s.points[0]![0]).toBe(1); // the module's first update, also for iterative module 5 (step 81)
        expect(s.points[19]![0]).toBe(20);
      }
      expect(series[5]!.points[0]![1]).toBeCloseTo(3.1 - 1 / 12 - 4 / 20, 6);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('names a run folder without metrics.jsonl and writes nothing', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-fig3-'));
    try {
      const { iter } = writeRuns(root);
      const empty = fs.mkdtempSync(path.join(root, 'not-a-run-'));
      const out = path.join(root, 'figure3');
      await expect(figure3({ simultaneous: empty, iterative: iter, out })).rejects.toThrow(
        `report figure3: ${empty} has no metrics.jsonl (is it a run directory?)`,
      );
      expect(fs.existsSync(`${out}.png`)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
