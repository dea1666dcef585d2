import { describe, expect, it } from 'vitest';
import { Tensor, tidy } from '../index.js';
import { tensor } from './creation.js';
import { randn } from './random.js';
import { crossEntropy, logSoftmax, nllLoss, softmax } from './softmax.js';
import { expectClose, gradcheck } from '../testing/gradcheck.js';
import { seededWithoutLeaks } from '../testing/leaks.js';

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'float64' });
const i64 = (v: number[], shape?: number[]): Tensor => tensor(v, shape, { dtype: 'int64' });
const leaf = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();

/** Row-wise log-softmax of a row-major [n, c] array, in JS. */
function jsLogSoftmax(x: number[], c: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / c; r++) {
    const row = x.slice(r * c, r * c + c);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    out.push(...row.map((v) => v - lse));
  }
  return out;
}

seededWithoutLeaks(17);

// logits [[1, 2, 3], [1, 1, 1]], targets [2, 0]
const logits = (): Tensor => f64([1, 2, 3, 1, 1, 1], [2, 3]);
const lsm = jsLogSoftmax([1, 2, 3, 1, 1, 1], 3);

describe('softmax and logSoftmax', () => {
  it('match a JS computation along the last and the first dim', () => {
    tidy(() => {
      expectClose(softmax(logits(), 1), lsm.map(Math.exp), 1e-12);
      expectClose(logSoftmax(logits(), -1), lsm, 1e-12);
      expectClose(
        softmax(logits(), 1),
        [0.09003057317038046, 0.24472847105479767, 0.6652409557748219, 1 / 3, 1 / 3, 1 / 3],
        1e-12,
      );
      // along dim 0: columns [1,1], [2,1], [3,1]
      const col = jsLogSoftmax([1, 1, 2, 1, 3, 1], 2); // per column, laid out column-major
      expectClose(logSoftmax(logits(), 0), [col[0]!, col[2]!, col[4]!, col[1]!, col[3]!, col[5]!], 1e-12);
      expectClose(logSoftmax(f64([1000, 0]), 0), [0, -1000], 1e-9);
    });
  });

  it('gradchecks softmax and logSoftmax over each dim of a 3-D input', () => {
    tidy(() => {
      const x = leaf([2, 3, 2]);
      for (const d of [0, 1, 2]) {
        gradcheck((t) => softmax(t, d), [x]);
        gradcheck((t) => logSoftmax(t, d), [x]);
      }
    });
  });
});

describe('nllLoss', () => {
  it('picks −logp[n, y_n] with mean, sum and none reductions, and skips ignoreIndex', () => {
    tidy(() => {
      const logp = logSoftmax(logits(), 1);
      const y = i64([2, 0]);
      const picked = [-lsm[2]!, -lsm[3]!];
      expectClose(nllLoss(logp, y), [(picked[0]! + picked[1]!) / 2], 1e-12);
      expectClose(nllLoss(logp, y, { reduction: 'sum' }), [picked[0]! + picked[1]!], 1e-12);
      const none = nllLoss(logp, y, { reduction: 'none' });
      expect(none.shape).toEqual([2]);
      expectClose(none, picked, 1e-12);
      expectClose(nllLoss(logp, i64([2, -100])), [picked[0]!], 1e-12);
      expectClose(nllLoss(logp, i64([2, 1]), { ignoreIndex: 1 }), [picked[0]!], 1e-12);
      // raw values, no softmax: −mean([0.3, 0.7]) with class weights w=[1, 3]: weighted mean Σ w·(−x)/Σ w
      const raw = f64([0.1, 0.3, 0.7, 0.2], [2, 2]);
      expectClose(nllLoss(raw, i64([1, 0])), [-(0.3 + 0.7) / 2], 1e-12);
      expectClose(nllLoss(raw, i64([1, 0]), { weight: f64([1, 3]) }), [-(3 * 0.3 + 1 * 0.7) / 4], 1e-12);
    });
  });

  it('handles [N, C, T] inputs with [N, T] targets', () => {
    tidy(() => {
      const x = randn([2, 3, 4], { dtype: 'float64' });
      const y = i64([0, 1, 2, 1, 2, 2, 0, 1], [2, 4]);
      const xv = x.toArray();
      const yv = y.toArray();
      const want = yv.map((c, k) => -xv[Math.floor(k / 4) * 12 + c * 4 + (k % 4)]!);
      const none = nllLoss(x, y, { reduction: 'none' });
      expect(none.shape).toEqual([2, 4]);
      expectClose(none, want, 1e-12);
      expectClose(nllLoss(x, y), [want.reduce((a, b) => a + b) / 8], 1e-12);
    });
  });

  it('gradchecks w.r.t. the log-probabilities', () => {
    tidy(() => {
      const y = i64([2, 0, 1, 1]);
      gradcheck((lp) => nllLoss(lp, y), [leaf([4, 3])]);
      gradcheck((lp) => nllLoss(lp, y, { reduction: 'sum' }), [leaf([4, 3])]);
      gradcheck((lp) => nllLoss(lp, y, { reduction: 'none' }), [leaf([4, 3])]);
      gradcheck((lp) => nllLoss(lp, y, { ignoreIndex: 1 }), [leaf([4, 3])]);
      gradcheck((lp) => nllLoss(logSoftmax(lp, 1), i64([0, 2, 1], [1, 3])), [leaf([1, 3, 3])]);
    });
  });
});

describe('crossEntropy', () => {
  it('equals nllLoss(logSoftmax(x, 1)) for every reduction and with ignoreIndex', () => {
    tidy(() => {
      const y = i64([2, 0]);
      expectClose(crossEntropy(logits(), y), [-(lsm[2]! + lsm[3]!) / 2], 1e-12);
      expectClose(crossEntropy(logits(), y, { reduction: 'sum' }), [-(lsm[2]! + lsm[3]!)], 1e-12);
      expectClose(crossEntropy(logits(), y, { reduction: 'none' }), [-lsm[2]!, -lsm[3]!], 1e-12);
      expectClose(crossEntropy(logits(), i64([2, 0]), { ignoreIndex: 0 }), [-lsm[2]!], 1e-12);
      expectClose(crossEntropy(logits(), i64([-100, 0])), [-lsm[3]!], 1e-12);
      const x = randn([3, 4, 5], { dtype: 'float64' });
      const t = i64([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 3, 2, 1], [3, 5]);
      expectClose(crossEntropy(x, t), nllLoss(logSoftmax(x, 1), t).toArray(), 1e-12);
      const w = f64([1, 2, 0.5, 1]);
      expectClose(crossEntropy(x, t, { weight: w }), nllLoss(logSoftmax(x, 1), t, { weight: w }).toArray(), 1e-12);
    });
  });

  it('gradchecks w.r.t. the logits (mean, sum, none, ignoreIndex, [N, C, T])', () => {
    tidy(() => {
      const y = i64([1, 0, 2, 2]);
      gradcheck((z) => crossEntropy(z, y), [leaf([4, 3])]);
      gradcheck((z) => crossEntropy(z, y, { reduction: 'sum' }), [leaf([4, 3])]);
      gradcheck((z) => crossEntropy(z, y, { reduction: 'none' }), [leaf([4, 3])]);
      gradcheck((z) => crossEntropy(z, y, { ignoreIndex: 2 }), [leaf([4, 3])]);
      gradcheck((z) => crossEntropy(z, i64([0, 2, 1, 1, 0, 2], [2, 3])), [leaf([2, 3, 3])]);
    });
  });
});
