import { describe, expect, it } from 'vitest';
import { Tensor, tidy } from '../index.js';
import { arange, copyInto, tensor, zeros } from './creation.js';
import { randn } from './random.js';
import { mul } from './elementwise.js';
import * as S from './shape.js';
import { gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'float64' });
const i64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'int64' });
const leaf = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();
/** 0, 1, …, n−1 as float64 in `shape`. */
const iota = (shape: number[]): Tensor =>
  f64(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => k),
    shape,
  );
const vals = (t: Tensor): number[] => t.toArray();

seededWithoutLeaks(19);

describe('reshaping views', () => {
  it('reshape/view/flatten keep row-major order; view and reshape share memory', () => {
    tidy(() => {
      const x = iota([2, 3, 2]);
      expect(S.reshape(x, [3, -1]).shape).toEqual([3, 4]);
      expect(vals(S.reshape(x, [6, 2]))).toEqual(vals(x));
      expect(S.view(x, [4, 3]).shape).toEqual([4, 3]);
      expect(S.flatten(x).shape).toEqual([12]);
      expect(S.flatten(x, 1).shape).toEqual([2, 6]);
      expect(S.flatten(x, 0, 1).shape).toEqual([6, 2]);
      expect(vals(S.flatten(x, 1))).toEqual(vals(x));
      const v = S.view(x, [12]);
      const r = S.reshape(x, [2, 6]);
      copyInto(x, zeros([2, 3, 2], { dtype: 'float64' }));
      expect(vals(v)).toEqual(new Array(12).fill(0));
      expect(vals(r)).toEqual(new Array(12).fill(0));
      expect(() => S.view(S.transpose(iota([2, 3]), 0, 1), [6])).toThrow();
      expect(() => S.reshape(iota([2, 3]), [4, 2])).toThrow();
    });
  });

  it('permute/transpose rearrange dims; contiguous lays them out (and view works after)', () => {
    tidy(() => {
      const x = iota([2, 3]);
      const t = S.transpose(x, 0, 1);
      expect(t.shape).toEqual([3, 2]);
      expect(vals(t)).toEqual([0, 3, 1, 4, 2, 5]);
      const p = S.permute(iota([2, 3, 4]), [2, 0, 1]);
      expect(p.shape).toEqual([4, 2, 3]);
      // p[k, i, j] = x[i, j, k] = 12i + 4j + k
      const pv = vals(p);
      expect(pv[1 * 6 + 1 * 3 + 2]).toBe(12 + 8 + 1);
      expect(pv.slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
      const c = S.contiguous(t);
      expect(vals(c)).toEqual([0, 3, 1, 4, 2, 5]);
      expect(vals(S.view(c, [6]))).toEqual([0, 3, 1, 4, 2, 5]);
      expect(vals(S.transpose(iota([2, 3, 4]), -1, 0))).toEqual(vals(S.permute(iota([2, 3, 4]), [2, 1, 0])));
    });
  });

  it('squeeze/unsqueeze/expand/repeat', () => {
    tidy(() => {
      const x = iota([1, 3, 1]);
      expect(S.squeeze(x).shape).toEqual([3]);
      expect(S.squeeze(x, 0).shape).toEqual([3, 1]);
      expect(S.squeeze(x, -1).shape).toEqual([1, 3]);
      expect(S.squeeze(x, 1).shape).toEqual([1, 3, 1]);
      expect(S.unsqueeze(iota([3]), 0).shape).toEqual([1, 3]);
      expect(S.unsqueeze(iota([3]), -1).shape).toEqual([3, 1]);
      const e = S.expand(iota([3, 1]), [3, 4]);
      expect(e.shape).toEqual([3, 4]);
      expect(vals(e)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
      expect(S.expand(iota([3]), [2, -1]).shape).toEqual([2, 3]);
      const r = S.repeat(iota([2]), [2, 3]);
      expect(r.shape).toEqual([2, 6]);
      expect(vals(r)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
      expect(vals(S.repeat(iota([2, 1]), [1, 2]))).toEqual([0, 0, 1, 1]);
    });
  });

  it('gradchecks reshape, view, flatten, permute, transpose, contiguous, squeeze, unsqueeze, expand, repeat', () => {
    tidy(() => {
      const x = leaf([2, 3, 2]);
      gradcheck((t) => S.reshape(t, [3, 4]), [x]);
      gradcheck((t) => S.view(t, [6, -1]), [x]);
      gradcheck((t) => S.flatten(t, 1), [x]);
      gradcheck((t) => S.permute(t, [1, 2, 0]), [x]);
      gradcheck((t) => S.transpose(t, 0, 2), [x]);
      gradcheck((t) => S.contiguous(S.transpose(t, 0, 1)), [x]);
      gradcheck((t) => S.squeeze(t), [leaf([1, 3, 1])]);
      gradcheck((t) => S.squeeze(t, 2), [leaf([3, 2, 1])]);
      gradcheck((t) => S.unsqueeze(t, 1), [leaf([3, 2])]);
      gradcheck((t) => S.expand(t, [2, 3, 4]), [leaf([3, 1])]);
      gradcheck((t) => S.repeat(t, [2, 1, 3]), [leaf([2, 2])]);
    });
  });
});

describe('slicing and joining', () => {
  it('narrow and slice (steps, negative and open bounds)', () => {
    tidy(() => {
      const x = iota([2, 5]);
      expect(vals(S.narrow(x, 1, 1, 3))).toEqual([1, 2, 3, 6, 7, 8]);
      expect(vals(S.narrow(x, 0, 1, 1))).toEqual([5, 6, 7, 8, 9]);
      expect(vals(S.slice(x, 1, 1, 4))).toEqual([1, 2, 3, 6, 7, 8]);
      expect(vals(S.slice(x, 1, 0, null, 2))).toEqual([0, 2, 4, 5, 7, 9]);
      expect(vals(S.slice(x, 1, -2, null))).toEqual([3, 4, 8, 9]);
      expect(vals(S.slice(x, -1, null, -1))).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
      expect(vals(S.slice(x, 1, 1, null, 3))).toEqual([1, 4, 6, 9]);
      expect(S.slice(x, 0, 5, null).shape).toEqual([0, 5]);
    });
  });

  it('cat, stack and split', () => {
    tidy(() => {
      const a = iota([2, 2]);
      const b = f64([10, 11], [2, 1]);
      expect(vals(S.cat([a, b], 1))).toEqual([0, 1, 10, 2, 3, 11]);
      expect(vals(S.cat([a, a]))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
      expect(S.cat([a, a], -1).shape).toEqual([2, 4]);
      const s = S.stack([a, mul(a, 10)], 1);
      expect(s.shape).toEqual([2, 2, 2]);
      expect(vals(s)).toEqual([0, 1, 0, 10, 2, 3, 20, 30]);
      expect(S.stack([a, a]).shape).toEqual([2, 2, 2]);
      const parts = S.split(iota([5, 2]), 2);
      expect(parts.map((p) => p.shape)).toEqual([
        [2, 2],
        [2, 2],
        [1, 2],
      ]);
      expect(parts.map(vals)).toEqual([
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ]);
      const sized = S.splitWithSizes(iota([5, 2]), [1, 4]);
      expect(sized.map((p) => p.shape)).toEqual([
        [1, 2],
        [4, 2],
      ]);
      expect(sized.map(vals)).toEqual([
        [0, 1],
        [2, 3, 4, 5, 6, 7, 8, 9],
      ]);
      expect(() => S.splitWithSizes(iota([5, 2]), [1, 3])).toThrow();
      const cols = S.split(iota([2, 3]), 2, 1);
      expect(cols.map(vals)).toEqual([
        [0, 1, 3, 4],
        [2, 5],
      ]);
      expect(() => S.cat([a, iota([3])], 0)).toThrow();
    });
  });

  it('gradchecks narrow, slice, cat, stack and split', () => {
    tidy(() => {
      const x = leaf([3, 5]);
      gradcheck((t) => S.narrow(t, 1, 1, 3), [x]);
      gradcheck((t) => S.slice(t, 1, 0, null, 2), [x]);
      gradcheck((t) => S.slice(t, 1, -3, -1), [x]);
      gradcheck((t) => S.slice(t, 0, 1, null, 2), [x]);
      gradcheck((a, b) => S.cat([a, b], 1), [leaf([2, 3]), leaf([2, 2])]);
      gradcheck((a, b) => S.cat([a, b, a]), [leaf([1, 3]), leaf([2, 3])]);
      gradcheck((a, b) => S.stack([a, b], 2), [leaf([2, 3]), leaf([2, 3])]);
      gradcheck((t) => S.split(t, 2, 1)[2]!, [x]);
      gradcheck(
        (t) => {
          const [a, b] = S.splitWithSizes(t, [2, 3], 1) as [Tensor, Tensor];
          return S.cat([mul(a, 2), b], 1); // both parts reach the gradient
        },
        [x],
      );
      gradcheck((t) => S.cat(S.split(t, 2, 1).reverse(), 1), [x]);
    });
  });
});

describe('indexing', () => {
  it('gather, indexSelect and index (with a whole dim kept by null)', () => {
    tidy(() => {
      const x = iota([3, 3]); // [[0,1,2],[3,4,5],[6,7,8]]
      expect(vals(S.gather(x, 1, i64([2, 0, 1, 1, 0, 0], [3, 2])))).toEqual([2, 0, 4, 4, 6, 6]);
      expect(vals(S.gather(x, 0, i64([2, 1, 0], [1, 3])))).toEqual([6, 4, 2]);
      expect(vals(S.indexSelect(x, 0, i64([2, 0])))).toEqual([6, 7, 8, 0, 1, 2]);
      expect(vals(S.indexSelect(x, 1, i64([1, 1, 0])))).toEqual([1, 1, 0, 4, 4, 3, 7, 7, 6]);
      expect(vals(S.index(x, [i64([0, 2]), i64([1, 2])]))).toEqual([1, 8]);
      const cols = S.index(x, [null, i64([2, 0])]);
      expect(cols.shape).toEqual([3, 2]);
      expect(vals(cols)).toEqual([2, 0, 5, 3, 8, 6]);
      const masked = S.index(x, [tensor([1, 0, 1], [3], { dtype: 'bool' })]);
      expect(masked.shape).toEqual([2, 3]);
      expect(vals(masked)).toEqual([0, 1, 2, 6, 7, 8]);
    });
  });

  it('unfold takes strided windows as a new last dim', () => {
    tidy(() => {
      const w = S.unfold(iota([7]), 0, 3, 2);
      expect(w.shape).toEqual([3, 3]);
      expect(vals(w)).toEqual([0, 1, 2, 2, 3, 4, 4, 5, 6]);
      const w2 = S.unfold(iota([2, 5]), 1, 2, 3);
      expect(w2.shape).toEqual([2, 2, 2]);
      expect(vals(w2)).toEqual([0, 1, 3, 4, 5, 6, 8, 9]);
    });
  });

  it('gradchecks gather, indexSelect (with repeats), index and unfold (overlapping windows)', () => {
    tidy(() => {
      const x = leaf([3, 4]);
      gradcheck((t) => S.gather(t, 1, i64([0, 0, 3, 1, 2, 2], [3, 2])), [x]);
      gradcheck((t) => S.gather(t, 0, i64([2, 2, 0, 1], [1, 4])), [x]);
      gradcheck((t) => S.indexSelect(t, 0, i64([2, 0, 2])), [x]);
      gradcheck((t) => S.indexSelect(t, 1, i64([3, 1])), [x]);
      gradcheck((t) => S.index(t, [i64([0, 2, 0]), i64([1, 3, 1])]), [x]);
      gradcheck((t) => S.index(t, [null, i64([3, 0])]), [x]);
      gradcheck((t) => S.unfold(t, 1, 2, 1), [x]);
      gradcheck((t) => S.unfold(t, 0, 2, 1), [x]);
    });
  });
});

describe('pad', () => {
  it('constant pads the last dims, last dim first, with a fill value', () => {
    tidy(() => {
      const x = iota([2, 2]).detach();
      const p = S.pad(x, [1, 2]);
      expect(p.shape).toEqual([2, 5]);
      expect(vals(p)).toEqual([0, 0, 1, 0, 0, 0, 2, 3, 0, 0]);
      const q = S.pad(x, [0, 1, 1, 0], 'constant', -1);
      expect(q.shape).toEqual([3, 3]);
      expect(vals(q)).toEqual([-1, -1, -1, 0, 1, -1, 2, 3, -1]);
    });
  });

  it('reflect, replicate and circular pad [N, C, T] signals', () => {
    tidy(() => {
      const x = f64([1, 2, 3, 4], [1, 1, 4]);
      expect(vals(S.pad(x, [2, 1], 'reflect'))).toEqual([3, 2, 1, 2, 3, 4, 3]);
      expect(vals(S.pad(x, [1, 2], 'replicate'))).toEqual([1, 1, 2, 3, 4, 4, 4]);
      expect(vals(S.pad(x, [1, 1], 'circular'))).toEqual([4, 1, 2, 3, 4, 1]);
      const r2 = S.pad(iota([1, 1, 2, 3]), [1, 1, 1, 0], 'reflect');
      expect(r2.shape).toEqual([1, 1, 3, 5]);
      expect(vals(r2)).toEqual([4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4]);
    });
  });

  it('gradchecks constant and reflect pads', () => {
    tidy(() => {
      const x = leaf([1, 2, 4]);
      gradcheck((t) => S.pad(t, [1, 2]), [x]);
      gradcheck((t) => S.pad(t, [2, 1], 'constant', 3), [x]);
      gradcheck((t) => S.pad(t, [2, 3], 'reflect'), [x]);
      gradcheck((t) => S.pad(t, [1, 1, 1, 0], 'reflect'), [leaf([1, 1, 2, 3])]);
    });
  });
});

it('arange-built int64 tensors survive shape ops with their dtype', () => {
  tidy(() => {
    const t = S.transpose(S.reshape(arange(6), [2, 3]), 0, 1);
    expect(t.dtype).toBe('int64');
    expect(vals(t)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});
