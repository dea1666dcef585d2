import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetrics } from '../../report/index.js';
import { manualSeed, tensor } from '../../tensor/index.js';
import { FASHION_MNIST_DIR } from '../../vision/data/index.js';
import { TINY_VISION_ENCODER } from '../../vision/model/index.js';
import { gratings } from '../../vision/model/testing.js';
import { listCheckpoints, runDir } from '../../gim/run-dir.js';
import { reproduceVision, trainVisionRows, type VisionResults } from './reproduce.js';
import { buildVisionStack, trainVision } from './experiment.js';
import { linearEval, probeLayers } from './linear-eval.js';
import {
  parseVisionConfig,
  resolveVisionConfig,
  savedVisionConfig,
  visionDefaults,
  type VisionConfig,
} from './config.js';
import { openVisionData, TrainBatches, type VisionData } from './data.js';
import { deepMerge, type DeepPartial } from '../overrides.js';
import { testSeed } from '../../testing/env.js';
import { isCountOf, noteMeasurement } from '../../testing/learning.js';

/** Test images of the synthetic linear-evaluation task: an accuracy is a count out of them. */
const TEST_IMAGES = 32;
/** Horizontal vs vertical gratings (chance 0.5): a probe on random features separates them well. */
const EASY_TASK_ACCURACY = 0.75;
/** Linearly separable features with a wide margin. */
const SEPARABLE_ACCURACY = 0.9;
/** Fashion-MNIST has 10 balanced classes. */
const FASHION_MNIST_CHANCE = 0.1;
const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const tiny = (patch: DeepPartial<VisionConfig> = {}): VisionConfig => resolveVisionConfig('tiny', patch);
const params = (r: { stack: { modules: readonly { parameters(): { toArray(): number[] }[] }[] } }): number[] =>
  r.stack.modules.flatMap((m) => m.parameters().flatMap((p) => p.toArray()));

describe('vision config', () => {
  it("defaults are the paper's STL-10 setting", () => {
    const c = resolveVisionConfig('full');
    expect(c.data).toMatchObject({ dataset: 'stl10', pretrain: 'unlabeled', crop: 64, grayscale: true, hflip: true });
    expect(c.model).toMatchObject({ patch: 16, patchStride: 8, blocks: [3, 4, 6], modelSplits: 3 });
    expect(c.model).toMatchObject({ predictionSteps: 5, negativeSamples: 16 });
    expect(c.train).toMatchObject({ batchSize: 32, lr: 2e-4, epochs: 300, steps: null });
  });

  it('small is Fashion-MNIST padded to 32×32 with 8×8 patches of step 4', () => {
    const c = resolveVisionConfig('small');
    expect(c.data).toMatchObject({ dataset: 'fashion-mnist', padTo: 32, crop: 32 });
    expect([c.model.patch, c.model.patchStride]).toEqual([8, 4]);
  });

  it('tiny is the one tiny vision encoder of the model layer, with a cheaper loss and a 1-layer PixelCNN', () => {
    expect(tiny().model).toEqual({ ...TINY_VISION_ENCODER, predictionSteps: 3, negativeSamples: 4, contextLayers: 1 });
  });

  it('rejects inconsistent configs, naming the problem', () => {
    expect(() => parseVisionConfig(deepMerge(visionDefaults, { model: { modelSplits: 2 } }))).toThrow(/modelSplits/);
    expect(() =>
      parseVisionConfig(deepMerge(visionDefaults, { data: { dataset: 'fashion-mnist', pretrain: 'unlabeled' } })),
    ).toThrow(/unlabeled/);
    expect(() => parseVisionConfig({ ...visionDefaults, train: { ...visionDefaults.train, lr: -1 } })).toThrow(
      /train\.lr/,
    );
  });

  it('reads a run saved before a key existed (here: device) with that key at its default', () => {
    const saved = JSON.parse(JSON.stringify(resolveVisionConfig('small'))) as Record<string, unknown>;
    delete saved.device; // as config.json was written before `device` was added
    expect(() => parseVisionConfig(saved)).toThrow(/device/);
    const config = savedVisionConfig(saved);
    expect(config.device).toBe('cpu');
    expect(config).toEqual(resolveVisionConfig('small'));
    expect(() => savedVisionConfig({ ...saved, train: { lr: -1 } })).toThrow(/train\.lr/);
  });
});

describe('linear evaluation', () => {
  it('returns a count of the test images that beats chance on an easy synthetic task', () => {
    manualSeed(testSeed(0));
    const labels = (n: number, off: number) => Array.from({ length: n }, (_, i) => (i + off) % 2);
    const [ytr, yte] = [labels(64, 0), labels(TEST_IMAGES, 1)];
    const train = { x: gratings(64, 32, testSeed(1), ytr), y: tensor(ytr, [64], { dtype: 'int64' }) };
    const test = { x: gratings(TEST_IMAGES, 32, testSeed(2), yte), y: tensor(yte, [TEST_IMAGES], { dtype: 'int64' }) };
    const config = { ...tiny(), seed: testSeed(tiny().seed) };
    const stack = buildVisionStack(config, 2); // horizontal vs vertical gratings: random features suffice
    const probe = { epochs: 30, lr: 1e-2, batchSize: 16, featureBatch: 32 };
    const accs = probeLayers(stack, [0, 2], train, test, 2, probe);
    stack.dispose();
    noteMeasurement('linear eval gratings', { layer1: accs[0]!, layer3: accs[1]! });
    for (const a of accs) expect(isCountOf(a, TEST_IMAGES), `accuracy ${a}`).toBe(true);
    expect(Math.max(...accs)).toBeGreaterThan(EASY_TASK_ACCURACY);
    // and on separable features directly
    const f = (y: number[]) =>
      tensor(
        y.flatMap((v) => [v * 2 - 1, 0.5, (v * 7) % 3]),
        [y.length, 3],
      );
    const acc = linearEval({ features: f(ytr), labels: train.y }, { features: f(yte), labels: test.y }, 2, probe);
    noteMeasurement('linear eval separable', { accuracy: acc });
    expect(isCountOf(acc, TEST_IMAGES), `accuracy ${acc}`).toBe(true);
    expect(acc).toBeGreaterThan(SEPARABLE_ACCURACY);
  });
});

describe.skipIf(!HAS_FASHION_MNIST)('vision experiment (tiny, a Fashion-MNIST subset)', () => {
  let data: VisionData;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-vision-'));
  beforeAll(() => {
    data = openVisionData(tiny());
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the capped splits', () => {
    expect([data.pretrain.n, data.train.n, data.test.n, data.classes]).toEqual([256, 256, 128, 10]);
  });

  it('batch(step) is a pure function of (seed, step): augmented, normalised, labelled', () => {
    const config = tiny();
    const a = new TrainBatches(config, data.pretrain);
    const b = new TrainBatches(config, data.pretrain);
    const later = b.at(70); // another epoch first (64 steps per epoch)
    const [x5a, x5b] = [a.at(5), b.at(5)];
    expect(x5a.x.shape).toEqual([4, 1, 32, 32]);
    expect(x5a.x.toArray()).toEqual(x5b.x.toArray());
    expect(x5a.y.toArray()).toEqual(Array.from(a.indices(5), (i) => data.pretrain.label(i)));
    expect(a.at(6).x.toArray()).not.toEqual(x5a.x.toArray());
    expect(Array.from(a.indices(64))).not.toEqual(Array.from(a.indices(0))); // a new permutation each epoch
    expect(new TrainBatches({ ...config, seed: 1 }, data.pretrain).at(5).x.toArray()).not.toEqual(x5a.x.toArray());
    expect(later.x.shape).toEqual([4, 1, 32, 32]);
  });

  it('GIM trains through the loop with checkpoints; resume continues at the saved step and replays the same run', async () => {
    const straight = await trainVision(tiny(), data, { run: path.join(tmp, 'straight'), resume: false });
    expect([straight.outcome, straight.step]).toEqual(['finished', 4]);
    expect(listCheckpoints(runDir(path.join(tmp, 'straight'))).map((c) => c.step)).toEqual([2, 4]);
    const run = path.join(tmp, 'resumed');
    const first = await trainVision(tiny({ train: { steps: 2 } }), data, { run, resume: false });
    first.stack.dispose();
    const second = await trainVision(tiny(), data, { run, resume: true });
    expect([second.outcome, second.step]).toEqual(['finished', 4]);
    const steps = readMetrics(runDir(run).metrics).map((m) => m.step);
    expect(steps.filter((s) => s === 3)).toHaveLength(3); // steps 3, 4 run once, by each of the 3 modules
    expect(params(second)).toEqual(params(straight));
    straight.stack.dispose();
    second.stack.dispose();
  });

  it('CPC, the supervised baselines, Deep InfoMax (end to end and greedy), Predsim and CLAPP train', async () => {
    const runs: [string, DeepPartial<VisionConfig>][] = [
      ['cpc', { model: { modelSplits: 1 } }],
      ['supervised', { model: { modelSplits: 1 }, train: { objective: 'supervised' } }],
      ['greedy', { train: { objective: 'supervised' } }],
      ['dim', { model: { modelSplits: 1 }, train: { objective: 'dim' } }],
      ['dim-greedy', { train: { objective: 'dim', dim: { estimator: 'infonce' } } }],
      ['predsim', { train: { objective: 'predsim' } }],
      ['clapp', { train: { objective: 'clapp' } }],
    ];
    for (const [name, patch] of runs) {
      const r = await trainVision(tiny({ ...patch, train: { ...patch.train, steps: 2 } }), data, {
        run: path.join(tmp, name),
        resume: false,
      });
      expect(r.outcome, name).toBe('finished');
      const last = readMetrics(runDir(path.join(tmp, name)).metrics).filter((m) => m.step === 2);
      expect(last.length, name).toBe(r.stack.length);
      for (const m of last) expect(Number.isFinite(m.loss), name).toBe(true);
      if (name !== 'cpc') for (const m of last) expect(m.accuracy, name).toBeTypeOf('number');
      r.stack.dispose();
    }
  });

  it('reproduce vision (tiny) writes table1.md, results.json and figure2.png', async () => {
    const resultsDir = path.join(tmp, 'results');
    // one run trained beforehand (as `--rows gim` does): reused, and timed by its metrics
    await trainVisionRows({ scale: 'tiny', runsRoot: path.join(tmp, 'runs'), log: () => undefined }, ['gim']);
    const r = await reproduceVision({
      scale: 'tiny',
      runsRoot: path.join(tmp, 'runs'),
      resultsDir,
      log: () => undefined,
    });
    for (const f of ['table1.md', 'results.json', 'figure2.png'])
      expect(fs.existsSync(path.join(resultsDir, f)), f).toBe(true);
    const table = fs.readFileSync(path.join(resultsDir, 'table1.md'), 'utf8');
    expect(table).toMatch(/Fashion-MNIST/);
    const rows = ['Random initialization', 'Supervised', 'Greedy Supervised', 'Deep InfoMax', 'Predsim', 'CPC'];
    for (const row of [...rows, 'Greedy InfoMax', 'CLAPP (beyond the paper)', 'pixels']) expect(table).toContain(row);
    for (const paper of ['81.9', '78.2', '80.8']) expect(table).toContain(paper);
    expect(Object.keys(r.rows)).toHaveLength(9); // the pixels, the paper's 7 rows and CLAPP
    for (const [row, accuracy] of Object.entries(r.rows)) {
      noteMeasurement(`reproduce vision ${row}`, { accuracy });
      expect(isCountOf(accuracy, data.test.n), `${row}: accuracy ${accuracy}`).toBe(true);
      expect(accuracy, row).toBeGreaterThan(FASHION_MNIST_CHANCE); // a linear probe on any encoder beats it
    }
    expect(r.perModule.gim).toHaveLength(3);
    expect(r.figure).toHaveLength(3 * 2); // 3 modules × 2 neurons
    for (const n of r.figure) expect(n.patches).toHaveLength(4);
    const json = JSON.parse(fs.readFileSync(path.join(resultsDir, 'results.json'), 'utf8')) as { dataset: string };
    expect(json.dataset).toBe('fashion-mnist');
    expect(Object.keys(r.seconds.runs)).not.toContain('gim');
    expect(Object.keys(r.seconds.runs)).toContain('cpc');
    expect(r.seconds.recorded!['gim']).toBeGreaterThan(0);
    expect(table).toMatch(
      /Against logistic regression on the pixels \(\d+\.\d%\), in points — Greedy InfoMax \(GIM\): grid average \d+\.\d% \([+−]\d+\.\d\), cells/,
    );
    expect(table).toMatch(
      /Runs it found finished, timed by their metrics \(pauses between sittings left out\): gim \d+\.\d min/,
    );
  });

  it('reproduce vision --trained-only probes the finished runs, trains none and names the rows left out', async () => {
    const runsRoot = path.join(tmp, 'trained-only');
    const resultsDir = path.join(runsRoot, 'results');
    await trainVisionRows({ scale: 'tiny', runsRoot, log: () => undefined }, ['supervised']);
    const lines: string[] = [];
    const r = await reproduceVision({
      scale: 'tiny',
      runsRoot,
      resultsDir,
      trainedOnly: true,
      log: (line) => lines.push(line),
    });
    expect(Object.keys(r.rows).sort()).toEqual([
      'Logistic regression on pixels',
      'Random initialization',
      'Supervised',
    ]);
    expect(r.leftOut).toEqual(['gim', 'cpc', 'greedy-supervised', 'dim', 'predsim', 'clapp']);
    expect(r.seconds.runs).toEqual({});
    expect(Object.keys(r.steps)).toEqual(['supervised']); // the runs behind the rows
    expect(fs.readdirSync(runsRoot).sort()).toEqual(['probes', 'results', 'supervised']); // nothing else trained
    expect(fs.existsSync(path.join(resultsDir, 'figure2.png'))).toBe(false); // Figure 2 is GIM's
    expect(lines.join('\n')).toMatch(/\[gim\] not finished in .*: its row is left out \(--trained-only\)/);
    const table = fs.readFileSync(path.join(resultsDir, 'table1.md'), 'utf8');
    expect(table).toContain(
      'Rows left out: the runs gim, cpc, greedy-supervised, dim, predsim, clapp were not finished when this table was written',
    );
    expect(table).toContain('Per module (grid average) — GIM: not trained; greedy supervised: not trained.');
    expect(table).toMatch(/\| Greedy InfoMax \(GIM\) +\| +— \|/);
    // a second call reuses every probe (same settings, same checkpoint) and says so
    const again = await reproduceVision({
      scale: 'tiny',
      runsRoot,
      resultsDir,
      trainedOnly: true,
      log: () => undefined,
    });
    expect(again.rows).toEqual(r.rows);
    expect(again.seconds.probesReused!.runs).toEqual(['pixels', 'random-init', 'supervised']);
    expect(fs.readFileSync(path.join(resultsDir, 'table1.md'), 'utf8')).toMatch(
      /Probe results reused from an earlier call \(same settings and checkpoints\): pixels, random-init, supervised, which took \d+\.\d min/,
    );
    // the rows it does not have, from the full call above (its results.json): named, with that call's figure
    const earlierFile = path.join(tmp, 'results', 'results.json');
    const earlier = JSON.parse(fs.readFileSync(earlierFile, 'utf8')) as VisionResults;
    const merged = await reproduceVision({
      scale: 'tiny',
      runsRoot,
      resultsDir,
      trainedOnly: true,
      earlierResults: earlierFile,
      log: () => undefined,
    });
    expect(Object.keys(merged.rows)).toHaveLength(9);
    expect(merged.rows.Supervised).toBe(r.rows.Supervised); // this call's own run
    expect(merged.scores.CPC).toEqual(earlier.scores.CPC);
    expect(merged.perModule).toEqual(earlier.perModule);
    expect(merged.steps).toEqual(earlier.steps);
    expect(merged.leftOut).toBeUndefined();
    expect(merged.earlier!.runs).toEqual(['gim', 'cpc', 'greedy-supervised', 'dim', 'predsim', 'clapp']);
    expect(fs.existsSync(path.join(resultsDir, 'figure2.png'))).toBe(true); // redrawn from the earlier neurons
    expect(fs.readFileSync(path.join(resultsDir, 'table1.md'), 'utf8')).toContain(
      `Rows from an earlier call (\`--earlier-results ${earlierFile}\`): Greedy InfoMax (GIM), CPC, Greedy Supervised, ` +
        'Deep InfoMax, Predsim, CLAPP (beyond the paper).',
    );
    await expect(
      reproduceVision({ scale: 'tiny', runsRoot, resultsDir, earlierResults: earlierFile, log: () => undefined }),
    ).rejects.toThrow(/--earlier-results fills in the rows a --trained-only call does not have/);
  });
});

describe('vision experiment on STL-10 binaries (a fake folder of a few images)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-stl10-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  /** n random-looking 3×96×96 records (the layout does not matter here) and labels 1..10. */
  const write = (split: string, n: number, labels: boolean): void => {
    const x = Buffer.alloc(n * 3 * 96 * 96);
    for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 24;
    fs.writeFileSync(path.join(root, `${split}_X.bin`), x);
    if (labels)
      fs.writeFileSync(
        path.join(root, `${split}_y.bin`),
        Buffer.from(Array.from({ length: n }, (_, i) => 1 + (i % 10))),
      );
  };
  write('train', 6, true);
  write('test', 4, true);
  write('unlabeled', 8, false);

  it('the full preset reads unlabeled/train/test, crops 64×64 grayscale and trains a step on the 7×7 grid', async () => {
    const config = resolveVisionConfig('full', {
      device: 'cpu', // the full preset asks for cuda; the paper's data path is what is tested here
      data: { root, maxTest: 3 },
      model: { stemChannels: 4, planes: [2, 2, 2], blocks: [1, 1, 1], contextChannels: 4, contextLayers: 1 },
      train: { epochs: 1, batchSize: 2, checkpointEvery: 10 },
    });
    const data = openVisionData(config);
    expect([data.pretrain.n, data.train.n, data.test.n]).toEqual([8, 6, 3]);
    expect(new TrainBatches(config, data.pretrain).at(0).x.shape).toEqual([2, 1, 64, 64]);
    const r = await trainVision(config, data, { run: path.join(root, 'run'), resume: false });
    expect([r.outcome, r.step]).toEqual(['finished', 4]); // 1 epoch = ⌊8 / 2⌋ steps
    r.stack.dispose();
    data.close();
  });
});
