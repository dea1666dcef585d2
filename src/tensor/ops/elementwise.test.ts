import { describe, expect, it } from 'vitest';
import { Tensor, tidy } from '../index.js';
import { scalar, tensor } from './creation.js';
import { randn } from './random.js';
import * as E from './elementwise.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'float64' });
/** A float64 leaf drawn from randn, with values mapped by `f` (e.g. kept away from a kink). */
const leaf = (shape: number[], f: (v: number) => number = (v) => v): Tensor =>
  f64(Array.from(randn(shape, { dtype: 'float64' }).toArray(), f), shape).requireGrad();
const awayFrom0 = (v: number): number => (Math.abs(v) < 0.1 ? v + (v < 0 ? -0.2 : 0.2) : v);
const positive = (v: number): number => Math.abs(v) + 0.5;

seededWithoutLeaks(7);

describe('binary arithmetic', () => {
  it('add/sub/mul/div with tensors, scalars and broadcasting give hand-computed values', () => {
    tidy(() => {
      const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = f64([10, 20, 30]);
      const c = f64([2, -1], [2, 1]);
      expectClose(E.add(a, b), [11, 22, 33, 14, 25, 36], 0);
      expectClose(E.sub(a, b), [-9, -18, -27, -6, -15, -24], 0);
      expectClose(E.mul(a, c), [2, 4, 6, -4, -5, -6], 0);
      expectClose(E.div(a, c), [0.5, 1, 1.5, -4, -5, -6], 0);
      expectClose(E.add(a, 0.5), [1.5, 2.5, 3.5, 4.5, 5.5, 6.5], 0);
      expectClose(E.sub(a, 1), [0, 1, 2, 3, 4, 5], 0);
      expectClose(E.mul(a, -2), [-2, -4, -6, -8, -10, -12], 0);
      expectClose(E.div(a, 4), [0.25, 0.5, 0.75, 1, 1.25, 1.5], 0);
      expect(E.add(a, b).shape).toEqual([2, 3]);
      expect(E.mul(c, b).shape).toEqual([2, 3]);
      expect(E.add(a, scalar(1, { dtype: 'float64' })).shape).toEqual([2, 3]);
    });
  });

  it('div is true division on integers', () => {
    tidy(() => {
      const q = E.div(tensor([7, -7], undefined, { dtype: 'int64' }), 2);
      expect(q.dtype).toBe('float32');
      expectClose(q, [3.5, -3.5], 0);
    });
  });

  it('pow with a scalar and a tensor exponent', () => {
    tidy(() => {
      expectClose(E.pow(f64([2, 3, -1]), 2), [4, 9, 1], 0);
      expectClose(E.pow(f64([4, 9]), 0.5), [2, 3], 1e-12);
      expectClose(E.pow(f64([2, 3]), f64([3, 2])), [8, 9], 0);
    });
  });

  it('gradchecks: tensor⊕tensor, broadcasting, and scalar operands', () => {
    tidy(() => {
      const a = leaf([2, 3]);
      const b = leaf([3]);
      const c = leaf([2, 1]);
      const d = leaf([2, 3], (v) => (v < 0 ? v - 0.5 : v + 0.5));
      gradcheck(E.add, [a, leaf([2, 3])]);
      gradcheck(E.add, [a, b]);
      gradcheck(E.sub, [a, b]);
      gradcheck(E.sub, [c, b]);
      gradcheck(E.mul, [a, b]);
      gradcheck(E.mul, [c, b]);
      gradcheck(E.div, [a, d]);
      gradcheck(E.div, [b, leaf([2, 1], (v) => (v < 0 ? v - 0.5 : v + 0.5))]);
      gradcheck((x) => E.add(x, 1.5), [a]);
      gradcheck((x) => E.sub(x, 2), [a]);
      gradcheck((x) => E.mul(x, -3), [a]);
      gradcheck((x) => E.div(x, 0.7), [a]);
    });
  });

  it('gradchecks pow w.r.t. base and exponent', () => {
    tidy(() => {
      gradcheck((x) => E.pow(x, 3), [leaf([2, 3])]);
      gradcheck((x) => E.pow(x, 2.5), [leaf([5], positive)]);
      gradcheck(E.pow, [leaf([2, 3], positive), leaf([2, 3])]);
      gradcheck(E.pow, [leaf([2, 3], positive), leaf([3])]);
    });
  });
});

describe('unary functions', () => {
  it('neg/abs/sqrt/exp/log/relu/sigmoid/tanh/softplus match JS Math', () => {
    tidy(() => {
      const xs = [-2, -0.5, 0, 0.25, 3];
      const x = f64(xs);
      const p = f64([0.25, 1, 4, 10]);
      expectClose(
        E.neg(x),
        xs.map((v) => -v),
        0,
      );
      expectClose(E.abs(x), xs.map(Math.abs), 0);
      expectClose(E.sqrt(p), [0.5, 1, 2, Math.sqrt(10)], 1e-12);
      expectClose(E.exp(x), xs.map(Math.exp), 1e-12);
      expectClose(E.log(p), [Math.log(0.25), 0, Math.log(4), Math.log(10)], 1e-12);
      expectClose(E.relu(x), [0, 0, 0, 0.25, 3], 0);
      expectClose(
        E.sigmoid(x),
        xs.map((v) => 1 / (1 + Math.exp(-v))),
        1e-12,
      );
      expectClose(E.tanh(x), xs.map(Math.tanh), 1e-12);
      expectClose(
        E.softplus(x),
        xs.map((v) => Math.log1p(Math.exp(v))),
        1e-12,
      );
      expect(Number.isNaN(E.sqrt(f64([-1])).item())).toBe(true);
      expect(E.log(f64([0])).item()).toBe(-Infinity);
    });
  });

  it('gradchecks neg, exp, sigmoid, tanh, softplus; abs and relu away from 0; sqrt and log on positives', () => {
    tidy(() => {
      for (const f of [E.neg, E.exp, E.sigmoid, E.tanh, E.softplus]) gradcheck(f, [leaf([2, 3])]);
      gradcheck(E.abs, [leaf([2, 3], awayFrom0)]);
      gradcheck(E.relu, [leaf([2, 3], awayFrom0)]);
      gradcheck(E.sqrt, [leaf([2, 3], positive)]);
      gradcheck(E.log, [leaf([2, 3], positive)]);
    });
  });

  it('clamp with both, min-only and max-only bounds; gradcheck away from the bounds', () => {
    tidy(() => {
      const x = f64([-3, -1, 0, 1, 3]);
      expectClose(E.clamp(x, -1.5, 2), [-1.5, -1, 0, 1, 2], 0);
      expectClose(E.clamp(x, 0, null), [0, 0, 0, 1, 3], 0);
      expectClose(E.clamp(x, null, -1), [-3, -1, -1, -1, -1], 0);
      const away = (v: number): number => (Math.abs(Math.abs(v) - 0.5) < 0.1 ? v * 1.5 + 0.01 : v);
      const g = leaf([3, 4], away);
      gradcheck((v) => E.clamp(v, -0.5, 0.5), [g]);
      gradcheck((v) => E.clamp(v, -0.5, null), [g]);
      gradcheck((v) => E.clamp(v, null, 0.5), [g]);
    });
  });

  it('where picks from a or b per element (with broadcasting) and routes gradients', () => {
    tidy(() => {
      const cond = tensor([1, 0, 0, 1], [2, 2], { dtype: 'bool' });
      const a = f64([1, 2, 3, 4], [2, 2]);
      const b = f64([-1, -2, -3, -4], [2, 2]);
      expectClose(E.where(cond, a, b), [1, -2, -3, 4], 0);
      expectClose(E.where(tensor([0, 1], [2], { dtype: 'bool' }), a, f64([9])), [9, 2, 9, 4], 0);
      gradcheck((x, y) => E.where(cond, x, y), [leaf([2, 2]), leaf([2, 2])]);
      gradcheck((x, y) => E.where(cond, x, y), [leaf([2, 1]), leaf([2])]);
    });
  });
});

describe('comparisons', () => {
  it('eq/ne/lt/le/gt/ge against tensors and scalars return bool tensors', () => {
    tidy(() => {
      const a = f64([1, 2, 3]);
      const b = f64([3, 2, 1]);
      const cases: [(a: Tensor, b: Tensor | number) => Tensor, number[], number[]][] = [
        [E.eq, [0, 1, 0], [0, 1, 0]],
        [E.ne, [1, 0, 1], [1, 0, 1]],
        [E.lt, [1, 0, 0], [1, 0, 0]],
        [E.le, [1, 1, 0], [1, 1, 0]],
        [E.gt, [0, 0, 1], [0, 0, 1]],
        [E.ge, [0, 1, 1], [0, 1, 1]],
      ];
      for (const [f, vsTensor, vsScalar] of cases) {
        const t = f(a, b);
        expect(t.dtype).toBe('bool');
        expect(t.toArray()).toEqual(vsTensor);
        const s = f(a, 2);
        expect(s.dtype).toBe('bool');
        expect(s.toArray()).toEqual(vsScalar);
      }
      expect(E.lt(f64([1, 5], [2, 1]), f64([2, 3, 6])).toArray()).toEqual([1, 1, 1, 0, 0, 1]);
    });
  });

  it('isnan flags exactly the NaNs', () => {
    tidy(() => {
      const m = E.isnan(f64([0, Number.NaN, Infinity, -1, Number.NaN]));
      expect(m.dtype).toBe('bool');
      expect(m.toArray()).toEqual([0, 1, 0, 0, 1]);
    });
  });
});

describe('floorDivide and remainder', () => {
  it('follow Python semantics on integers', () =>
    tidy(() => {
      const a = tensor([7, -7, 9, 0], [4], { dtype: 'int64' });
      const q = E.floorDivide(a, 4);
      const r = E.remainder(a, 4);
      expect(q.dtype).toBe('int64');
      expect(q.toArray()).toEqual([1, -2, 2, 0]);
      expect(r.toArray()).toEqual([3, 1, 1, 0]);
      const b = tensor([2, 3, 4, 5], [4], { dtype: 'int64' });
      expect(E.floorDivide(a, b).toArray()).toEqual([3, -3, 2, 0]);
    }));
});
