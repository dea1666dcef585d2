import { describe, expect, it } from 'vitest';
import { Tensor, tidy } from '../index.js';
import * as C from './creation.js';
import { randn } from './random.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const leaf = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();

seededWithoutLeaks(23);

describe('tensor()', () => {
  it('builds from number[] (float32 by default, or the dtype asked) with a shape', () => {
    tidy(() => {
      const t = C.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual([2, 3]);
      expect(t.device).toBe('cpu');
      expect(t.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(C.tensor([0.1]).data()).toEqual(new Float32Array([0.1]));
      expect(C.tensor([0.1], undefined, { dtype: 'float64' }).data()).toEqual(new Float64Array([0.1]));
      const i = C.tensor([3, -4], [2], { dtype: 'int64' });
      expect(i.dtype).toBe('int64');
      expect(i.data()).toEqual(new BigInt64Array([3n, -4n]));
      expect(C.tensor([7, -1], undefined, { dtype: 'int32' }).data()).toEqual(new Int32Array([7, -1]));
      expect(C.tensor([0, 255], undefined, { dtype: 'uint8' }).toArray()).toEqual([0, 255]);
      const b = C.tensor([0, 1, 2, -1], undefined, { dtype: 'bool' });
      expect(b.dtype).toBe('bool');
      expect(b.toArray()).toEqual([0, 1, 1, 1]);
      expect(C.tensor([1, 2, 3]).shape).toEqual([3]);
      expect(C.tensor([], [0, 4]).shape).toEqual([0, 4]);
    });
  });

  it('builds from typed arrays, inferring the dtype or converting to the one asked', () => {
    tidy(() => {
      const f32 = C.tensor(new Float32Array([1.5, -2]));
      expect(f32.dtype).toBe('float32');
      expect(f32.toArray()).toEqual([1.5, -2]);
      const f64 = C.tensor(new Float64Array([0.1, 0.2, 0.3, 0.4]), [2, 2]);
      expect(f64.dtype).toBe('float64');
      expect(f64.shape).toEqual([2, 2]);
      expect(f64.data()).toEqual(new Float64Array([0.1, 0.2, 0.3, 0.4]));
      const big = C.tensor(new BigInt64Array([2n ** 40n, -5n]));
      expect(big.dtype).toBe('int64');
      expect(big.data()).toEqual(new BigInt64Array([2n ** 40n, -5n]));
      expect(C.tensor(new Float64Array([1.25]), [1], { dtype: 'float32' }).dtype).toBe('float32');
      expect(C.tensor(new Float32Array([1, 2]), [2], { dtype: 'int64' }).data()).toEqual(new BigInt64Array([1n, 2n]));
      const bf = C.tensor(new BigInt64Array([3n, -1n]), [2], { dtype: 'float64' });
      expect(bf.dtype).toBe('float64');
      expect(bf.toArray()).toEqual([3, -1]);
      // the source array is copied, not aliased
      const src = new Float64Array([1, 2]);
      const t = C.tensor(src);
      src[0] = 99;
      expect(t.toArray()).toEqual([1, 2]);
    });
  });

  it('throws a JS Error mentioning bytes on a shape mismatch, and the process lives on', () => {
    tidy(() => {
      expect(() => C.tensor([1, 2, 3], [2, 2])).toThrow(Error);
      expect(() => C.tensor([1, 2, 3], [2, 2])).toThrow(/bytes/);
      expect(() => C.tensor(new BigInt64Array([1n]), [3])).toThrow(/bytes/);
      expect(C.tensor([1, 2, 3, 4], [2, 2]).toArray()).toEqual([1, 2, 3, 4]);
    });
  });

  it('scalar() is 0-d', () => {
    tidy(() => {
      const s = C.scalar(2.5, { dtype: 'float64' });
      expect(s.shape).toEqual([]);
      expect(s.item()).toBe(2.5);
      expect(C.scalar(1, { requiresGrad: true }).requiresGrad).toBe(true);
    });
  });
});

describe('factories', () => {
  it('zeros/ones/full with shapes and dtypes', () => {
    tidy(() => {
      const z = C.zeros([2, 3]);
      expect(z.shape).toEqual([2, 3]);
      expect(z.dtype).toBe('float32');
      expect(z.toArray()).toEqual([0, 0, 0, 0, 0, 0]);
      const o = C.ones([4], { dtype: 'int64' });
      expect(o.dtype).toBe('int64');
      expect(o.toArray()).toEqual([1, 1, 1, 1]);
      const f = C.full([2, 2], -1.5, { dtype: 'float64' });
      expect(f.dtype).toBe('float64');
      expect(f.toArray()).toEqual([-1.5, -1.5, -1.5, -1.5]);
      expect(C.zeros([], { dtype: 'float64' }).shape).toEqual([]);
      expect(C.ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
      expect(C.zeros([2]).requiresGrad).toBe(false);
    });
  });

  it('arange: integer ranges are int64, fractional ones float32; negative steps; explicit dtype', () => {
    tidy(() => {
      const a = C.arange(5);
      expect(a.dtype).toBe('int64');
      expect(a.toArray()).toEqual([0, 1, 2, 3, 4]);
      expect(C.arange(2, 8, 3).toArray()).toEqual([2, 5]);
      expect(C.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
      const f = C.arange(0, 1, 0.25);
      expect(f.dtype).toBe('float32');
      expect(f.toArray()).toEqual([0, 0.25, 0.5, 0.75]);
      const d = C.arange(0, 3, 1, { dtype: 'float64' });
      expect(d.dtype).toBe('float64');
      expect(d.toArray()).toEqual([0, 1, 2]);
    });
  });

  it('eye, zerosLike, onesLike', () => {
    tidy(() => {
      const e = C.eye(3);
      expect(e.shape).toEqual([3, 3]);
      expect(e.toArray()).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      expect(C.eye(2, { dtype: 'float64' }).dtype).toBe('float64');
      const x = C.tensor([1, 2, 3, 4, 5, 6], [3, 2], { dtype: 'float64' });
      const z = C.zerosLike(x);
      expect([z.shape, z.dtype, z.toArray()]).toEqual([[3, 2], 'float64', [0, 0, 0, 0, 0, 0]]);
      const o = C.onesLike(C.arange(3));
      expect([o.shape, o.dtype, o.toArray()]).toEqual([[3], 'int64', [1, 1, 1]]);
      expect(C.zerosLike(leaf([2])).requiresGrad).toBe(false);
    });
  });
});

describe('clone, to, copyInto', () => {
  it('clone copies values into separate memory and is differentiable', () => {
    tidy(() => {
      const x = C.tensor([1, 2, 3], undefined, { dtype: 'float64' });
      const c = C.clone(x);
      C.copyInto(x, C.tensor([9, 9, 9], undefined, { dtype: 'float64' }));
      expect(c.toArray()).toEqual([1, 2, 3]);
      gradcheck((t) => mul(C.clone(t), t), [leaf([2, 3])]);
    });
  });

  it('to converts float32 → float64 → int64 (truncating toward zero)', () => {
    tidy(() => {
      const x = C.tensor([1.7, -1.7, 2.5, -0.25]);
      const d = C.to(x, { dtype: 'float64' });
      expect(d.dtype).toBe('float64');
      expectClose(d, [1.7, -1.7, 2.5, -0.25], 1e-6);
      expect(d.toArray()[0]).toBe(Math.fround(1.7));
      const i = C.to(d, { dtype: 'int64' });
      expect(i.dtype).toBe('int64');
      expect(i.toArray()).toEqual([1, -1, 2, 0]);
      expect(C.to(i, { dtype: 'float32' }).toArray()).toEqual([1, -1, 2, 0]);
      const same = C.to(x, { device: 'cpu' });
      expect([same.device, same.dtype]).toEqual(['cpu', 'float32']);
      const s = C.to(x, {});
      C.copyInto(x, C.zeros([4]));
      expect(s.toArray()[2]).toBe(2.5); // a new tensor, not an alias
    });
  });

  it('to is differentiable between float dtypes', () => {
    tidy(() => {
      gradcheck((t) => C.to(t, { dtype: 'float64' }), [leaf([2, 3])]);
      gradcheck((t) => mul(C.to(t, { dtype: 'float64', device: 'cpu' }), t), [leaf([3])]);
      // through float32 and back: rounding to float32 needs a wide step and loose tolerances
      gradcheck((t) => C.to(mul(C.to(t, { dtype: 'float32' }), 3), { dtype: 'float64' }), [leaf([2, 2])], {
        eps: 1e-2,
        atol: 1e-3,
      });
      const x = leaf([3]);
      sum(mul(C.to(x, { dtype: 'float32' }), 2)).backward();
      const g = x.grad!;
      expect(g.dtype).toBe('float64');
      expect(g.toArray()).toEqual([2, 2, 2]);
    });
  });

  it('copyInto overwrites in place (with broadcasting and dtype conversion) without tracking grad', () => {
    tidy(() => {
      const dst = C.zeros([2, 2], { dtype: 'float64' });
      const r = C.copyInto(dst, C.tensor([1, 2, 3, 4], [2, 2]));
      expect(r).toBe(dst);
      expect(dst.toArray()).toEqual([1, 2, 3, 4]);
      C.copyInto(dst, C.tensor([5, 6]));
      expect(dst.toArray()).toEqual([5, 6, 5, 6]);
      const p = leaf([2]);
      C.copyInto(p, C.tensor([7, 8], undefined, { dtype: 'float64' }));
      expect(p.toArray()).toEqual([7, 8]);
      expect(p.requiresGrad).toBe(true);
      expect(() => C.copyInto(dst, C.tensor([1, 2, 3]))).toThrow(/size/);
    });
  });
});
