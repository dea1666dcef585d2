import { describe, expect, it } from 'vitest';
import { abs, clone, liveTensors, manualSeed, randn, sub, sum, tensor, tidy, type Tensor } from '../tensor/index.js';
import { ConvModule as TestConvModule } from './testing.js';
import type { GimModule } from './module.js';
import { GradientIsolatedStack } from './stack.js';
import { testSeed } from '../testing/env.js';
import { moduleLosses, noteMeasurement, relativeFall } from '../testing/learning.js';

/** The least relative fall of a loss measured before and after training (observed falls are far larger). */
const MIN_FALL = 0.03;

/** The fixture module with this file's InfoNCE settings. */
class ConvModule extends TestConvModule {
  constructor(inC: number, outC: number) {
    super(inC, outC, { predictionSteps: 3, negativeSamples: 5 });
  }
}

const snapshot = (ms: readonly GimModule[]) => ms.map((m) => m.parameters().map((p) => clone(p.detach())));
const changed = (a: Tensor[], b: Tensor[]) => a.some((t, i) => sum(abs(sub(t, b[i]!))).item() > 0);

/** A structured signal: a sum of slow sinusoids, so futures are predictable from the present. */
function signal(B: number, T: number): Tensor {
  const data = new Float32Array(B * 2 * T);
  for (let b = 0; b < B; b++)
    for (let ch = 0; ch < 2; ch++)
      for (let t = 0; t < T; t++)
        data[(b * 2 + ch) * T + t] = Math.sin((t + 7 * b) / (3 + ch + b)) + 0.05 * Math.cos(5 * t);
  return tensor(data, [B, 2, T]);
}

describe('GradientIsolatedStack', () => {
  it('iterative step on module m changes only module m; earlier modules get no gradient', () => {
    manualSeed(0);
    const stack = new GradientIsolatedStack([new ConvModule(2, 8), new ConvModule(8, 8), new ConvModule(8, 8)], {
      lr: 1e-2,
    });
    const x = randn([2, 2, 20]);
    for (const m of [0, 1, 2]) {
      const before = snapshot(stack.modules);
      stack.trainStep(x, { mode: 'iterative', trainModule: m });
      const after = snapshot(stack.modules);
      stack.modules.forEach((_, i) =>
        expect(changed(before[i]!, after[i]!), `module ${i} after training ${m}`).toBe(i === m),
      );
      for (const mod of stack.modules) for (const p of mod.parameters()) expect(p.grad).toBeNull();
    }
  });

  it("module m's loss sends gradient to module m only (the gradient block)", () => {
    manualSeed(1);
    const [a, b] = [new ConvModule(2, 8), new ConvModule(8, 8)];
    const x = randn([2, 2, 20]);
    tidy(() => {
      const za = a.encode(x); // not detached on purpose: the block must come from step()'s caller
      const s = b.step(za.detach());
      s.loss.backward();
    });
    expect(a.parameters().every((p) => p.grad === null)).toBe(true);
    expect(b.conv.parameters().every((p) => p.grad !== null)).toBe(true);
    tidy(() => {
      // Without the detach the gradient would flow into module a: the test above can fail.
      const s = b.step(a.encode(x));
      s.loss.backward();
    });
    expect(a.parameters().some((p) => p.grad !== null)).toBe(true);
  });

  it('simultaneous training lowers every InfoNCE loss on structured data, without leaking', () => {
    manualSeed(testSeed(2));
    const stack = new GradientIsolatedStack([new ConvModule(2, 16), new ConvModule(16, 16)], { lr: 3e-3 });
    const x = signal(4, 48);
    const before = moduleLosses(stack, x);
    stack.trainStep(x, { mode: 'simultaneous' });
    const live = liveTensors();
    for (let i = 0; i < 60; i++) stack.trainStep(x, { mode: 'simultaneous' });
    expect(liveTensors()).toBe(live);
    const after = moduleLosses(stack, x);
    for (const m of [0, 1]) {
      const fall = relativeFall(before[m]!, after[m]!);
      noteMeasurement(`stack module ${m + 1}`, { before: before[m]!, after: after[m]!, fall });
      expect(fall, `module ${m}: ${before[m]} → ${after[m]}`).toBeGreaterThan(MIN_FALL);
    }
  });

  it("features() returns each module's representation without gradient", () => {
    manualSeed(3);
    const stack = new GradientIsolatedStack([new ConvModule(2, 4), new ConvModule(4, 6)]);
    const feats = stack.features(randn([3, 2, 10]));
    expect(feats.map((f) => f.shape)).toEqual([
      [3, 4, 10],
      [3, 6, 10],
    ]);
    expect(feats.every((f) => !f.requiresGrad)).toBe(true);
  });

  it('rejects a bad trainModule', () => {
    const stack = new GradientIsolatedStack([new ConvModule(2, 4)]);
    expect(() => stack.trainStep(randn([1, 2, 10]), { mode: 'iterative', trainModule: 3 })).toThrow(/trainModule/);
  });
});
