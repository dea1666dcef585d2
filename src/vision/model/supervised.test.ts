import { describe, expect, it } from 'vitest';
import { GradientIsolatedStack } from '../../gim/index.js';
import { liveTensors, manualSeed, noGrad, randn, tensor } from '../../tensor/index.js';
import { ClassifierHead, buildSupervisedVisionModules, setSupervisedTargets } from './supervised.js';
import { gratings, tinyVisionEncoder } from './testing.js';

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

  it('greedy supervised: each module has its own classifier; training on labelled gratings lowers every loss', () => {
    manualSeed(1);
    const modules = buildSupervisedVisionModules(tinyVisionEncoder, 2);
    expect(modules.map((m) => m.classifier.linear.inFeatures)).toEqual([16, 32, 32]);
    const stack = new GradientIsolatedStack(modules, { lr: 3e-3 });
    const labels = [0, 1, 1, 0, 1, 0, 0, 1];
    const x = gratings(8, 32, 7, labels);
    const y = tensor(labels, [8], { dtype: 'int64' });
    setSupervisedTargets(modules, y);
    const first = stack.trainStep(x, { mode: 'simultaneous' });
    const live = liveTensors();
    let last = first;
    for (let i = 0; i < 30; i++) last = stack.trainStep(x, { mode: 'simultaneous' });
    expect(liveTensors()).toBe(live);
    for (const m of [0, 1, 2]) {
      expect(first[m]!.loss).toBeCloseTo(Math.log(2), 0);
      expect(last[m]!.loss, `module ${m}`).toBeLessThan(first[m]!.loss - 0.2);
    }
    expect(last[2]!.accuracy).toBe(1);
    stack.dispose();
  });

  it('end to end (modelSplits 1): one module, no context network', () => {
    const modules = buildSupervisedVisionModules({ ...tinyVisionEncoder, modelSplits: 1 }, 10);
    expect(modules.length).toBe(1);
    expect(modules[0]!.outChannels).toBe(32);
    expect(modules[0]!.children().map(([n]) => n)).toEqual(['encoder', 'classifier']);
    modules[0]!.dispose();
  });

  it('step needs the labels first, one per image', () => {
    const [m] = buildSupervisedVisionModules(tinyVisionEncoder, 2);
    const x = gratings(2, 32, 1);
    expect(() => m!.step(x)).toThrow(/setTargets/);
    m!.setTargets(tensor([0, 1, 1], [3], { dtype: 'int64' }));
    expect(() => m!.step(x)).toThrow(/3 labels for a batch of 2/);
    m!.dispose();
  });
});
