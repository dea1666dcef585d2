import { describe, expect, it } from 'vitest';
import { tidy, type Tensor } from '../index.js';
import { tensor } from './creation.js';
import { randn } from './random.js';
import { groupNorm } from './norm.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const leaf = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();

/** Group norm of a row-major [B, C, L] array in plain JS (biased variance), then γ, β per channel. */
function jsGroupNorm(
  x: number[],
  [B, C, L]: [number, number, number],
  groups: number,
  gamma: number[],
  beta: number[],
  eps: number,
) {
  const out = new Array<number>(x.length);
  const per = C / groups;
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < groups; g++) {
      const start = (b * C + g * per) * L;
      const values = x.slice(start, start + per * L);
      const mu = values.reduce((s, v) => s + v, 0) / values.length;
      const variance = values.reduce((s, v) => s + (v - mu) ** 2, 0) / values.length;
      values.forEach((v, i) => {
        const c = g * per + Math.floor(i / L);
        out[start + i] = ((v - mu) / Math.sqrt(variance + eps)) * gamma[c]! + beta[c]!;
      });
    }
  }
  return out;
}

seededWithoutLeaks(23);

describe('groupNorm', () => {
  it('matches a plain JS group norm with and without the affine parameters', () =>
    tidy(() => {
      const x = randn([2, 6, 5], { dtype: 'float64' });
      const gamma = [0.5, 1, 1.5, 2, -1, 3];
      const beta = [0, 0.1, -0.2, 0.3, 1, -1];
      const weight = tensor(gamma, [6], { dtype: 'float64' });
      const bias = tensor(beta, [6], { dtype: 'float64' });
      const values = x.toArray();
      expectClose(groupNorm(x, 3, { weight, bias }), jsGroupNorm(values, [2, 6, 5], 3, gamma, beta, 1e-5), 1e-12);
      const plain = jsGroupNorm(values, [2, 6, 5], 2, Array(6).fill(1), Array(6).fill(0), 0.1);
      expectClose(groupNorm(x, 2, { eps: 0.1 }), plain, 1e-12);
    }));

  it('standardises each (sample, group) of an image batch: mean 0, variance 1 - eps share', () =>
    tidy(() => {
      const y = groupNorm(randn([3, 4, 5, 5], { dtype: 'float64' }), 2).toArray();
      for (let start = 0; start < y.length; start += 50) {
        const values = y.slice(start, start + 50);
        const mu = values.reduce((s, v) => s + v, 0) / 50;
        expect(Math.abs(mu)).toBeLessThan(1e-12);
        expect(values.reduce((s, v) => s + (v - mu) ** 2, 0) / 50).toBeGreaterThan(0.999);
      }
    }));

  it('gradients of x, weight and bias match finite differences (float64)', () =>
    tidy(() => {
      const err = gradcheck(
        (x, w, b) => groupNorm(x, 2, { weight: w, bias: b }),
        [leaf([2, 4, 3, 2]), leaf([4]), leaf([4])],
      );
      expect(err).toBeLessThan(1e-6);
    }));

  it('names the argument that is wrong', () =>
    tidy(() => {
      const x = randn([2, 6, 4]);
      expect(() => groupNorm(x, 4)).toThrow(/groupNorm: groups \(4\) must divide the 6 channels/);
      expect(() => groupNorm(x, 0)).toThrow(/groupNorm: groups/);
      expect(() => groupNorm(x, 3, { weight: randn([3]) })).toThrow(/groupNorm: weight must be \[6\]/);
      expect(() => groupNorm(randn([6]), 3)).toThrow(/groupNorm/);
      expect(() => groupNorm(x, 3, { eps: 0 })).toThrow(/groupNorm: eps must be positive/);
    }));
});
