import { describe, expect, it } from 'vitest';
import { liveTensors, noGrad, isGradEnabled, op, opTensor, tidy } from './index.js';
import { copyInto, scalar, tensor, zeros } from './ops/creation.js';
import { randn } from './ops/random.js';
import { add, mul } from './ops/elementwise.js';
import { matmul } from './ops/linalg.js';
import { sum } from './ops/reduce.js';
import { seededWithoutLeaks } from './testing/leaks.js';

seededWithoutLeaks(29);

describe('metadata', () => {
  it('shape, dtype, device, rank, size', () => {
    tidy(() => {
      const t = zeros([2, 3, 4], { dtype: 'float64' });
      expect(t.shape).toEqual([2, 3, 4]);
      expect(Object.isFrozen(t.shape)).toBe(true);
      expect(t.dtype).toBe('float64');
      expect(t.device).toBe('cpu');
      expect(t.rank).toBe(3);
      expect(t.size).toBe(24);
      const s = scalar(3);
      expect([s.shape, s.rank, s.size]).toEqual([[], 0, 1]);
      const e = zeros([3, 0]);
      expect([e.rank, e.size]).toEqual([2, 0]);
      expect(String(t)).toBe('Tensor(shape=[2, 3, 4], dtype=float64, device=cpu)');
    });
  });

  it('item() reads one-element tensors and throws on others', () => {
    tidy(() => {
      expect(scalar(2.5).item()).toBe(2.5);
      expect(tensor([7], [1, 1], { dtype: 'int64' }).item()).toBe(7);
      expect(() => tensor([1, 2]).item()).toThrow(/2 elements/);
      expect(() => zeros([0]).item()).toThrow(/0 elements/);
    });
  });

  it('data() and toArray() give row-major copies, also of non-contiguous views', () => {
    tidy(() => {
      const t = tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'float64' });
      const d = t.data();
      expect(d).toBeInstanceOf(Float64Array);
      d[0] = 100;
      expect(t.toArray()[0]).toBe(1);
      const tr = opTensor('aten::t', '', [t]);
      expect(tr.shape).toEqual([3, 2]);
      expect(tr.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    });
  });
});

describe('autograd on the Tensor', () => {
  it('requireGrad / requiresGrad setter toggle the flag', () => {
    tidy(() => {
      const t = zeros([2]);
      expect(t.requiresGrad).toBe(false);
      expect(t.requireGrad()).toBe(t);
      expect(t.requiresGrad).toBe(true);
      t.requiresGrad = false;
      expect(t.requiresGrad).toBe(false);
      expect(t.grad).toBeNull();
    });
  });

  it('detach() cuts the graph and shares values with the original', () => {
    tidy(() => {
      const x = randn([3], { dtype: 'float64' }).requireGrad();
      const d = x.detach();
      expect(d.requiresGrad).toBe(false);
      expect(d.toArray()).toEqual(x.toArray());
      copyInto(d, tensor([1, 2, 3], undefined, { dtype: 'float64' }));
      expect(x.toArray()).toEqual([1, 2, 3]);
      expect(mul(d, 2).requiresGrad).toBe(false);
      expect(mul(x, 2).requiresGrad).toBe(true);
    });
  });

  it('backward accumulates gradients across calls; zeroGrad clears them', () => {
    tidy(() => {
      const x = tensor([1, 2, 3], undefined, { dtype: 'float64' }).requireGrad();
      sum(mul(x, x)).backward();
      expect(x.grad!.toArray()).toEqual([2, 4, 6]);
      sum(mul(x, 3)).backward();
      expect(x.grad!.toArray()).toEqual([5, 7, 9]);
      x.zeroGrad();
      expect(x.grad).toBeNull();
      sum(x).backward();
      expect(x.grad!.toArray()).toEqual([1, 1, 1]);
    });
  });

  it('backward with an explicit gradient and retainGraph', () => {
    tidy(() => {
      const x = tensor([1, 2], undefined, { dtype: 'float64' }).requireGrad();
      const y = mul(x, x);
      y.backward(tensor([1, 10], undefined, { dtype: 'float64' }), { retainGraph: true });
      expect(x.grad!.toArray()).toEqual([2, 40]);
      y.backward(tensor([1, 1], undefined, { dtype: 'float64' }));
      expect(x.grad!.toArray()).toEqual([4, 44]);
      expect(() => y.backward(tensor([1, 1], undefined, { dtype: 'float64' }))).toThrow();
      expect(() => mul(x, 2).backward()).toThrow(/scalar/);
    });
  });

  it('noGrad switches recording off and restores it, even after a throw', () => {
    tidy(() => {
      const x = zeros([2]).requireGrad();
      expect(isGradEnabled()).toBe(true);
      expect(noGrad(() => mul(x, 2)).requiresGrad).toBe(false);
      expect(() =>
        noGrad(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(isGradEnabled()).toBe(true);
      expect(mul(x, 2).requiresGrad).toBe(true);
    });
  });
});

describe('errors and disposal', () => {
  it('a bad-shape op throws an Error carrying libtorch text, and the process lives on', () => {
    tidy(() => {
      const a = zeros([2, 3]);
      let caught: unknown;
      try {
        matmul(a, zeros([2, 3]));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).message).toMatch(/mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
      expect(() => op('aten::no_such_operator', '', [a])).toThrow();
      expect(matmul(a, zeros([3, 4])).shape).toEqual([2, 4]);
    });
  });

  it('using a disposed tensor throws "disposed"; dispose twice is safe', () => {
    const t = tensor([1, 2]);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.dispose()).not.toThrow();
    expect(() => t.toArray()).toThrow(/disposed/);
    expect(() => add(t, 1)).toThrow(/disposed/);
    expect(() => tidy(() => mul(t, t))).toThrow(/disposed/);
  });

  it('dispose frees the handle: liveTensors drops by one', () => {
    const before = liveTensors();
    const t = zeros([4]);
    expect(liveTensors()).toBe(before + 1);
    t.dispose();
    expect(liveTensors()).toBe(before);
  });
});
