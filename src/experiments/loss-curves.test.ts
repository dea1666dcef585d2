import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecord } from '../report/index.js';
import { lossCurveSeries, lossCurves } from './loss-curves.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-loss-curves-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A run folder whose metrics.jsonl logged `modules` modules for `steps` steps (loss = 3 - step / 10 + module). */
function fakeRun(name: string, modules: number, steps: number): string {
  const run = path.join(tmp, name);
  fs.mkdirSync(run, { recursive: true });
  const lines: string[] = [];
  for (let step = 1; step <= steps; step++) {
    for (let module = 0; module < modules; module++) {
      lines.push(encodeRecord({ step, module, loss: 3 - step / 10 + module, time: step }));
    }
  }
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  return run;
}

describe('gim report losses', () => {
  const gim = fakeRun('gim', 3, 4);
  const cpc = fakeRun('cpc', 1, 4);

  it('gives one series per module of each run, panelled by run, with the logged losses', () => {
    const series = lossCurveSeries({ runs: [gim, cpc], labels: ['GIM', 'CPC'] });
    expect(series.map((s) => `${s.panel}/${s.name}`)).toEqual([
      'GIM/module 1',
      'GIM/module 2',
      'GIM/module 3',
      'CPC/module 1',
    ]);
    expect(series[1]!.points).toEqual([
      [1, 3.9],
      [2, 3.8],
      [3, 3.7],
      [4, 3.6],
    ]);
    expect(lossCurveSeries({ runs: [cpc] })[0]!.panel).toBe('cpc');
  });

  it('averages over the smoothing window', () => {
    const [first] = lossCurveSeries({ runs: [cpc], smooth: 2 });
    expect(first!.points[1]![1]).toBeCloseTo((2.9 + 2.8) / 2, 12);
  });

  it('names a folder that is not a run, and labels that do not match the runs', () => {
    expect(() => lossCurveSeries({ runs: [tmp] })).toThrow(`${tmp} has no metrics.jsonl`);
    expect(() => lossCurveSeries({ runs: [gim, cpc], labels: ['one'] })).toThrow('1 --label for 2 --run');
  });

  it('draws a PNG and an SVG', async () => {
    const files = await lossCurves({ runs: [gim, cpc], out: path.join(tmp, 'losses') });
    expect(files.sort()).toEqual([path.join(tmp, 'losses.png'), path.join(tmp, 'losses.svg')]);
    expect(fs.readFileSync(path.join(tmp, 'losses.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
