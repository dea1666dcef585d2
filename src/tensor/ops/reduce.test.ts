import { describe, expect, it } from 'vitest';
import { Tensor, tidy } from '../index.js';
import { tensor } from './creation.js';
import { randn } from './random.js';
import { argmax, logsumexp, max, maxWithIndices, mean, min, sum } from './reduce.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'float64' });
const leaf = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();
// [[1, 5, 3], [4, 2, 6]]
const m23 = (): Tensor => f64([1, 5, 3, 4, 2, 6], [2, 3]);

seededWithoutLeaks(13);

describe('sum and mean', () => {
  it('reduce over all elements to a scalar', () => {
    tidy(() => {
      const s = sum(m23());
      expect(s.shape).toEqual([]);
      expect(s.item()).toBe(21);
      expect(mean(m23()).shape).toEqual([]);
      expect(mean(m23()).item()).toBe(3.5);
    });
  });

  it('reduce over one dim, several dims and negative dims, with and without keepDim', () => {
    tidy(() => {
      expect(sum(m23(), 0).shape).toEqual([3]);
      expectClose(sum(m23(), 0), [5, 7, 9], 0);
      expectClose(sum(m23(), 1), [9, 12], 0);
      expectClose(sum(m23(), -1), [9, 12], 0);
      expect(sum(m23(), 1, { keepDim: true }).shape).toEqual([2, 1]);
      expect(sum(m23(), [0, 1]).shape).toEqual([]);
      expectClose(sum(m23(), [0, 1]), [21], 0);
      expectClose(mean(m23(), 0), [2.5, 3.5, 4.5], 0);
      expectClose(mean(m23(), 1), [3, 4], 0);
      expect(mean(m23(), [0], { keepDim: true }).shape).toEqual([1, 3]);
      const x = randn([2, 3, 4], { dtype: 'float64' });
      const v = x.toArray();
      const want = [0, 1].map((i) =>
        [0, 1, 2, 3].reduce((acc, k) => acc + v[i * 12 + k]! + v[i * 12 + 4 + k]! + v[i * 12 + 8 + k]!, 0),
      );
      expectClose(sum(x, [1, 2]), want, 1e-12);
      expectClose(
        mean(x, [1, 2]),
        want.map((w) => w / 12),
        1e-12,
      );
    });
  });

  it('gradcheck over all, over dims, with keepDim', () => {
    tidy(() => {
      const x = leaf([2, 3, 2]);
      gradcheck((t) => sum(t), [x]);
      gradcheck((t) => sum(t, 1), [x]);
      gradcheck((t) => sum(t, [0, 2], { keepDim: true }), [x]);
      gradcheck((t) => mean(t), [x]);
      gradcheck((t) => mean(t, -1), [x]);
      gradcheck((t) => mean(t, [0, 1], { keepDim: true }), [x]);
    });
  });
});

describe('max and min', () => {
  it('reduce over all and over dims (values only), keepDim', () => {
    tidy(() => {
      expect(max(m23()).shape).toEqual([]);
      expect(max(m23()).item()).toBe(6);
      expect(min(m23()).item()).toBe(1);
      expectClose(max(m23(), 0), [4, 5, 6], 0);
      expectClose(max(m23(), 1), [5, 6], 0);
      expectClose(min(m23(), 0), [1, 2, 3], 0);
      expectClose(min(m23(), -1), [1, 2], 0);
      expect(max(m23(), 1, { keepDim: true }).shape).toEqual([2, 1]);
      expect(min(m23(), [0, 1]).item()).toBe(1);
      expect(min(m23(), 0, { keepDim: true }).shape).toEqual([1, 3]);
    });
  });

  it('gradcheck over all and over dims (distinct random values, no ties)', () => {
    tidy(() => {
      const x = leaf([3, 4]);
      gradcheck((t) => max(t), [x]);
      gradcheck((t) => min(t), [x]);
      gradcheck((t) => max(t, 1), [x]);
      gradcheck((t) => min(t, 0, { keepDim: true }), [x]);
      gradcheck((t) => max(t, [0, 1], { keepDim: true }), [x]);
    });
  });

  it('maxWithIndices gives the values and int64 indices along a dim', () => {
    tidy(() => {
      const [v, i] = maxWithIndices(m23(), 1);
      expectClose(v, [5, 6], 0);
      expect(i.dtype).toBe('int64');
      expect(i.toArray()).toEqual([1, 2]);
      const [v0, i0] = maxWithIndices(m23(), 0, { keepDim: true });
      expect(v0.shape).toEqual([1, 3]);
      expectClose(v0, [4, 5, 6], 0);
      expect(i0.shape).toEqual([1, 3]);
      expect(i0.toArray()).toEqual([1, 0, 1]);
    });
  });

  it('argmax over the flattened tensor and along dims', () => {
    tidy(() => {
      const a = argmax(m23());
      expect(a.dtype).toBe('int64');
      expect(a.shape).toEqual([]);
      expect(a.item()).toBe(5);
      expect(argmax(m23(), 0).toArray()).toEqual([1, 0, 1]);
      expect(argmax(m23(), 1).toArray()).toEqual([1, 2]);
      expect(argmax(m23(), -1, { keepDim: true }).shape).toEqual([2, 1]);
    });
  });
});

describe('logsumexp', () => {
  it('matches log Σ exp and is stable for large inputs', () => {
    tidy(() => {
      const rows = [
        [1, 5, 3],
        [4, 2, 6],
      ];
      const lse = (r: number[]): number => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
      expectClose(logsumexp(m23(), 1), rows.map(lse), 1e-12);
      expectClose(
        logsumexp(m23(), 0),
        [0, 1, 2].map((j) => lse([rows[0]![j]!, rows[1]![j]!])),
        1e-12,
      );
      expect(logsumexp(m23(), 1, { keepDim: true }).shape).toEqual([2, 1]);
      expectClose(logsumexp(m23(), [0, 1]), [lse(rows.flat())], 1e-12);
      expectClose(logsumexp(f64([1000, 1000]), 0), [1000 + Math.log(2)], 1e-9);
    });
  });

  it('gradchecks', () => {
    tidy(() => {
      const x = leaf([3, 4]);
      gradcheck((t) => logsumexp(t, 1), [x]);
      gradcheck((t) => logsumexp(t, 0, { keepDim: true }), [x]);
      gradcheck((t) => logsumexp(t, [0, 1]), [x]);
    });
  });
});
