import { describe, expect, it } from 'vitest';
import { conv1d, conv2d, ones, tensor, tidy, type ConvArgs, type Tensor } from '../index.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { Rng } from '../../util/rng.js';

const f64 = { dtype: 'float64' as const };
const t = (data: number[], shape: number[]): Tensor => tensor(data, shape, f64);

/** Deterministic float64 values in [-1, 1) (mulberry32), so that libtorch's RNG is left alone. */
function rand(shape: number[], seed: number, requiresGrad = true): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((p, q) => p * q, 1);
  const v = Float64Array.from({ length: n }, () => rng.next() * 2 - 1);
  return tensor(v, shape, { ...f64, requiresGrad });
}

describe('conv1d values', () => {
  it('a [1,1,2] kernel of ones gives pairwise sums', () =>
    tidy(() => {
      const y = conv1d(t([1, 2, 3, 4, 5], [1, 1, 5]), ones([1, 1, 2], f64));
      expect(y.shape).toEqual([1, 1, 4]);
      expectClose(y, [3, 5, 7, 9], 0);
    }));

  it('is cross-correlation (the kernel is not flipped), plus bias', () =>
    tidy(() => {
      const y = conv1d(t([1, 2, 3], [1, 1, 3]), t([1, 10], [1, 1, 2]), t([0.5], [1]));
      expectClose(y, [21.5, 32.5], 0);
    }));

  it('stride 2, padding 1: zero-padded windows at 0, 2, 4', () =>
    tidy(() => {
      // padded: [0, 1, 2, 3, 4, 5, 0]; windows of 3 starting at 0, 2, 4.
      const y = conv1d(t([1, 2, 3, 4, 5], [1, 1, 5]), ones([1, 1, 3], f64), null, { stride: 2, padding: 1 });
      expect(y.shape).toEqual([1, 1, 3]);
      expectClose(y, [3, 9, 9], 0);
    }));

  it('dilation 2 skips every other sample', () =>
    tidy(() => {
      const y = conv1d(t([1, 2, 3, 4, 5], [1, 1, 5]), ones([1, 1, 2], f64), null, { dilation: 2 });
      expectClose(y, [4, 6, 8], 0);
    }));

  it('sums over input channels; one output row per filter', () =>
    tidy(() => {
      const x = t([1, 2, 3, 10, 20, 30], [1, 2, 3]);
      const w = t([1, 1, 0, 1], [2, 2, 1]); // filter 0: ch0 + ch1; filter 1: ch1 only
      const y = conv1d(x, w, t([0, 100], [2]));
      expect(y.shape).toEqual([1, 2, 3]);
      expectClose(y, [11, 22, 33, 110, 120, 130], 0);
    }));

  it('groups 2: each output channel sees only its own group', () =>
    tidy(() => {
      const x = t([1, 2, 3, 10, 20, 30], [1, 2, 3]);
      const y = conv1d(x, t([1, 2], [2, 1, 1]), null, { groups: 2 });
      expectClose(y, [1, 2, 3, 20, 40, 60], 0);
    }));

  it('batches are independent', () =>
    tidy(() => {
      const y = conv1d(t([1, 2, 3, 4, -1, -2, -3, -4], [2, 1, 4]), ones([1, 1, 2], f64));
      expect(y.shape).toEqual([2, 1, 3]);
      expectClose(y, [3, 5, 7, -3, -5, -7], 0);
    }));

  it('a channel mismatch throws a JS Error', () =>
    tidy(() => {
      expect(() => conv1d(t([1, 2, 3, 4, 5, 6], [1, 2, 3]), ones([1, 3, 2], f64))).toThrow(/channels/);
      expectClose(conv1d(t([1, 2], [1, 1, 2]), ones([1, 1, 2], f64)), [3], 0); // still usable
    }));
});

describe('conv2d values', () => {
  const x33 = (): Tensor => t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);

  it('a 2×2 kernel of ones gives window sums', () =>
    tidy(() => {
      const y = conv2d(x33(), ones([1, 1, 2, 2], f64));
      expect(y.shape).toEqual([1, 1, 2, 2]);
      expectClose(y, [12, 16, 24, 28], 0);
    }));

  it('a 1×2 kernel runs along width (H and W not swapped), unflipped', () =>
    tidy(() => {
      const y = conv2d(x33(), t([1, 10], [1, 1, 1, 2]));
      expect(y.shape).toEqual([1, 1, 3, 2]);
      expectClose(y, [21, 32, 54, 65, 87, 98], 0);
    }));

  it('stride 2, padding 1 with a 3×3 kernel of ones, plus bias', () =>
    tidy(() => {
      const y = conv2d(x33(), ones([1, 1, 3, 3], f64), t([-1], [1]), { stride: 2, padding: 1 });
      expect(y.shape).toEqual([1, 1, 2, 2]);
      expectClose(y, [11, 15, 23, 27], 0);
    }));

  it('per-axis stride and padding', () =>
    tidy(() => {
      // A 1×1 kernel of 2; width padded to [0, a, b, c, 0] and sampled at 0, 2, 4; every row kept.
      const y = conv2d(x33(), t([2], [1, 1, 1, 1]), null, { stride: [1, 2], padding: [0, 1] });
      expect(y.shape).toEqual([1, 1, 3, 3]);
      expectClose(y, [0, 4, 0, 0, 10, 0, 0, 16, 0], 0);
    }));

  it('groups 2: channels do not mix', () =>
    tidy(() => {
      const x = t([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
      const y = conv2d(x, t([1, 1, 1, 1, 1, 0, 0, 1], [2, 1, 2, 2]), null, { groups: 2 });
      expect(y.shape).toEqual([1, 2, 1, 1]);
      expectClose(y, [10, 50], 0);
    }));
});

/** Gradchecks w.r.t. input, weight and bias; shapes kept tiny so central differences stay cheap. */
const conv1dCases: [string, number[], number[], ConvArgs][] = [
  ['plain', [2, 2, 6], [3, 2, 3], {}],
  ['stride 2, padding 1', [2, 2, 7], [3, 2, 3], { stride: 2, padding: 1 }],
  ['groups 2, stride 2, padding 1', [2, 4, 7], [4, 2, 3], { stride: 2, padding: 1, groups: 2 }],
  ['dilation 2, padding 2', [1, 2, 8], [2, 2, 2], { dilation: 2, padding: 2 }],
];

describe('conv1d gradcheck (float64, finite differences)', () => {
  for (const [name, xs, ws, args] of conv1dCases) {
    it(`${name}: input, weight, bias`, () =>
      tidy(() => {
        const x = rand(xs, 1);
        const w = rand(ws, 2);
        const b = rand([ws[0]!], 3);
        const err = gradcheck((x, w, b) => conv1d(x, w, b, args), [x, w, b]);
        expect(err).toBeLessThan(1e-6);
      }));
  }

  it('without bias', () =>
    tidy(() => {
      expect(
        gradcheck((x, w) => conv1d(x, w, null, { stride: 2 }), [rand([1, 2, 5], 4), rand([2, 2, 2], 5)]),
      ).toBeLessThan(1e-6);
    }));
});

const conv2dCases: [string, number[], number[], ConvArgs][] = [
  ['plain, non-square kernel', [1, 2, 4, 5], [2, 2, 2, 3], {}],
  ['stride 2, padding 1', [2, 2, 5, 4], [2, 2, 3, 3], { stride: 2, padding: 1 }],
  ['groups 2, stride 2, padding 1', [1, 4, 5, 5], [4, 2, 3, 2], { stride: 2, padding: 1, groups: 2 }],
  ['dilation 2', [1, 1, 5, 5], [2, 1, 2, 2], { dilation: 2 }],
];

describe('conv2d gradcheck (float64, finite differences)', () => {
  for (const [name, xs, ws, args] of conv2dCases) {
    it(`${name}: input, weight, bias`, () =>
      tidy(() => {
        const err = gradcheck((x, w, b) => conv2d(x, w, b, args), [rand(xs, 11), rand(ws, 12), rand([ws[0]!], 13)]);
        expect(err).toBeLessThan(1e-6);
      }));
  }

  it('a wrong analytic gradient is caught (the check can fail)', () =>
    tidy(() => {
      // Detaching w inside fn zeroes its analytic gradient while finite differences still see w's effect.
      const fn = (x: Tensor, w: Tensor): Tensor => conv2d(x, w.detach(), null);
      expect(() => gradcheck(fn, [rand([1, 1, 3, 3], 15), rand([1, 1, 2, 2], 14)])).toThrow(/gradcheck failed/);
    }));
});
