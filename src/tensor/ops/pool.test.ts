import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  tensor,
  tidy,
  type Tensor,
} from '../index.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { Rng } from '../../util/rng.js';

const f64 = { dtype: 'float64' as const };
const t = (data: number[], shape: number[]): Tensor => tensor(data, shape, f64);
const range = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => i + from);

/**
 * Deterministic float64 values: a shuffled grid k / n spread over [-1, 1) (mulberry32 shuffle), so that no two entries
 * are closer than 2 / n — max pooling's argmax then never flips under a 1e-6 finite-difference step.
 */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  const v = Float64Array.from(new Rng(seed).shuffled(Array.from({ length: n }, (_, k) => (2 * k) / n - 1)));
  return tensor(v, shape, { ...f64, requiresGrad: true });
}

describe('1-D pooling values', () => {
  const x6 = (): Tensor => t(range(6), [1, 1, 6]);

  it('avgPool1d: means of non-overlapping windows (stride defaults to the kernel)', () =>
    tidy(() => {
      const y = avgPool1d(x6(), 2);
      expect(y.shape).toEqual([1, 1, 3]);
      expectClose(y, [1.5, 3.5, 5.5], 0);
    }));

  it('avgPool1d: overlapping windows with stride 1', () =>
    tidy(() => expectClose(avgPool1d(x6(), 3, { stride: 1 }), [2, 3, 4, 5], 1e-15)));

  it('avgPool1d: zero padding counts in the divisor (count_include_pad)', () =>
    tidy(() => {
      // padded [0, 1, 2, 3, 4, 5, 6, 0] → windows [0,1] [2,3] [4,5] [6,0]
      expectClose(avgPool1d(x6(), 2, { stride: 2, padding: 1 }), [0.5, 2.5, 4.5, 3], 0);
    }));

  it('avgPool1d: ceilMode keeps the partial last window, averaged over its real elements', () =>
    tidy(() => {
      const x = t(range(5), [1, 1, 5]);
      expectClose(avgPool1d(x, 2), [1.5, 3.5], 0);
      expectClose(avgPool1d(x, 2, { ceilMode: true }), [1.5, 3.5, 5], 0);
    }));

  it('maxPool1d: maxima of windows, with and without overlap', () =>
    tidy(() => {
      const x = t([3, 1, 4, 1, 5, 9, 2, 6], [1, 1, 8]);
      expectClose(maxPool1d(x, 2), [3, 4, 9, 6], 0);
      expectClose(maxPool1d(x, 3, { stride: 2 }), [4, 5, 9], 0);
    }));

  it('maxPool1d: padding is −∞, not 0', () =>
    tidy(() => expectClose(maxPool1d(t([-1, -2, -3], [1, 1, 3]), 2, { padding: 1 }), [-1, -2], 0)));

  it('pools each batch item and channel separately', () =>
    tidy(() => {
      const x = t([1, 2, 3, 4, 10, 20, 30, 40, -1, -2, -3, -4, 5, 5, 7, 7], [2, 2, 4]);
      expect(avgPool1d(x, 2).shape).toEqual([2, 2, 2]);
      expectClose(avgPool1d(x, 2), [1.5, 3.5, 15, 35, -1.5, -3.5, 5, 7], 0);
      expectClose(maxPool1d(x, 2), [2, 4, 20, 40, -1, -3, 5, 7], 0);
    }));

  it('adaptiveAvgPool1d: windows [⌊i·T/n⌋, ⌈(i+1)·T/n⌉)', () =>
    tidy(() => {
      expectClose(adaptiveAvgPool1d(x6(), 3), [1.5, 3.5, 5.5], 0);
      // T = 6, n = 4: [0,2) [1,3) [3,5) [4,6) — overlapping, uneven windows
      expectClose(adaptiveAvgPool1d(x6(), 4), [1.5, 2.5, 4.5, 5.5], 0);
      expectClose(adaptiveAvgPool1d(x6(), 1), [3.5], 0);
      expect(adaptiveAvgPool1d(t(range(12), [2, 3, 2]), 1).shape).toEqual([2, 3, 1]);
    }));
});

describe('2-D pooling values', () => {
  const x44 = (): Tensor => t(range(16), [1, 1, 4, 4]);

  it('avgPool2d: means of 2×2 blocks', () =>
    tidy(() => {
      const y = avgPool2d(x44(), 2);
      expect(y.shape).toEqual([1, 1, 2, 2]);
      expectClose(y, [3.5, 5.5, 11.5, 13.5], 0);
    }));

  it('avgPool2d: stride 1, padding 1 (zeros counted)', () =>
    tidy(() => {
      // 2×2 of [[1,2],[3,4]], k = 2, padded to 4×4: corner windows hold one value, edge windows two, centre all four.
      const y = avgPool2d(t([1, 2, 3, 4], [1, 1, 2, 2]), 2, { stride: 1, padding: 1 });
      expect(y.shape).toEqual([1, 1, 3, 3]);
      expectClose(y, [0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1], 0);
    }));

  it('maxPool2d: maxima of 2×2 blocks; a non-square input keeps H and W apart', () =>
    tidy(() => {
      expectClose(maxPool2d(x44(), 2), [6, 8, 14, 16], 0);
      const y = maxPool2d(t([1, 9, 2, 3, 4, 5, 8, 7], [1, 1, 2, 4]), 2);
      expect(y.shape).toEqual([1, 1, 1, 2]);
      expectClose(y, [9, 8], 0);
    }));

  it('maxPool2d: overlapping windows with stride 1', () =>
    tidy(() => expectClose(maxPool2d(t(range(9), [1, 1, 3, 3]), 2, { stride: 1 }), [5, 6, 8, 9], 0)));

  it('adaptiveAvgPool2d: [h, w] order, 2×2 means of a 4×6 grid', () =>
    tidy(() => {
      const y = adaptiveAvgPool2d(t(range(24, 0), [1, 1, 4, 6]), [2, 3]);
      expect(y.shape).toEqual([1, 1, 2, 3]);
      expectClose(y, [3.5, 5.5, 7.5, 15.5, 17.5, 19.5], 0);
      expectClose(adaptiveAvgPool2d(t(range(24, 0), [1, 1, 4, 6]), [1, 1]), [11.5], 0);
    }));
});

describe('pooling gradcheck (float64, finite differences)', () => {
  const cases: [string, number[], (x: Tensor) => Tensor][] = [
    ['avgPool1d k3 s2 p1', [2, 2, 7], (x) => avgPool1d(x, 3, { stride: 2, padding: 1 })],
    ['avgPool1d k2 ceilMode', [1, 2, 5], (x) => avgPool1d(x, 2, { ceilMode: true })],
    ['maxPool1d k3 s2 p1', [2, 2, 7], (x) => maxPool1d(x, 3, { stride: 2, padding: 1 })],
    ['maxPool1d k2 (overlap-free)', [1, 3, 6], (x) => maxPool1d(x, 2)],
    ['avgPool2d k2', [1, 2, 4, 6], (x) => avgPool2d(x, 2)],
    ['avgPool2d k3 s2 p1', [2, 1, 5, 4], (x) => avgPool2d(x, 3, { stride: 2, padding: 1 })],
    ['maxPool2d k2', [1, 2, 4, 6], (x) => maxPool2d(x, 2)],
    ['maxPool2d k3 s1 p1', [1, 1, 4, 5], (x) => maxPool2d(x, 3, { stride: 1, padding: 1 })],
    ['adaptiveAvgPool1d 6→4', [2, 2, 6], (x) => adaptiveAvgPool1d(x, 4)],
    ['adaptiveAvgPool2d 5×7→[2,3]', [1, 2, 5, 7], (x) => adaptiveAvgPool2d(x, [2, 3])],
  ];
  for (const [name, shape, fn] of cases) {
    it(name, () =>
      tidy(() => {
        expect(gradcheck(fn, [distinct(shape, shape.length * 31 + name.length)])).toBeLessThan(1e-6);
      }),
    );
  }
});
