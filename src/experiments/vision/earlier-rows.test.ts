import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEarlierResults, takeEarlierRows } from './earlier-rows.js';
import { resolveVisionConfig, type VisionConfig } from './config.js';
import type { LayerScores } from './linear-eval.js';
import { PIXELS_ROW, type VisionResults } from './table1.js';
import { deepMerge, type DeepPartial } from '../overrides.js';

const score = (test: number): LayerScores => ({
  global: { test, train: test, epochs: 3, converged: true },
  spatial: { test: test + 0.01, train: test + 0.01, epochs: 4, converged: true },
});
const neuron = { module: 0, channel: 1, patches: [{ image: 3, row: 0, col: 1, activation: 0.5 }] };

/** A results.json as `reproduce vision --scale tiny` writes it, with rows for pixels, supervised, CPC and GIM. */
function earlierResults(config: VisionConfig): VisionResults {
  return {
    scale: 'tiny',
    dataset: 'fashion-mnist',
    rows: {},
    scores: {
      [PIXELS_ROW]: { global: score(0.8).global, spatial: null },
      Supervised: score(0.85),
      CPC: score(0.82),
      'Greedy InfoMax (GIM)': score(0.81),
    },
    perModule: { gim: [0.6, 0.7, 0.81], greedySupervised: [] },
    steps: { supervised: 8, cpc: 4, gim: 4 },
    figure: [neuron],
    seconds: { total: 60, runs: { cpc: 12 }, recorded: { gim: 30 }, probes: 10 },
    config,
    data: { pretrain: 256, train: 256, test: 128, probeTrain: 256, probeTest: 128, classes: 10 },
  };
}

describe('rows from an earlier reproduce vision call', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-earlier-rows-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const config = resolveVisionConfig('tiny');
  const write = (name: string, value: unknown): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const other = (patch: DeepPartial<VisionConfig>): VisionConfig => deepMerge(config, patch);

  it('takes only the rows of the runs asked for that the earlier call has, with their steps, modules and figure', () => {
    const file = write('results.json', earlierResults(config));
    const earlier = readEarlierResults(file, 'tiny', config);
    const taken = takeEarlierRows(earlier, file, ['gim', 'cpc', 'greedy-supervised', 'dim']);
    expect(taken.runs).toEqual(['gim', 'cpc']); // the earlier call has no greedy-supervised or dim row
    expect(Object.keys(taken.scores)).toEqual(['Greedy InfoMax (GIM)', 'CPC']);
    expect(taken.scores.CPC).toEqual(score(0.82));
    expect(taken.steps).toEqual({ gim: 4, cpc: 4 });
    expect(taken.perModule).toEqual({ gim: [0.6, 0.7, 0.81] });
    expect(taken.figure).toEqual([neuron]);
    expect(taken.trainingSeconds).toEqual({ gim: 30, cpc: 12 });
    // without gim: no per-module numbers, no figure; the supervised row is not taken when it is not asked for
    const cpcOnly = takeEarlierRows(earlier, file, ['cpc']);
    expect([cpcOnly.runs, cpcOnly.perModule, cpcOnly.figure]).toEqual([['cpc'], {}, null]);
  });

  it('a row an earlier call itself took from a still earlier one keeps the training time recorded there', () => {
    const chained: VisionResults = {
      ...earlierResults(config),
      seconds: { total: 5, runs: {}, recorded: { supervised: 70 }, probes: 1 },
      earlier: { file: 'first/results.json', runs: ['gim', 'cpc'], trainingSeconds: { gim: 30, cpc: 12 } },
    };
    const file = write('chained.json', chained);
    const taken = takeEarlierRows(readEarlierResults(file, 'tiny', config), file, ['gim', 'cpc', 'supervised']);
    expect(taken.trainingSeconds).toEqual({ gim: 30, cpc: 12, supervised: 70 });
  });

  it('runs may have trained for other lengths; every other setting must match, and the error names the keys', () => {
    const longer = other({ train: { supervised: { epochs: 8 }, steps: 40 }, threads: 1, name: 'elsewhere' });
    const file = write('longer.json', earlierResults(longer));
    expect(() => readEarlierResults(file, 'tiny', config)).not.toThrow();
    const probe = write('probe.json', earlierResults(other({ probe: { lr: 0.5 }, seed: 3 })));
    expect(() => readEarlierResults(probe, 'tiny', config)).toThrow(
      /--earlier-results: .*probe\.json was made with other settings than this call \(probe\.lr, seed\)/,
    );
    const model = write('model.json', earlierResults(other({ model: { stemChannels: 2 } })));
    expect(() => readEarlierResults(model, 'tiny', config)).toThrow(/\(model\.stemChannels\)/);
  });

  it('refuses a missing file, a file that is not JSON, another scale and another kind of results, naming the file', () => {
    expect(() => readEarlierResults(path.join(tmp, 'none.json'), 'tiny', config)).toThrow(
      /--earlier-results: cannot read .*none\.json \(ENOENT\)/,
    );
    const broken = write('broken.json', '{"scale": "tiny", "rows": {');
    expect(() => readEarlierResults(broken, 'tiny', config)).toThrow(/broken\.json is not JSON/);
    const small = write('small.json', { ...earlierResults(config), scale: 'small' });
    expect(() => readEarlierResults(small, 'tiny', config)).toThrow(
      /small\.json is from scale small, this call is scale tiny/,
    );
    const audio = write('audio.json', { scale: 'tiny', table3: {} });
    expect(() => readEarlierResults(audio, 'tiny', config)).toThrow(
      /audio\.json is not a results\.json of `gim reproduce vision`/,
    );
    const badConfig = write('bad-config.json', { ...earlierResults(config), config: { model: { patch: 'big' } } });
    expect(() => readEarlierResults(badConfig, 'tiny', config)).toThrow(/bad-config\.json: its config is not a vision/);
  });
});
