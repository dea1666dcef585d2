import { describe, expect, it } from 'vitest';
import {
  contiguous,
  manualSeed,
  randint,
  randn,
  tensor,
  tidy,
  transpose,
  mul,
  liveTensors,
  type Tensor,
} from '../tensor/index.js';
import { infoNCE, infoNCEGrid, type InfoNCEArgs } from './infonce.js';
import { sampleNegatives, type NegativeIndices } from './negatives.js';
import { expectFiniteDifferences } from './testing.js';

/** Plain float64 InfoNCE with explicit loops: the definition, written once more without any tensor op. */
function plainInfoNCE(
  z: Float64Array, // [S, T, C]
  c: Float64Array, // [S, T, D]
  W: Float64Array, // [K·C, D]
  dims: { S: number; T: number; C: number; D: number; K: number; skip: number },
  negRows: number[][], // per positive (in k, s, t order), the population rows of its negatives
  window: { start: number; L: number } = { start: 0, L: dims.T }, // predictions only inside [start, start + L)
): number {
  const { S, T, C, D, K, skip } = dims;
  let total = 0;
  let q = 0;
  for (let k = 1; k <= K; k++) {
    const n = window.L - k - skip;
    let sumK = 0;
    for (let s = 0; s < S; s++) {
      for (let t = window.start; t < window.start + n; t++) {
        const pred = new Float64Array(C);
        for (let i = 0; i < C; i++) {
          for (let j = 0; j < D; j++) pred[i]! += W[((k - 1) * C + i) * D + j]! * c[(s * T + t) * D + j]!;
        }
        const score = (row: number): number => {
          let v = 0;
          for (let i = 0; i < C; i++) v += pred[i]! * z[row * C + i]!;
          return v;
        };
        const logits = [score(s * T + t + k + skip), ...negRows[q]!.map(score)];
        const m = Math.max(...logits);
        const lse = m + Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0));
        sumK += lse - logits[0]!;
        q++;
      }
    }
    total += sumK / (S * n);
  }
  return total / K;
}

/** Negative rows per positive, as the fast loss will read them: pool[pick[q, n]]. */
function rowsOf(neg: NegativeIndices): number[][] {
  const pool = neg.pool.toArray();
  const pick = neg.pick.toArray();
  const N = neg.pick.shape[1]!;
  const out: number[][] = [];
  for (let q = 0; q < neg.pick.shape[0]!; q++) out.push(pick.slice(q * N, (q + 1) * N).map((p) => pool[p]!));
  return out;
}

const f64 = (t: Tensor) => t.data() as Float64Array;

describe('infoNCE (sequence form)', () => {
  const dims = { S: 2, T: 7, C: 3, D: 2, K: 3, skip: 0 };
  const args: InfoNCEArgs = { predictionSteps: dims.K, negativeSamples: 4, poolGroupSize: 3 };
  const Q = dims.S * (dims.T - 1 + dims.T - 2 + dims.T - 3);

  it('equals the plain float64 definition given the same negatives, in value and gradient', () => {
    manualSeed(1);
    const z = randn([dims.S, dims.T, dims.C], { dtype: 'float64' }).requireGrad();
    const c = randn([dims.S, dims.T, dims.D], { dtype: 'float64' }).requireGrad();
    const W = randn([dims.K * dims.C, dims.D], { dtype: 'float64' }).requireGrad();
    const neg = sampleNegatives({ population: dims.S * dims.T, positives: Q, count: 4, groupSize: 3 });
    const rows = rowsOf(neg);
    const { loss } = infoNCE(z, c, W, args, neg);
    const expected = plainInfoNCE(f64(z), f64(c), f64(W), dims, rows);
    expect(loss.item()).toBeCloseTo(expected, 10);

    loss.backward();
    for (const [name, x] of [
      ['z', z],
      ['c', c],
      ['W', W],
    ] as const) {
      const at = (v: Float64Array) =>
        plainInfoNCE(name === 'z' ? v : f64(z), name === 'c' ? v : f64(c), name === 'W' ? v : f64(W), dims, rows);
      expectFiniteDifferences(f64(x.grad!), f64(x), at, name);
    }
  });

  it('with c = z (no context network) reads contexts and targets from one gather, equal to the definition', () => {
    manualSeed(5);
    const d = { ...dims, D: dims.C };
    const z = randn([d.S, d.T, d.C], { dtype: 'float64' }).requireGrad();
    const W = randn([d.K * d.C, d.C], { dtype: 'float64' }).requireGrad();
    const neg = sampleNegatives({ population: d.S * d.T, positives: Q, count: 4, groupSize: 3 });
    const rows = rowsOf(neg);
    const { loss } = infoNCE(z, z, W, args, neg);
    expect(loss.item()).toBeCloseTo(plainInfoNCE(f64(z), f64(z), f64(W), d, rows), 10);
    loss.backward();
    expectFiniteDifferences(f64(z.grad!), f64(z), (v) => plainInfoNCE(v, v, f64(W), d, rows), 'z');
  });

  it('each negative slot of a positive comes from a distinct pool row (i.i.d. over the population)', () => {
    manualSeed(2);
    const neg = sampleNegatives({ population: 50, positives: 200, count: 5, groupSize: 4 });
    const pick = neg.pick.toArray();
    for (let q = 0; q < 200; q++) {
      for (let n = 0; n < 5; n++) {
        const p = pick[q * 5 + n]!;
        expect(Math.floor(p / 4)).toBe(n);
      }
    }
    expect(Math.max(...neg.pool.toArray())).toBeLessThan(50);
  });

  it('with a window, predicts only inside it and draws negatives from the whole sequence, as the definition', () => {
    const d = { ...dims, T: 12 };
    const L = 6;
    manualSeed(8);
    const start = randint(0, d.T - L + 1, [1]).item(); // the window infoNCE will draw after the same seed
    const Qw = d.S * (L - 1 + L - 2 + L - 3);
    manualSeed(8);
    const z = randn([d.S, d.T, d.C], { dtype: 'float64' });
    const c = randn([d.S, d.T, d.D], { dtype: 'float64' });
    const W = randn([d.K * d.C, d.D], { dtype: 'float64' });
    const neg = sampleNegatives({ population: d.S * d.T, positives: Qw, count: 4, groupSize: 3 });
    manualSeed(8);
    const { loss } = infoNCE(z, c, W, { ...args, window: L }, neg);
    const expected = plainInfoNCE(f64(z), f64(c), f64(W), d, rowsOf(neg), { start, L });
    expect(loss.item()).toBeCloseTo(expected, 10);
  });

  it('reads z given as a channel-first view (a conv output transposed) the same, gradient in that layout', () => {
    manualSeed(6);
    const d = { ...dims, D: dims.C };
    const zcf = randn([d.S, d.C, d.T], { dtype: 'float64' }).requireGrad(); // [S, C, T] as a conv makes it
    const zt = contiguous(transpose(zcf, 1, 2))
      .detach()
      .requireGrad(); // the same values, [S, T, C] contiguous
    const W = randn([d.K * d.C, d.C], { dtype: 'float64' });
    const neg = sampleNegatives({ population: d.S * d.T, positives: Q, count: 4, groupSize: 3 });
    const zv = transpose(zcf, 1, 2); // [S, T, C] view
    const a = infoNCE(zv, zv, W, args, neg).loss;
    const b = infoNCE(zt, zt, W, args, neg).loss;
    expect(a.item()).toBeCloseTo(b.item(), 12);
    a.backward();
    b.backward();
    const ga = f64(contiguous(transpose(zcf.grad!, 1, 2)));
    const gb = f64(zt.grad!);
    for (let i = 0; i < gb.length; i++) expect(ga[i]!).toBeCloseTo(gb[i]!, 12);
  });

  it('is log(N+1) when every score is equal, and leaks no tensors', () => {
    const before = liveTensors();
    const loss = tidy(() => {
      const z = tensor(new Float64Array(2 * 9 * 3).fill(0.5), [2, 9, 3]);
      const c = tensor(new Float64Array(2 * 9 * 2).fill(1), [2, 9, 2]);
      const W = tensor(new Float64Array(2 * 3 * 2).fill(0.25), [6, 2]);
      return infoNCE(z, c, W, { predictionSteps: 2, negativeSamples: 6 }).loss;
    });
    expect(loss.item()).toBeCloseTo(Math.log(7), 10);
    loss.dispose();
    expect(liveTensors()).toBe(before);
  });

  it('restricts predictions to a window and rejects bad shapes', () => {
    manualSeed(3);
    const z = randn([2, 30, 3]);
    const c = randn([2, 30, 2]);
    const W = randn([6, 2]);
    const r = infoNCE(z, c, W, { predictionSteps: 2, negativeSamples: 3, window: 8 });
    expect(Number.isFinite(r.loss.item())).toBe(true);
    expect(() => infoNCE(z, randn([2, 29, 2]), W, { predictionSteps: 2, negativeSamples: 3 })).toThrow(/share/);
    expect(() => infoNCE(z, c, randn([5, 2]), { predictionSteps: 2, negativeSamples: 3 })).toThrow(/predictor/);
  });
});

describe('infoNCEGrid', () => {
  const [B, C, D, H, Wd, K] = [2, 3, 2, 5, 2, 2];
  const Q = B * Wd * (H - 2 + H - 3);
  /** [B, ch, H, W] → columns as sequences [B·W, H, ch], the layout the grid form promises. */
  const columns = (x: Float64Array, ch: number): Float64Array => {
    const seq = new Float64Array(B * Wd * H * ch);
    for (let b = 0; b < B; b++)
      for (let w = 0; w < Wd; w++)
        for (let h = 0; h < H; h++)
          for (let i = 0; i < ch; i++) seq[((b * Wd + w) * H + h) * ch + i] = x[((b * ch + i) * H + h) * Wd + w]!;
    return seq;
  };

  it('predicts k + skip rows below within each column, equal to the plain definition (c = z)', () => {
    manualSeed(4);
    const z = randn([B, C, H, Wd], { dtype: 'float64' });
    const W = mul(randn([K * C, C], { dtype: 'float64' }), 0.5);
    const neg = sampleNegatives({ population: B * Wd * H, positives: Q, count: 4, groupSize: 2 });
    const { loss } = infoNCEGrid(z, z, W, { predictionSteps: K, negativeSamples: 4, skip: 1 }, neg);
    const seq = columns(f64(z), C);
    const expected = plainInfoNCE(seq, seq, f64(W), { S: B * Wd, T: H, C, D: C, K, skip: 1 }, rowsOf(neg));
    expect(loss.item()).toBeCloseTo(expected, 10);
  });

  it('with a separate context map equals the definition, and its gradient of z matches finite differences', () => {
    manualSeed(9);
    const z = randn([B, C, H, Wd], { dtype: 'float64' }).requireGrad();
    const c = randn([B, D, H, Wd], { dtype: 'float64' });
    const W = mul(randn([K * C, D], { dtype: 'float64' }), 0.5);
    const neg = sampleNegatives({ population: B * Wd * H, positives: Q, count: 4, groupSize: 2 });
    const { loss } = infoNCEGrid(z, c, W, { predictionSteps: K, negativeSamples: 4, skip: 1 }, neg);
    const dims = { S: B * Wd, T: H, C, D, K, skip: 1 };
    const at = (zv: Float64Array) => plainInfoNCE(columns(zv, C), columns(f64(c), D), f64(W), dims, rowsOf(neg));
    expect(loss.item()).toBeCloseTo(at(f64(z)), 10);
    loss.backward();
    expectFiniteDifferences(f64(z.grad!), f64(z), at, 'z'); // the gradient in [B, C, H, W], z's own layout
  });
});
