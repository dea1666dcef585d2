import { describe, expect, it } from 'vitest';
import { add, manualSeed, mul, randn, tensor, type Tensor } from '../tensor/index.js';
import { fitLinearProbe, probeAccuracy, trainLinearProbe } from './probe.js';
import { testSeed } from '../testing/env.js';
import { isCountOf, noteMeasurement } from '../testing/learning.js';

/** Features whose class is linearly decodable: a class-specific mean plus noise. */
function separable(
  n: number,
  T: number,
  D: number,
  classes: number,
  perFrame: boolean,
): { features: Tensor; labels: Tensor } {
  const labels: number[] = [];
  const means = new Float32Array(n * T * D);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      const y = perFrame ? (i + t) % classes : i % classes;
      if (perFrame || t === 0) labels.push(y);
      means[(i * T + t) * D + (y % D)] = 3;
    }
  }
  const features = add(tensor(means, [n, T, D]), mul(randn([n, T, D]), 0.5));
  return { features, labels: tensor(labels, perFrame ? [n, T] : [n], { dtype: 'int64' }) };
}

/** Class means 3 apart against noise of std 0.5: a linear probe should all but never err; 0.9 leaves a wide margin. */
const SEPARABLE_ACCURACY = 0.9;
/** How many binomial standard deviations an accuracy on random labels may stray from chance. */
const CHANCE_DEVIATIONS = 5;

/** Whether `accuracy` on n items is within CHANCE_DEVIATIONS binomial standard deviations of `chance`. */
const nearChance = (accuracy: number, chance: number, n: number): boolean =>
  Math.abs(accuracy - chance) < CHANCE_DEVIATIONS * Math.sqrt((chance * (1 - chance)) / n);

describe('linear probes', () => {
  it('learn an utterance-level (time-averaged) task', () => {
    manualSeed(testSeed(0));
    const train = separable(200, 6, 8, 5, false);
    const test = separable(100, 6, 8, 5, false);
    const probe = trainLinearProbe(train, { classes: 5, pooling: 'mean', lr: 1e-2, epochs: 20, batchSize: 32 });
    const accuracy = probeAccuracy(probe, test);
    noteMeasurement('probe utterance-level', { accuracy });
    expect(isCountOf(accuracy, 100), `accuracy ${accuracy}`).toBe(true);
    expect(accuracy).toBeGreaterThan(SEPARABLE_ACCURACY);
  });

  it('learn a frame-level task and skip frames labelled −1', () => {
    manualSeed(testSeed(1));
    const train = separable(60, 10, 8, 4, true);
    const test = separable(30, 10, 8, 4, true);
    const probe = trainLinearProbe(train, { classes: 4, pooling: 'frame', lr: 1e-2, epochs: 20, batchSize: 16 });
    const accuracy = probeAccuracy(probe, test);
    expect(isCountOf(accuracy, 30 * 10), `accuracy ${accuracy}`).toBe(true);
    expect(accuracy).toBeGreaterThan(SEPARABLE_ACCURACY);
    // Relabel every frame as unlabelled except frames of class 0, whose label we corrupt to 1: accuracy drops to ~0,
    // counted over those frames only.
    const y = test.labels.toArray().map((v) => (v === 0 ? 1 : -1));
    const corrupted = probeAccuracy(probe, {
      features: test.features,
      labels: tensor(y, [30, 10], { dtype: 'int64' }),
    });
    noteMeasurement('probe frame-level', { accuracy, corrupted });
    expect(isCountOf(corrupted, y.filter((v) => v !== -1).length), `accuracy ${corrupted}`).toBe(true);
    expect(corrupted).toBeLessThan(1 - SEPARABLE_ACCURACY);
  });

  it('is at chance on random labels', () => {
    manualSeed(testSeed(2));
    const train = {
      features: randn([200, 4, 8]),
      labels: tensor(
        Array.from({ length: 200 }, (_, i) => (i * 7) % 4),
        [200],
        { dtype: 'int64' },
      ),
    };
    const test = {
      features: randn([400, 4, 8]),
      labels: tensor(
        Array.from({ length: 400 }, (_, i) => (i * 3) % 4),
        [400],
        { dtype: 'int64' },
      ),
    };
    const probe = trainLinearProbe(train, { classes: 4, pooling: 'mean', lr: 1e-2, epochs: 5, batchSize: 32 });
    const accuracy = probeAccuracy(probe, test);
    noteMeasurement('probe random labels', { accuracy });
    expect(isCountOf(accuracy, 400), `accuracy ${accuracy}`).toBe(true);
    expect(nearChance(accuracy, 1 / 4, 400), `accuracy ${accuracy}, chance 0.25`).toBe(true);
  });
});

describe('fitLinearProbe (trained to convergence)', () => {
  const convergence = { tolerance: 1e-3, patience: 2, lrDrops: 1 };
  const args = { classes: 5, pooling: 'mean' as const, lr: 0.05, batchSize: 50 };

  it('stops on a plateau well before its epoch limit, with a probe far above chance', () => {
    manualSeed(testSeed(4));
    // Overlapping classes (noise std 2.5 against means 3 apart): the loss has a minimum, so training plateaus.
    // (On separable data the loss of a linear probe falls towards 0 without end.)
    const { features, labels } = separable(400, 1, 8, 5, false);
    const train = { features: add(features, mul(randn(features.shape), 2.5)), labels };
    const fitted = fitLinearProbe(train, { ...args, epochs: 500 }, convergence);
    expect(fitted.converged).toBe(true);
    expect(fitted.epochs).toBeLessThan(500);
    expect(Number.isFinite(fitted.trainLoss)).toBe(true);
    const accuracy = probeAccuracy(fitted.probe, train);
    expect(isCountOf(accuracy, 400), `${accuracy}`).toBe(true);
    expect(nearChance(accuracy, 1 / 5, 400), `${accuracy}`).toBe(false);
    expect(accuracy).toBeGreaterThan(1 / 5);
    noteMeasurement('fitLinearProbe plateau', { epochs: fitted.epochs, accuracy });
    fitted.probe.dispose();
  });

  it('says it did not converge when the epoch limit comes first', () => {
    manualSeed(testSeed(5));
    const train = separable(200, 1, 8, 5, false);
    const fitted = fitLinearProbe(train, { ...args, lr: 1e-4, epochs: 3 }, convergence);
    expect([fitted.converged, fitted.epochs]).toEqual([false, 3]);
    fitted.probe.dispose();
  });

  it('refuses a negative tolerance and a zero patience, naming them', () => {
    const train = separable(10, 1, 8, 5, false);
    expect(() => fitLinearProbe(train, { ...args, epochs: 1 }, { ...convergence, tolerance: -1 })).toThrow(/tolerance/);
    expect(() => fitLinearProbe(train, { ...args, epochs: 1 }, { ...convergence, patience: 0 })).toThrow(/patience/);
  });
});
