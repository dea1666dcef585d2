import { describe, expect, it } from 'vitest';
import { Tensor, tidy } from '../index.js';
import { tensor } from './creation.js';
import { randn } from './random.js';
import { bmm, einsum, linear, matmul } from './linalg.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'float64' });
const leaf = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();

/** Independent row-major matrix product of a [n, m] and b [m, p]. */
function jsMatmul(a: number[], b: number[], n: number, m: number, p: number): number[] {
  const out = new Array<number>(n * p).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) for (let k = 0; k < m; k++) out[i * p + j]! += a[i * m + k]! * b[k * p + j]!;
  return out;
}

seededWithoutLeaks(11);

describe('matmul', () => {
  it('multiplies 2-D matrices (hand-computed)', () => {
    tidy(() => {
      const c = matmul(f64([1, 2, 3, 4, 5, 6], [2, 3]), f64([7, 8, 9, 10, 11, 12], [3, 2]));
      expect(c.shape).toEqual([2, 2]);
      expectClose(c, [58, 64, 139, 154], 0);
    });
  });

  it('handles vectors and broadcast batch dims (vs a JS product)', () => {
    tidy(() => {
      const a = randn([2, 3, 4], { dtype: 'float64' });
      const b = randn([4, 5], { dtype: 'float64' });
      const c = matmul(a, b);
      expect(c.shape).toEqual([2, 3, 5]);
      const av = a.toArray();
      const bv = b.toArray();
      expectClose(c, [...jsMatmul(av.slice(0, 12), bv, 3, 4, 5), ...jsMatmul(av.slice(12), bv, 3, 4, 5)], 1e-12);
      const v = f64([1, -1, 2]);
      const m = f64([1, 2, 3, 4, 5, 6], [3, 2]);
      expect(matmul(v, m).shape).toEqual([2]);
      expectClose(matmul(v, m), [8, 10], 0);
      expectClose(matmul(f64([1, 2, 3, 4, 5, 6], [2, 3]), v), [5, 11], 0);
      expect(matmul(v, v).shape).toEqual([]);
      expectClose(matmul(v, v), [6], 0);
    });
  });

  it('gradchecks 2-D, batched-broadcast and matrix-vector products', () => {
    tidy(() => {
      gradcheck(matmul, [leaf([3, 4]), leaf([4, 2])]);
      gradcheck(matmul, [leaf([2, 3, 4]), leaf([4, 2])]);
      gradcheck(matmul, [leaf([2, 1, 2, 3]), leaf([3, 3, 2])]);
      gradcheck(matmul, [leaf([3, 4]), leaf([4])]);
    });
  });
});

describe('bmm', () => {
  it('multiplies each batch independently', () => {
    tidy(() => {
      const a = randn([3, 2, 4], { dtype: 'float64' });
      const b = randn([3, 4, 3], { dtype: 'float64' });
      const c = bmm(a, b);
      expect(c.shape).toEqual([3, 2, 3]);
      const av = a.toArray();
      const bv = b.toArray();
      const want = [0, 1, 2].flatMap((k) =>
        jsMatmul(av.slice(k * 8, k * 8 + 8), bv.slice(k * 12, k * 12 + 12), 2, 4, 3),
      );
      expectClose(c, want, 1e-12);
      expect(() => bmm(randn([2, 2, 3]), randn([3, 2]))).toThrow();
    });
  });

  it('gradchecks', () => {
    tidy(() => gradcheck(bmm, [leaf([2, 3, 4]), leaf([2, 4, 2])]));
  });
});

describe('linear', () => {
  it('computes x Wᵀ + b and x Wᵀ without bias', () => {
    tidy(() => {
      const x = f64([1, 2, 3, 4], [2, 2]);
      const w = f64([1, 0, 1, 1, -1, 2], [3, 2]);
      const b = f64([10, 20, 30]);
      expect(linear(x, w, b).shape).toEqual([2, 3]);
      expectClose(linear(x, w, b), [11, 23, 33, 13, 27, 35], 0);
      expectClose(linear(x, w), [1, 3, 3, 3, 7, 5], 0);
      expectClose(linear(x, w, null), [1, 3, 3, 3, 7, 5], 0);
      expect(linear(randn([4, 5, 2], { dtype: 'float64' }), w, b).shape).toEqual([4, 5, 3]);
    });
  });

  it('gradchecks with and without bias, and with extra leading dims', () => {
    tidy(() => {
      gradcheck((x, w, b) => linear(x, w, b), [leaf([4, 3]), leaf([2, 3]), leaf([2])]);
      gradcheck((x, w) => linear(x, w), [leaf([4, 3]), leaf([2, 3])]);
      gradcheck((x, w, b) => linear(x, w, b), [leaf([2, 2, 3]), leaf([2, 3]), leaf([2])]);
    });
  });
});

describe('einsum', () => {
  it('evaluates contractions, transposes, traces, outer products and batch products', () => {
    tidy(() => {
      const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = f64([7, 8, 9, 10, 11, 12], [3, 2]);
      expectClose(einsum('ij,jk->ik', a, b), [58, 64, 139, 154], 0);
      expect(einsum('ij->ji', a).shape).toEqual([3, 2]);
      expectClose(einsum('ij->ji', a), [1, 4, 2, 5, 3, 6], 0);
      expectClose(einsum('ii->', f64([1, 2, 3, 4], [2, 2])), [5], 0);
      expectClose(einsum('i,j->ij', f64([1, 2]), f64([3, 4, 5])), [3, 4, 5, 6, 8, 10], 0);
      expectClose(einsum('ij->j', a), [5, 7, 9], 0);
      const x = randn([2, 3, 4], { dtype: 'float64' });
      const y = randn([2, 4, 5], { dtype: 'float64' });
      expectClose(einsum('bij,bjk->bik', x, y), bmm(x, y).toArray(), 1e-12);
    });
  });

  it('gradchecks one-, two- and three-operand equations', () => {
    tidy(() => {
      gradcheck((x, y) => einsum('bij,bjk->bik', x, y), [leaf([2, 3, 4]), leaf([2, 4, 2])]);
      gradcheck((x) => einsum('ij->ji', x), [leaf([2, 3])]);
      gradcheck((x, y) => einsum('btc,ctk->btk', x, y), [leaf([2, 3, 2]), leaf([2, 3, 4])]);
      gradcheck((x, y, z) => einsum('i,ij,j->', x, y, z), [leaf([2]), leaf([2, 3]), leaf([3])]);
    });
  });
});
