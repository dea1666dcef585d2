import { describe, expect, it } from 'vitest';
import { Conv1d, Conv2d, ReLU, Sequential } from '../nn/index.js';
import { abs, clone, manualSeed, randint, randn, sub, sum, tidy, type Tensor } from '../tensor/index.js';
import { moduleLosses, noteMeasurement } from '../testing/learning.js';
import { testSeed } from '../testing/env.js';
import { LocalModule } from './local-module.js';
import { localObjectives, type LocalObjectiveName } from './objective.js';
import { localObjective } from './objectives.js';
import { GradientIsolatedStack } from './stack.js';

const CLASSES = 3;

/** A module: Conv2d(3×3) + ReLU with the named objective on its map. */
function convModule(name: LocalObjectiveName, inC: number, outC: number): LocalModule {
  const encoder = new Sequential(new Conv2d(inC, outC, 3, { padding: 1 }), new ReLU());
  const objective = localObjective(name, {
    form: 'grid',
    channels: outC,
    classes: CLASSES,
    predictionSteps: 2,
    negativeSamples: 4,
    dim: { embedSize: 8, globalSize: 8 },
  });
  return new LocalModule({ encoder, objective });
}

const gradients = (m: LocalModule): (Tensor | null)[] => m.parameters().map((p) => (p.grad ? clone(p.grad) : null));
const same = (a: (Tensor | null)[], b: (Tensor | null)[]): boolean =>
  a.every((t, i) => (t === null ? b[i] === null : b[i] !== null && sum(abs(sub(t, b[i]!))).item() === 0));

describe('LocalModule with every local objective', () => {
  for (const name of localObjectives) {
    it(`${name}: module m's parameters get gradient only from loss m`, () => {
      manualSeed(40);
      const [a, b] = [convModule(name, 1, 4), convModule(name, 4, 4)];
      const x = randn([4, 1, 6, 6]); // [B, 1, H, W]
      const targets = randint(0, CLASSES, [4]);
      tidy(() => {
        const sa = a.step(x, targets);
        const sb = b.step(sa.next.detach(), targets); // the stack's gradient block
        sb.loss.backward();
        expect(
          a.parameters().every((p) => p.grad === null),
          'module 1 after loss 2',
        ).toBe(true);
        expect(
          b.parameters().every((p) => p.grad !== null),
          'module 2 (encoder and head) after loss 2',
        ).toBe(true);
        const bAfterOwnLoss = gradients(b);
        sa.loss.backward();
        expect(
          a.parameters().every((p) => p.grad !== null),
          'module 1 after loss 1',
        ).toBe(true);
        expect(same(gradients(b), bAfterOwnLoss), 'module 2 unchanged by loss 1').toBe(true);
      });
      a.dispose();
      b.dispose();
    });

    it(`${name}: a greedy stack trains end to end (each loss on a fixed batch falls below its value at init)`, () => {
      manualSeed(testSeed(41));
      const stack = new GradientIsolatedStack([convModule(name, 1, 8), convModule(name, 8, 8)], { lr: 1e-2 });
      const x = randn([6, 1, 6, 6]);
      const targets = randint(0, CLASSES, [6]);
      const before = moduleLosses(stack, x, { targets });
      for (let step = 0; step < 25; step++) {
        const metrics = stack.trainStep(x, { mode: 'simultaneous', targets });
        expect(metrics.every((m) => Number.isFinite(m.loss))).toBe(true);
      }
      const after = moduleLosses(stack, x, { targets });
      before.forEach((loss, m) =>
        noteMeasurement(`local objective ${name}, module ${m + 1}`, { before: loss, after: after[m]! }),
      );
      after.forEach((loss, m) => expect(loss, `module ${m + 1}: ${before[m]} → ${loss}`).toBeLessThan(before[m]!));
      stack.dispose();
    });
  }

  it('sequence form: a Conv1d encoder with CLAPP, its features [B, T, C]', () => {
    manualSeed(42);
    const module = new LocalModule({
      encoder: new Conv1d(2, 5, 3, { padding: 1 }),
      objective: localObjective('clapp', { form: 'sequence', channels: 5, predictionSteps: 2 }),
      form: 'sequence',
    });
    const x = randn([2, 2, 12]); // [B, C, T]
    expect(module.features(x).shape).toEqual([2, 12, 5]);
    expect(Number.isFinite(module.step(x).loss.item())).toBe(true);
    module.dispose();
  });

  it('builds its head from a name: channels and options, else a clear error', () => {
    const encoder = () => new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU());
    const named = new LocalModule({ encoder: encoder(), objective: 'predsim', channels: 4, options: { classes: 5 } });
    expect(named.objective.objective).toBe('predsim');
    expect(named.stateDict().has('loss.classifier.weight')).toBe(true);
    expect(() => new LocalModule({ encoder: encoder(), objective: 'clapp' })).toThrow(/LocalModule: channels/);
    named.dispose();
  });

  it('localObjective refuses what an objective cannot read', () => {
    expect(() => localObjective('dim', { form: 'sequence', channels: 4 })).toThrow(/'dim' reads a grid/);
    expect(() => localObjective('predsim', { form: 'grid', channels: 4 })).toThrow(/classes \(objective 'predsim'\)/);
    expect(() => localObjective('words' as LocalObjectiveName, { form: 'grid', channels: 4 })).toThrow(
      /localObjective: name must be one of/,
    );
  });
});
