/**
 * Vision in async mode at tiny scale: the 3 GIM modules in 3 worker threads on synthetic gratings (no data set
 * needed), 6-D patch-grid maps between them; losses fall, and the assembled stack checkpoint loads as any other.
 * With Fashion-MNIST, `gim bench async --scale tiny --experiment vision` writes its report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveModuleWorkers } from '../../gim/async/index.js';
import { readMetrics } from '../../report/index.js';
import { readTestEnv, testSeed } from '../../testing/env.js';
import { isCountOf, loggedFall, moduleLosses, noteMeasurement, relativeFall } from '../../testing/learning.js';
import { FASHION_MNIST_DIR, FASHION_MNIST_NORM, type ImageDataset } from '../../vision/data/index.js';
import { benchAsync } from '../bench/async-bench.js';
import { latestCheckpoint, runDir } from '../../gim/run-dir.js';
import { buildVisionStack, loadVisionStack, trainVision } from './experiment.js';
import { resolveVisionConfig } from './config.js';
import { TrainBatches, type VisionData } from './data.js';

const HAS_FASHION_MNIST = fs.existsSync(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-async-vision-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const { threads } = readTestEnv();
/** The least relative fall of a loss measured before and after training (observed falls are far larger). */
const MIN_FALL = 0.03;
/** Test images of the tiny preset (data.maxTest): a probe accuracy is a count out of them. */
const TINY_TEST_IMAGES = 128;
/** Logged losses averaged at the start and the end of the run. */
const LOGGED_WINDOW = 8;
/** Fashion-MNIST has 10 balanced classes. */
const FASHION_MNIST_CHANCE = 0.1;

/** n 28×28 gratings in [0, 1]: image i horizontal (label 0) or vertical (label 1), period and phase from i. */
function gratingsDataset(n: number): ImageDataset {
  const S = 28;
  return {
    n,
    channels: 1,
    height: S,
    width: S,
    classes: 2,
    label: (i) => i % 2,
    image: (i) => {
      const period = 4 + (i % 7);
      const phase = (i * 0.37) % (2 * Math.PI);
      const out = new Float32Array(S * S);
      for (let r = 0; r < S; r++)
        for (let c = 0; c < S; c++)
          out[r * S + c] = 0.5 + 0.5 * Math.sin((2 * Math.PI * (i % 2 ? c : r)) / period + phase);
      return out;
    },
  };
}

/** gratingsData(n): n gratings as every split of a two-class vision dataset. */
function gratingsData(n: number): VisionData {
  const images = gratingsDataset(n);
  return {
    pretrain: images,
    train: images,
    test: images,
    classes: 2,
    classNames: ['horizontal', 'vertical'],
    norm: FASHION_MNIST_NORM,
    close: () => undefined,
  };
}

describe('vision in async mode', () => {
  it('trains the tiny GIM modules in workers with falling losses and leaves a loadable stack checkpoint', async () => {
    const steps = 120;
    const preset = resolveVisionConfig('tiny', {
      threads,
      train: {
        mode: 'async',
        steps,
        lr: 3e-3,
        checkpointEvery: 1000,
        logEvery: 1,
        async: { threadsPerModule: threads },
      },
    });
    const config = { ...preset, seed: testSeed(preset.seed) };
    const data = gratingsData(64);
    const run = path.join(tmp, 'run');
    const r = await trainVision(config, data, { run, resume: false, log: () => undefined });
    expect(liveModuleWorkers()).toBe(0);
    expect([r.outcome, r.step]).toEqual(['finished', steps]);
    expect(r.async!.modules.map((m) => m.step)).toEqual([steps, steps, steps]);
    const records = readMetrics(runDir(run).metrics);
    // Module 1 reads the images: its loss is measured on one fixed batch with fixed negatives at init and after training.
    // Module m > 1 trains on module m − 1's output as that module moves, read up to a queue's depth late, so the final
    // module m − 1 need not produce what module m last trained on: its own logged losses (first vs last steps) are
    // compared instead.
    const x = new TrainBatches(config, data.pretrain).at(0).x;
    const init = buildVisionStack(config, 2); // the workers start from these parameters (same seed)
    const [before, after] = [moduleLosses(init, x), moduleLosses(r.stack, x)];
    init.dispose();
    for (let m = 0; m < 3; m++) {
      const losses = records.filter((x) => x.name === 'async' && x.module === m).map((x) => x.loss!);
      expect(losses).toHaveLength(steps);
      const [fall, logged] = [relativeFall(before[m]!, after[m]!), loggedFall(losses, LOGGED_WINDOW)];
      noteMeasurement(`async vision module ${m + 1}`, { before: before[m]!, after: after[m]!, fall, logged });
      if (m === 0) expect(fall, `module 1: ${before[m]} → ${after[m]} on a fixed batch`).toBeGreaterThan(MIN_FALL);
      else expect(logged, `module ${m + 1}: logged losses`).toBeGreaterThan(MIN_FALL);
    }
    const last = latestCheckpoint(runDir(run))!;
    expect(last.step).toBe(steps);
    const loaded = loadVisionStack(run, config, 2).stack;
    const want = r.stack.modules.flatMap((m) => m.parameters().flatMap((p) => p.toArray()));
    expect(loaded.modules.flatMap((m) => m.parameters().flatMap((p) => p.toArray()))).toEqual(want);
    loaded.dispose();
    r.stack.dispose();
  });

  it('rejects the objectives other than InfoNCE and a non-CPU device, with what to do instead', async () => {
    for (const objective of ['supervised', 'dim', 'predsim', 'clapp'] as const) {
      expect(() => resolveVisionConfig('tiny', { train: { mode: 'async', objective } })).toThrow(
        /train\.mode: train\.mode 'async' trains InfoNCE \(GIM, CPC\) modules only/,
      );
    }
    const config = resolveVisionConfig('tiny', { train: { mode: 'async' } });
    const supervised = { ...config, train: { ...config.train, objective: 'supervised' as const } };
    const data = gratingsData(8);
    const run = path.join(tmp, 'refused');
    await expect(trainVision(supervised, data, { run, resume: false })).rejects.toThrow(
      /only InfoNCE vision modules train asynchronously \(train\.objective 'supervised'\)/,
    );
    await expect(trainVision({ ...config, device: 'cuda' }, data, { run, resume: false })).rejects.toThrow(
      /device=cpu/,
    );
    expect(fs.existsSync(run)).toBe(false); // refused before the run folder is touched
  });

  it.skipIf(!HAS_FASHION_MNIST)(
    'bench async --scale tiny --experiment vision writes async.md and async.json',
    async () => {
      const out = path.join(tmp, 'results');
      const r = await benchAsync({
        experiments: ['vision'],
        scale: 'tiny',
        out,
        runs: path.join(tmp, 'runs'),
        log: () => undefined,
      });
      expect(liveModuleWorkers()).toBe(0);
      const [c] = r.comparisons;
      expect(c!.rows.map((x) => x.label)).toEqual(['simultaneous', 'async, equal steps', 'async, equal wall time']);
      expect(c!.rows[1]!.steps).toEqual([4, 4, 4]);
      for (const row of c!.rows) {
        expect(row.samplesPerSec).toHaveLength(3);
        const accuracy = row.accuracy.class!;
        noteMeasurement(`async vision bench ${row.label}`, { accuracy });
        expect(isCountOf(accuracy, TINY_TEST_IMAGES), `${row.label}: accuracy ${accuracy}`).toBe(true);
        expect(accuracy, row.label).toBeGreaterThan(FASHION_MNIST_CHANCE); // a linear probe on any encoder beats it
      }
      expect(c!.rows[1]!.staleness![0]!.max).toBe(0); // module 1 reads fresh batches
      const md = fs.readFileSync(path.join(out, 'async.md'), 'utf8');
      for (const s of [
        '## Vision (vision-tiny)',
        '| async, equal wall time',
        'staleness mean (max)',
        'input queue mean',
      ])
        expect(md).toContain(s);
      const json = JSON.parse(fs.readFileSync(path.join(out, 'async.json'), 'utf8')) as {
        comparisons: { experiment: string }[];
      };
      expect(json.comparisons.map((x) => x.experiment)).toEqual(['vision']);
    },
  );
});
