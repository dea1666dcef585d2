import { describe, expect, it } from 'vitest';
import { manualSeed, mul, randn, type Tensor } from '../tensor/index.js';
import { CLAPPHead, clapp } from './clapp.js';
import { sampleNegatives, type NegativeIndices } from './negatives.js';
import { expectFiniteDifferences } from './testing.js';

/** Plain float64 CLAPP with loops: per (k, s, t) the hinge of the positive plus that of its one negative. */
function plainCLAPP(
  z: Float64Array, // [S, T, C]
  c: Float64Array, // [S, T, D]
  W: Float64Array, // [K·C, D]
  dims: { S: number; T: number; C: number; D: number; K: number; skip: number },
  negRow: number[], // per positive (in k, s, t order), the population row of its negative
): number {
  const { S, T, C, D, K, skip } = dims;
  let total = 0;
  let q = 0;
  for (let k = 1; k <= K; k++) {
    const n = T - k - skip;
    let sumK = 0;
    for (let s = 0; s < S; s++) {
      for (let t = 0; t < n; t++) {
        const score = (row: number): number => {
          let v = 0;
          for (let i = 0; i < C; i++) {
            let pred = 0;
            for (let j = 0; j < D; j++) pred += W[((k - 1) * C + i) * D + j]! * c[(s * T + t) * D + j]!;
            v += pred * z[row * C + i]!;
          }
          return v;
        };
        sumK += Math.max(0, 1 - score(s * T + t + k + skip)) + Math.max(0, 1 + score(negRow[q]!));
        q++;
      }
    }
    total += sumK / (S * n);
  }
  return total / K;
}

/** The one negative row of each positive, as the loss reads it: pool[pick[q, 0]]. */
function negativeRows(neg: NegativeIndices): number[] {
  const pool = neg.pool.toArray();
  return neg.pick.toArray().map((p) => pool[p]!);
}

const f64 = (t: Tensor) => t.data() as Float64Array;

describe('CLAPP', () => {
  const dims = { S: 2, T: 6, C: 3, D: 2, K: 2, skip: 0 };
  const Q = dims.S * (dims.T - 1 + dims.T - 2);

  it('equals the plain float64 hinge loss given the same negatives, in value and gradient (z, c, W)', () => {
    manualSeed(11);
    const z = mul(randn([dims.S, dims.T, dims.C], { dtype: 'float64' }), 0.7).requireGrad();
    const c = randn([dims.S, dims.T, dims.D], { dtype: 'float64' }).requireGrad();
    const W = mul(randn([dims.K * dims.C, dims.D], { dtype: 'float64' }), 0.5).requireGrad();
    const neg = sampleNegatives({ population: dims.S * dims.T, positives: Q, count: 1, groupSize: 4 });
    const rows = negativeRows(neg);
    const { loss, accuracy } = clapp('sequence', z, c, W, { predictionSteps: dims.K }, neg);
    const at = (zv: Float64Array, cv: Float64Array, wv: Float64Array) => plainCLAPP(zv, cv, wv, dims, rows);
    expect(loss.item()).toBeCloseTo(at(f64(z), f64(c), f64(W)), 10);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    loss.backward();
    expectFiniteDifferences(f64(z.grad!), f64(z), (v) => at(v, f64(c), f64(W)), 'z');
    expectFiniteDifferences(f64(c.grad!), f64(c), (v) => at(f64(z), v, f64(W)), 'c');
    expectFiniteDifferences(f64(W.grad!), f64(W), (v) => at(f64(z), f64(c), v), 'W');
  });

  it('grid form: each column a sequence over rows, equal to the definition', () => {
    const [B, C, H, Wd, K] = [2, 3, 5, 2, 2];
    manualSeed(12);
    const z = randn([B, C, H, Wd], { dtype: 'float64' });
    const W = mul(randn([K * C, C], { dtype: 'float64' }), 0.5);
    const neg = sampleNegatives({
      population: B * Wd * H,
      positives: B * Wd * (H - 2 + H - 3),
      count: 1,
      groupSize: 2,
    });
    const { loss } = clapp('grid', z, z, W, { predictionSteps: K, skip: 1 }, neg);
    const zv = f64(z);
    const seq = new Float64Array(B * Wd * H * C); // [B·W, H, C]: column w of image b as sequence b·W + w
    for (let b = 0; b < B; b++)
      for (let w = 0; w < Wd; w++)
        for (let h = 0; h < H; h++)
          for (let i = 0; i < C; i++) seq[((b * Wd + w) * H + h) * C + i] = zv[((b * C + i) * H + h) * Wd + w]!;
    const expected = plainCLAPP(seq, seq, f64(W), { S: B * Wd, T: H, C, D: C, K, skip: 1 }, negativeRows(neg));
    expect(loss.item()).toBeCloseTo(expected, 10);
  });

  it('is 2 when every score is 0, and its head always scores one negative', () => {
    const head = new CLAPPHead({ form: 'sequence', encodingSize: 3, contextSize: 3, predictionSteps: 2 });
    expect(head.args.negativeSamples).toBe(1);
    expect(head.objective).toBe('clapp');
    const z = mul(randn([2, 6, 3]), 0);
    expect(head.loss({ z }).loss.item()).toBeCloseTo(2, 6);
    head.dispose();
  });
});
