import { describe, expect, it } from 'vitest';
import { GradientIsolatedStack } from '../../gim/index.js';
import { abs, clone, liveTensors, manualSeed, noGrad, randn, sub, sum, tidy, type Tensor } from '../../tensor/index.js';
import { buildVisionModules, VisionModule } from './modules.js';
import { paperVisionEncoder } from './resnet.js';
import { TINY_VISION_ENCODER } from './resnet.js';
import { gratings } from './testing.js';
import { testSeed } from '../../testing/env.js';
import { moduleLosses, noteMeasurement, relativeFall } from '../../testing/learning.js';

/** InfoNCE at chance: the positive among 16 negatives + 1. */
const CHANCE_LOSS = Math.log(17);
/** The least relative fall of a loss measured before and after training (observed falls are far larger). */
const MIN_FALL = 0.03;
/** CPC's one module (with its context network) learns more slowly than a GIM module: it trains longer here. */
const CPC_STEPS = 80;

const snapshot = (ms: readonly VisionModule[]) => ms.map((m) => m.parameters().map((p) => clone(p.detach())));
const changed = (a: Tensor[], b: Tensor[]) => a.some((t, i) => sum(abs(sub(t, b[i]!))).item() > 0);

describe('vision GIM modules', () => {
  it('paper width, one 64×64 image: z maps 256×16×16 → 512×8×8 → 1024×4×4 per patch, pooled to C×7×7', () => {
    manualSeed(0);
    const modules = buildVisionModules(paperVisionEncoder);
    const x = randn([1, 1, 64, 64]);
    const { zs, pooled, loss } = noGrad(() =>
      tidy(() => {
        const z1 = modules[0]!.encode(x);
        const z2 = modules[1]!.encode(z1);
        const z3 = modules[2]!.encode(z2);
        const zs = [z1, z2, z3].map((z) => z.shape);
        const pooled = [z1, z2, z3].map((z, m) => modules[m]!.pool(z).shape);
        const p3 = modules[2]!.pool(z3);
        return { zs, pooled, loss: modules[2]!.head.loss(p3, p3).loss.item() };
      }),
    );
    expect(zs).toEqual([
      [1, 7, 7, 256, 16, 16],
      [1, 7, 7, 512, 8, 8],
      [1, 7, 7, 1024, 4, 4],
    ]);
    expect(pooled).toEqual([
      [1, 256, 7, 7],
      [1, 512, 7, 7],
      [1, 1024, 7, 7],
    ]);
    expect(Number.isFinite(loss)).toBe(true);
    for (const m of modules) m.dispose();
  });

  it('pool(z) is the mean of each patch map, at grid position [b, :, i, j]', () => {
    manualSeed(1);
    const [m] = buildVisionModules(TINY_VISION_ENCODER);
    const z = randn([2, 3, 4, 5, 2, 2]); // [B, gh, gw, C, h, w]
    const p = m!.pool(z);
    expect(p.shape).toEqual([2, 5, 3, 4]);
    const zs = z.toArray();
    const ps = p.toArray();
    const [b, i, j, c] = [1, 2, 3, 4];
    const base = ((((b * 3 + i) * 4 + j) * 5 + c) * 2 + 0) * 2;
    expect(ps[((b * 5 + c) * 3 + i) * 4 + j]).toBeCloseTo(
      (zs[base]! + zs[base + 1]! + zs[base + 2]! + zs[base + 3]!) / 4,
      5,
    );
    m!.dispose();
  });

  it('iterative training of module m changes only module m and leaves no gradients behind', () => {
    manualSeed(2);
    const modules = buildVisionModules(TINY_VISION_ENCODER);
    const stack = new GradientIsolatedStack(modules, { lr: 1e-3 });
    const x = gratings(2, 32, 1);
    for (const m of [0, 1, 2]) {
      const before = snapshot(modules);
      stack.trainStep(x, { mode: 'iterative', trainModule: m });
      const after = snapshot(modules);
      modules.forEach((_, i) =>
        expect(changed(before[i]!, after[i]!), `module ${i} after training ${m}`).toBe(i === m),
      );
      for (const mod of modules) for (const p of mod.parameters()) expect(p.grad).toBeNull();
    }
    stack.dispose();
  });

  it("module m's loss sends no gradient into module m − 1 (the stack's detach is the only block needed)", () => {
    manualSeed(3);
    const [a, b] = buildVisionModules(TINY_VISION_ENCODER);
    const x = gratings(2, 32, 2);
    tidy(() => b!.step(a!.encode(x).detach()).loss.backward());
    expect(a!.parameters().every((p) => p.grad === null)).toBe(true);
    expect(b!.encoder.parameters().every((p) => p.grad !== null)).toBe(true);
    a!.dispose();
    b!.dispose();
  });

  it('simultaneous GIM training on gratings lowers every module loss, without leaking tensors', () => {
    manualSeed(testSeed(4));
    const stack = new GradientIsolatedStack(buildVisionModules(TINY_VISION_ENCODER), { lr: 1e-2 });
    const x = gratings(8, 32, testSeed(3));
    const before = moduleLosses(stack, x);
    stack.trainStep(x, { mode: 'simultaneous' });
    const live = liveTensors();
    for (let i = 0; i < 40; i++) stack.trainStep(x, { mode: 'simultaneous' });
    expect(liveTensors()).toBe(live);
    const after = moduleLosses(stack, x);
    for (const m of [0, 1, 2]) {
      // chance: the positive among 17 candidates
      expect(relativeFall(CHANCE_LOSS, before[m]!), `module ${m} at init`).toBeCloseTo(0, 1);
      const fall = relativeFall(before[m]!, after[m]!);
      noteMeasurement(`vision GIM module ${m + 1}`, { before: before[m]!, after: after[m]!, fall });
      expect(fall, `module ${m}: ${before[m]} → ${after[m]}`).toBeGreaterThan(MIN_FALL);
    }
    stack.dispose();
  });

  it('CPC (modelSplits 1): one module with every stage and a PixelCNN; its loss trains encoder and context network', () => {
    manualSeed(testSeed(5));
    const modules = buildVisionModules({ ...TINY_VISION_ENCODER, modelSplits: 1 });
    expect(modules.length).toBe(1);
    const cpc = modules[0]!;
    expect(cpc.autoregressor).not.toBeNull();
    expect(cpc.outChannels).toBe(32);
    const stack = new GradientIsolatedStack(modules, { lr: 1e-2 });
    const x = gratings(8, 32, testSeed(4));
    const feats = stack.features(x);
    expect(feats.map((f) => f.shape)).toEqual([[8, 32, 7, 7]]); // the probe reads pooled z (the reference's h), not c
    tidy(() => cpc.step(x).loss.backward());
    // Every parameter learns except the last gated layer's residual_vertical: its vertical output is unused (as in the
    // reference, which keeps the layer for its checkpoints' layout).
    const idle = cpc
      .namedParameters()
      .filter(([, p]) => p.grad === null)
      .map(([n]) => n);
    expect(idle).toEqual([
      'autoregressor.layer1.residual_vertical.weight',
      'autoregressor.layer1.residual_vertical.bias',
    ]);
    cpc.zeroGrad();
    const [before] = moduleLosses(stack, x);
    for (let i = 0; i < CPC_STEPS; i++) stack.trainStep(x, { mode: 'simultaneous' });
    const [after] = moduleLosses(stack, x);
    const fall = relativeFall(before!, after!);
    noteMeasurement('vision CPC', { before: before!, after: after!, fall });
    expect(fall, `${before} → ${after}`).toBeGreaterThan(MIN_FALL);
    stack.dispose();
  });

  it('rejects images given to a module without the stem, and a bad modelSplits', () => {
    const modules = buildVisionModules(TINY_VISION_ENCODER);
    expect(() => modules[1]!.encode(randn([1, 1, 32, 32]))).toThrow(/patch grid/);
    expect(() => modules[1]!.encode(randn([1, 7, 7, 8, 8, 8]))).toThrow(/channels/);
    expect(() => buildVisionModules({ ...TINY_VISION_ENCODER, modelSplits: 2 })).toThrow(/modelSplits/);
    for (const m of modules) m.dispose();
  });
});
