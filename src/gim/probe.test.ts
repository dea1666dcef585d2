import { describe, expect, it } from 'vitest';
import { add, manualSeed, mul, randn, tensor, type Tensor } from '../tensor/index.js';
import { probeAccuracy, trainLinearProbe } from './probe.js';

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

describe('linear probes', () => {
  it('learn an utterance-level (time-averaged) task', () => {
    manualSeed(0);
    const train = separable(200, 6, 8, 5, false);
    const test = separable(100, 6, 8, 5, false);
    const probe = trainLinearProbe(train, { classes: 5, pooling: 'mean', lr: 1e-2, epochs: 20, batchSize: 32 });
    expect(probeAccuracy(probe, test)).toBeGreaterThan(0.95);
  });

  it('learn a frame-level task and skip frames labelled −1', () => {
    manualSeed(1);
    const train = separable(60, 10, 8, 4, true);
    const test = separable(30, 10, 8, 4, true);
    const probe = trainLinearProbe(train, { classes: 4, pooling: 'frame', lr: 1e-2, epochs: 20, batchSize: 16 });
    expect(probeAccuracy(probe, test)).toBeGreaterThan(0.95);
    // Relabel every frame as unlabelled except frames of class 0, whose label we corrupt to 1: accuracy drops to ~0.
    const y = test.labels.toArray().map((v) => (v === 0 ? 1 : -1));
    expect(
      probeAccuracy(probe, { features: test.features, labels: tensor(y, [30, 10], { dtype: 'int64' }) }),
    ).toBeLessThan(0.1);
  });

  it('is at chance on random labels', () => {
    manualSeed(2);
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
    expect(probeAccuracy(probe, test)).toBeLessThan(0.4);
  });
});
