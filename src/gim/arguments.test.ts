/** Bad options given to the gim layer's public functions are refused with an error naming the option. */
import { describe, expect, it } from 'vitest';
import { randn, tensor, zeros, type Tensor } from '../tensor/index.js';
import { InfoNCEHead, type InfoNCEForm } from './head.js';
import { infoNCE, infoNCEGrid } from './infonce.js';
import { sampleNegatives } from './negatives.js';
import { LinearProbe, probeAccuracy, trainLinearProbe, type ProbePooling } from './probe.js';
import { GradientIsolatedStack, type StepMode } from './stack.js';
import { ConvModule } from './testing.js';

const infoNCEOptions = { predictionSteps: 2, negativeSamples: 3 };

describe('GradientIsolatedStack options', () => {
  it('refuses an unknown training mode, naming the option and the allowed values', () => {
    const stack = new GradientIsolatedStack([
      new ConvModule(2, 4, infoNCEOptions),
      new ConvModule(4, 4, infoNCEOptions),
    ]);
    const x = randn([1, 2, 12]);
    expect(() => stack.trainStep(x, { mode: 'bogus' as StepMode })).toThrow(
      /GradientIsolatedStack\.trainStep: mode must be one of "simultaneous", "iterative", got "bogus"/,
    );
    expect(() => stack.trainStep(x, { mode: 'iterative', trainModule: 1.5 })).toThrow(
      /trainStep: trainModule .*must be an integer in \[0, 1\], got 1\.5/,
    );
    expect(() => stack.encodeModule(-1, x)).toThrow(/encodeModule: m must be an integer in \[0, 1\], got -1/);
    expect(() => stack.features(x, 2)).toThrow(/features: upTo must be an integer in \[0, 1\], got 2/);
    stack.dispose();
  });

  it('trainStep(x) without options trains every module (simultaneous)', () => {
    const stack = new GradientIsolatedStack([
      new ConvModule(2, 4, infoNCEOptions),
      new ConvModule(4, 4, infoNCEOptions),
    ]);
    const x = randn([1, 2, 12]);
    expect(stack.trainStep(x).map((m) => m.module)).toEqual([0, 1]);
    x.dispose();
    stack.dispose();
  });
});

describe('InfoNCE options', () => {
  const z = randn([2, 10, 3]); // [S, T, C]
  const W = randn([6, 3]); // [K·C, D]

  it('infoNCE refuses predictionSteps and negativeSamples that are not positive integers', () => {
    expect(() => infoNCE(z, z, W, { predictionSteps: 2, negativeSamples: 0 })).toThrow(
      /infoNCE: negativeSamples must be a positive integer, got 0/,
    );
    expect(() => infoNCE(z, z, W, { predictionSteps: 0, negativeSamples: 3 })).toThrow(
      /infoNCE: predictionSteps must be a positive integer, got 0/,
    );
    expect(() => infoNCE(z, z, W, { predictionSteps: 1.5, negativeSamples: 3 })).toThrow(/predictionSteps/);
    expect(() => infoNCE(z, z, W, { ...infoNCEOptions, window: 0 })).toThrow(/infoNCE: window must be/);
    expect(() => infoNCE(z, z, W, { ...infoNCEOptions, skip: -1 })).toThrow(/infoNCE: skip must be/);
    expect(() => infoNCE(z, z, W, { ...infoNCEOptions, poolGroupSize: 0 })).toThrow(/poolGroupSize/);
  });

  it('infoNCEGrid refuses the same options and a z that is not a grid', () => {
    const grid = randn([1, 3, 6, 2]); // [B, C, H, W]
    expect(() => infoNCEGrid(grid, grid, W, { predictionSteps: 2, negativeSamples: -1 })).toThrow(
      /infoNCEGrid: negativeSamples must be a positive integer, got -1/,
    );
    expect(() => infoNCEGrid(z, z, W, infoNCEOptions)).toThrow(/infoNCEGrid: z and c must be \[B, ·, H, W\]/);
  });

  it('InfoNCEHead refuses bad sizes, counts and forms', () => {
    const good = { ...infoNCEOptions, encodingSize: 3, contextSize: 3, form: 'sequence' as InfoNCEForm };
    expect(() => new InfoNCEHead({ ...good, negativeSamples: 0 })).toThrow(/InfoNCEHead: negativeSamples/);
    expect(() => new InfoNCEHead({ ...good, encodingSize: 0 })).toThrow(/InfoNCEHead: encodingSize/);
    expect(() => new InfoNCEHead({ ...good, form: 'rows' as InfoNCEForm })).toThrow(
      /InfoNCEHead: form must be one of "sequence", "grid", got "rows"/,
    );
  });

  it('sampleNegatives refuses a count or group size below 1', () => {
    const good = { population: 10, positives: 4, count: 2, groupSize: 2 };
    expect(() => sampleNegatives({ ...good, count: 0 })).toThrow(/sampleNegatives: count must be a positive integer/);
    expect(() => sampleNegatives({ ...good, groupSize: 0 })).toThrow(/sampleNegatives: groupSize/);
    expect(() => sampleNegatives({ ...good, positives: -1 })).toThrow(/sampleNegatives: positives/);
  });
});

describe('linear probe options', () => {
  const good = { classes: 2, pooling: 'mean' as ProbePooling, lr: 1e-2, epochs: 1, batchSize: 4 };
  const set = (labels: Tensor) => ({ features: randn([6, 2, 3]), labels });
  const labels = tensor([0, 1, 0, 1, 0, 1], [6], { dtype: 'int64' });

  it('refuses bad classes, pooling, epochs and batch sizes', () => {
    expect(() => new LinearProbe(3, { ...good, classes: 0 })).toThrow(
      /LinearProbe: classes must be a positive integer/,
    );
    expect(() => new LinearProbe(3, { ...good, pooling: 'max' as ProbePooling })).toThrow(
      /LinearProbe: pooling must be one of "mean", "frame", got "max"/,
    );
    expect(() => trainLinearProbe(set(labels), { ...good, batchSize: 0 })).toThrow(
      /trainLinearProbe: batchSize must be a positive integer, got 0/,
    );
    expect(() => trainLinearProbe(set(labels), { ...good, epochs: 0.5 })).toThrow(/trainLinearProbe: epochs/);
    expect(() => trainLinearProbe(set(labels), { ...good, lr: Infinity })).toThrow(/lr/);
  });

  it('refuses labels that do not match the features and the pooling', () => {
    expect(() => trainLinearProbe(set(zeros([5], { dtype: 'int64' })), good)).toThrow(
      /trainLinearProbe: labels must be \[6\] for pooling 'mean'/,
    );
    expect(() =>
      trainLinearProbe({ features: randn([0, 2, 3]), labels: zeros([0], { dtype: 'int64' }) }, good),
    ).toThrow(/features must be \[N ≥ 1, T, D\]/);
    const probe = trainLinearProbe(set(labels), good);
    expect(() => probeAccuracy(probe, set(labels), 0)).toThrow(/probeAccuracy: batchSize/);
    probe.dispose();
  });
});
