import { describe, expect, it } from 'vitest';
import { GradientIsolatedStack } from '../../gim/index.js';
import {
  abs,
  adaptiveAvgPool2d,
  flatten,
  linear,
  liveTensors,
  manualSeed,
  max,
  noGrad,
  randn,
  sub,
  tensor,
} from '../../tensor/index.js';
import { ClassifierHead, buildSupervisedVisionModules } from './supervised.js';
import { TINY_VISION_ENCODER } from './resnet.js';
import { gratings } from './testing.js';
import { testSeed } from '../../testing/env.js';
import { isCountOf, moduleAccuracies, moduleLosses, noteMeasurement, relativeFall } from '../../testing/learning.js';

/** The least relative fall of a loss measured before and after training (observed falls are far larger). */
const MIN_FALL = 0.03;
/** Two balanced classes. */
const CHANCE_ACCURACY = 0.5;

describe('supervised vision baselines', () => {
  it('ClassifierHead averages the grid and applies Linear(C, classes)', () => {
    manualSeed(0);
    const head = new ClassifierHead(6, 10);
    const x = randn([3, 6, 7, 7]);
    const y = noGrad(() => head.forward(x));
    expect(y.shape).toEqual([3, 10]);
    expect(head.numParameters()).toBe(6 * 10 + 10);
    head.dispose();
  });

  it('ClassifierHead with cells 2 reads the grid average-pooled to 2×2, flattened channel-major', () => {
    manualSeed(0);
    const head = new ClassifierHead(6, 10, { cells: 2 });
    expect(head.linear.inFeatures).toBe(24);
    const x = randn([3, 6, 7, 7]);
    const y = noGrad(() => head.forward(x));
    const want = noGrad(() => linear(flatten(adaptiveAvgPool2d(x, [2, 2]), 1), head.linear.weight, head.linear.bias));
    expect(noGrad(() => max(abs(sub(y, want))).item())).toBeLessThan(1e-6);
    expect(() => new ClassifierHead(6, 10, { cells: 0 })).toThrow(/ClassifierHead: cells/);
    head.dispose();
  });

  it('greedy supervised: each module has its own classifier; training on labelled gratings lowers every loss', () => {
    manualSeed(testSeed(1));
    const modules = buildSupervisedVisionModules(TINY_VISION_ENCODER, 2);
    expect(modules.map((m) => m.classifier.linear.inFeatures)).toEqual([16, 32, 32]);
    const stack = new GradientIsolatedStack(modules, { lr: 3e-3 });
    const labels = [0, 1, 1, 0, 1, 0, 0, 1];
    const x = gratings(labels.length, 32, testSeed(7), labels);
    const y = tensor(labels, [labels.length], { dtype: 'int64' });
    const before = moduleLosses(stack, x, { targets: y });
    stack.trainStep(x, { mode: 'simultaneous', targets: y });
    const live = liveTensors();
    for (let i = 0; i < 30; i++) stack.trainStep(x, { mode: 'simultaneous', targets: y });
    expect(liveTensors()).toBe(live);
    const after = moduleLosses(stack, x, { targets: y });
    const accuracies = moduleAccuracies(stack, x, { targets: y });
    for (const m of [0, 1, 2]) {
      // two classes: cross-entropy near log 2 at init
      expect(relativeFall(Math.log(2), before[m]!), `module ${m} at init`).toBeCloseTo(0, 1);
      const fall = relativeFall(before[m]!, after[m]!);
      const accuracy = accuracies[m]!;
      noteMeasurement(`greedy supervised module ${m + 1}`, { before: before[m]!, after: after[m]!, fall, accuracy });
      expect(fall, `module ${m}: ${before[m]} → ${after[m]}`).toBeGreaterThan(MIN_FALL);
      expect(isCountOf(accuracy, labels.length), `module ${m} accuracy ${accuracy}`).toBe(true);
    }
    // horizontal vs vertical: the last module separates the batch it trained on better than chance
    expect(accuracies[2]!).toBeGreaterThan(CHANCE_ACCURACY);
    stack.dispose();
  });

  it('end to end (modelSplits 1): one module, no context network', () => {
    const modules = buildSupervisedVisionModules({ ...TINY_VISION_ENCODER, modelSplits: 1 }, 10);
    expect(modules.length).toBe(1);
    expect(modules[0]!.outChannels).toBe(32);
    expect(modules[0]!.children().map(([n]) => n)).toEqual(['encoder', 'classifier']);
    modules[0]!.dispose();
  });

  it('step takes the labels as its targets, one per image', () => {
    const [m] = buildSupervisedVisionModules(TINY_VISION_ENCODER, 2);
    const x = gratings(2, 32, 1);
    expect(() => m!.step(x)).toThrow(/no labels \(pass the batch's labels as targets/);
    expect(() => m!.step(x, tensor([0, 1, 1], [3], { dtype: 'int64' }))).toThrow(/3 labels for a batch of 2/);
    expect(() => m!.step(x, tensor([0, 1], [2, 1], { dtype: 'int64' }))).toThrow(/expected labels \[B\], got \[2, 1\]/);
    expect('setTargets' in m!).toBe(false);
    m!.dispose();
  });
});
