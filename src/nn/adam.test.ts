import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clone, copyInto, liveTensors, mul, sum, tensor, tidy, type Tensor } from '../tensor/index.js';
import { Adam } from './adam.js';
import { Linear } from './linear.js';

interface FixtureCase {
  name: string;
  dtype: 'float32' | 'float64';
  shape: number[];
  steps: number;
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  init: number[];
  grads: number[][];
  after: number[][];
  final_exp_avg: number[];
  final_exp_avg_sq: number[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/adam.json', import.meta.url), 'utf8')) as {
  cases: FixtureCase[];
};

/** Accumulate exactly `g` into p.grad: ∂/∂p Σ p ⊙ g = g. */
function setGrad(p: Tensor, g: number[]): void {
  tidy(() => {
    p.zeroGrad();
    sum(mul(p, tensor(g, p.shape, { dtype: p.dtype }))).backward();
  });
}

function param(values: number[], shape: number[], dtype: 'float32' | 'float64'): Tensor {
  return tensor(values, shape, { dtype }).requireGrad();
}

describe('Adam', () => {
  it('matches an independent float64 JS reference with bias correction for 3 steps', () => {
    const p0 = [0.5, -1.25, 2];
    const g = [0.1, -0.3, 0.02];
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-8];
    const p = param(p0, [3], 'float64');
    const opt = new Adam([p], { lr, betas: [b1, b2], eps });
    const ref = [...p0];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 1; t <= 3; t++) {
      setGrad(p, g);
      opt.step();
      for (let i = 0; i < 3; i++) {
        // m_t = β₁ m + (1 − β₁) g;  v_t = β₂ v + (1 − β₂) g²
        m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
        // m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);  p ← p − lr · m̂ / (√v̂ + ε)
        const mHat = m[i]! / (1 - b1 ** t);
        const vHat = v[i]! / (1 - b2 ** t);
        ref[i] = ref[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
      const got = p.toArray();
      for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(ref[i]!, 12);
    }
    expect(opt.stepCount).toBe(3);
    // With a constant gradient, the first step moves each coordinate by ≈ lr·sign(g).
    expect(Math.abs(ref[0]! - p0[0]! + 3 * lr)).toBeLessThan(1e-6);
    opt.dispose();
    p.dispose();
  });

  for (const c of fixture.cases) {
    it(`matches torch.optim.Adam (${c.name})`, () => {
      const p = param(c.init, c.shape, c.dtype);
      const opt = new Adam([p], { lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weight_decay });
      const tol = c.dtype === 'float32' ? 2e-6 : 1e-12;
      c.grads.forEach((g, s) => {
        setGrad(p, g);
        opt.step();
        const got = p.toArray();
        c.after[s]!.forEach((want, i) =>
          expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want))),
        );
      });
      const st = opt.stateDict();
      expect(st.step).toBe(c.steps);
      const close = (a: number[], b: number[]): void =>
        b.forEach((w, i) => expect(Math.abs(a[i]! - w)).toBeLessThanOrEqual(tol * Math.max(1e-3, Math.abs(w))));
      close(st.expAvg[0]!.toArray(), c.final_exp_avg);
      close(st.expAvgSq[0]!.toArray(), c.final_exp_avg_sq);
      opt.dispose();
      p.dispose();
    });
  }

  it('save → restore mid-run gives bit-identical subsequent steps', () => {
    const c = fixture.cases[1]!;
    const args = { lr: c.lr, betas: c.betas, eps: c.eps, weightDecay: c.weight_decay };
    const bits = (t: Tensor): Buffer => Buffer.from(t.data().buffer);
    // Uninterrupted run.
    const a = param(c.init, c.shape, 'float32');
    const optA = new Adam([a], args);
    for (const g of c.grads) {
      setGrad(a, g);
      optA.step();
    }
    // Interrupted run: 3 steps, snapshot copies, dispose everything, restore into a fresh parameter + optimizer.
    const b = param(c.init, c.shape, 'float32');
    const optB = new Adam([b], args);
    for (const g of c.grads.slice(0, 3)) {
      setGrad(b, g);
      optB.step();
    }
    const s = optB.stateDict();
    const saved = { step: s.step, expAvg: s.expAvg.map(clone), expAvgSq: s.expAvgSq.map(clone), hyper: s.hyper };
    const savedParam = b.detach();
    optB.dispose();
    b.dispose();

    const b2 = param(new Array<number>(c.init.length).fill(0), c.shape, 'float32');
    copyInto(b2, savedParam);
    const optB2 = new Adam([b2], { lr: 123 });
    optB2.loadStateDict(saved);
    expect(optB2.hyper).toEqual(optA.hyper);
    expect(optB2.stepCount).toBe(3);
    for (const g of c.grads.slice(3)) {
      setGrad(b2, g);
      optB2.step();
    }
    expect(bits(b2).equals(bits(a))).toBe(true);
    const sa = optA.stateDict();
    const sb = optB2.stateDict();
    expect(bits(sb.expAvg[0]!).equals(bits(sa.expAvg[0]!))).toBe(true);
    expect(bits(sb.expAvgSq[0]!).equals(bits(sa.expAvgSq[0]!))).toBe(true);
    for (const t of [...saved.expAvg, ...saved.expAvgSq, savedParam, a, b2]) t.dispose();
    optA.dispose();
    optB2.dispose();
  });

  it('optimizes a Module, skips parameters without a gradient, and creates its state lazily (kept)', () => {
    const lin = new Linear(3, 2);
    const opt = new Adam(lin, { lr: 0.1 });
    expect(opt.params).toEqual(lin.parameters());
    expect(opt.stateDict().expAvg).toHaveLength(0);
    const before = clone(lin.bias!);
    lin.bias!.requireGrad(false); // frozen: never gets a gradient
    const live0 = liveTensors();
    tidy(() => {
      sum(lin.forward(tensor([1, 2, 3], [1, 3]))).backward();
      opt.step();
    });
    expect(liveTensors()).toBe(live0 + 4); // m and v for weight and bias, kept past the tidy
    expect(lin.bias!.toArray()).toEqual(before.toArray());
    expect(opt.stateDict().expAvg[1]!.toArray()).toEqual([0, 0]);
    tidy(() => {
      expect(lin.weight.grad).not.toBeNull();
    });
    opt.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    opt.dispose();
    expect(liveTensors()).toBe(live0);
    before.dispose();
    lin.dispose();
  });

  it('rejects bad hyperparameters and mismatched state', () => {
    const p = param([1, 2], [2], 'float32');
    expect(() => new Adam([p], { lr: -1 })).toThrow(/lr/);
    expect(() => new Adam([p], { betas: [1, 0.9] })).toThrow(/beta1/);
    expect(() => new Adam([p, p])).toThrow(/more than once/);
    const opt = new Adam([p]);
    const wrong = tensor([0, 0, 0], [3]);
    expect(() => opt.loadStateDict({ step: 1, expAvg: [wrong], expAvgSq: [wrong] })).toThrow(
      /expAvg\[0\] has shape \[3\]/,
    );
    expect(() => opt.loadStateDict({ step: 2, expAvg: [], expAvgSq: [] })).toThrow(/no moment/);
    expect(() => opt.loadStateDict({ step: 1, expAvg: [p], expAvgSq: [] })).toThrow(/1 expAvg and 0 expAvgSq/);
    wrong.dispose();
    opt.dispose();
    p.dispose();
  });
});
