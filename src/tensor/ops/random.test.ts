import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveTensors, tidy } from '../index.js';
import { ones, tensor } from './creation.js';
import * as R from './random.js';

let base = 0;
beforeEach(() => {
  base = liveTensors();
});
afterEach(() => expect(liveTensors()).toBe(base));

const lo = (v: number[]): number => v.reduce((a, b) => Math.min(a, b), Infinity);
const hi = (v: number[]): number => v.reduce((a, b) => Math.max(a, b), -Infinity);
const meanStd = (v: number[]): [number, number] => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length)];
};

describe('seeding and generator state', () => {
  it('the same seed gives the same randn; different seeds differ', () => {
    tidy(() => {
      R.manualSeed(42);
      const a = R.randn([50]).toArray();
      const a2 = R.randn([50]).toArray();
      R.manualSeed(42);
      const b = R.randn([50]).toArray();
      R.manualSeed(43);
      const c = R.randn([50]).toArray();
      expect(b).toEqual(a);
      expect(a2).not.toEqual(a); // the stream moves on
      expect(c).not.toEqual(a);
      R.manualSeed(0);
      expect(R.randn([1], { dtype: 'float64' }).item()).toBeCloseTo(1.5409961082440433, 12); // torch.manual_seed(0)
    });
  });

  it('getRngState/setRngState replays the same stream', () => {
    tidy(() => {
      R.manualSeed(5);
      R.rand([10]);
      const state = R.getRngState();
      expect(state).toBeInstanceOf(Uint8Array);
      expect(state.length).toBeGreaterThan(0);
      const first = [R.randn([20]).toArray(), R.rand([5]).toArray(), R.randint(0, 100, [5]).toArray()];
      R.manualSeed(999); // move somewhere else entirely
      R.randn([7]);
      R.setRngState(state);
      const again = [R.randn([20]).toArray(), R.rand([5]).toArray(), R.randint(0, 100, [5]).toArray()];
      expect(again).toEqual(first);
      expect(Array.from(R.getRngState())).not.toEqual(Array.from(state));
    });
  });
});

describe('sampling', () => {
  it('rand lies in [0, 1) with mean ≈ 1/2, and honours dtype', () => {
    tidy(() => {
      R.manualSeed(1);
      const u = R.rand([100_000]);
      expect(u.dtype).toBe('float32');
      const v = u.toArray();
      expect(lo(v)).toBeGreaterThanOrEqual(0);
      expect(hi(v)).toBeLessThan(1);
      const [m, s] = meanStd(v);
      expect(Math.abs(m - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(s - Math.sqrt(1 / 12))).toBeLessThan(0.01);
      expect(R.rand([2, 3], { dtype: 'float64' }).dtype).toBe('float64');
      expect(R.rand([2, 3]).shape).toEqual([2, 3]);
      expect(R.rand([2], { requiresGrad: true }).requiresGrad).toBe(true);
    });
  });

  it('randn has mean ≈ 0 and std ≈ 1 on 100k samples', () => {
    tidy(() => {
      R.manualSeed(2);
      const x = R.randn([100, 1000], { dtype: 'float64' });
      expect(x.shape).toEqual([100, 1000]);
      expect(x.dtype).toBe('float64');
      const [m, s] = meanStd(x.toArray());
      expect(Math.abs(m)).toBeLessThan(0.02);
      expect(Math.abs(s - 1)).toBeLessThan(0.02);
    });
  });

  it('randint stays in [low, high) and reaches both ends', () => {
    tidy(() => {
      R.manualSeed(3);
      const r = R.randint(-3, 4, [10_000]);
      expect(r.dtype).toBe('int64');
      const v = r.toArray();
      expect(lo(v)).toBe(-3);
      expect(hi(v)).toBe(3);
      expect(v.every(Number.isInteger)).toBe(true);
      expect(new Set(v).size).toBe(7);
      expect(R.randint(0, 2, [2, 2]).shape).toEqual([2, 2]);
    });
  });

  it('randperm is a permutation of 0..n−1 (and not always the identity)', () => {
    tidy(() => {
      R.manualSeed(4);
      const p = R.randperm(50);
      expect(p.dtype).toBe('int64');
      const v = p.toArray();
      expect([...v].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, k) => k));
      expect(v).not.toEqual(Array.from({ length: 50 }, (_, k) => k));
    });
  });
});

describe('dropout', () => {
  it('in training zeroes a fraction ≈ p and scales survivors by 1/(1−p)', () => {
    tidy(() => {
      R.manualSeed(6);
      for (const p of [0.2, 0.5]) {
        const y = R.dropout(ones([100_000], { dtype: 'float64' }), p).toArray();
        const zeros = y.filter((v) => v === 0).length / y.length;
        expect(Math.abs(zeros - p)).toBeLessThan(0.01);
        const survivors = new Set(y.filter((v) => v !== 0));
        expect([...survivors]).toHaveLength(1);
        expect([...survivors][0]).toBeCloseTo(1 / (1 - p), 12);
      }
      expect(R.dropout(ones([10]), 0).toArray()).toEqual(new Array(10).fill(1));
      expect(R.dropout(ones([10]), 1).toArray()).toEqual(new Array(10).fill(0));
    });
  });

  it('in eval mode is the identity', () => {
    tidy(() => {
      const x = tensor([1, -2, 3.5, 4], [2, 2], { dtype: 'float64' });
      const y = R.dropout(x, 0.9, false);
      expect(y.shape).toEqual([2, 2]);
      expect(y.toArray()).toEqual([1, -2, 3.5, 4]);
    });
  });

  it('rejects p outside [0, 1]', () => {
    tidy(() => {
      const x = ones([3]);
      expect(() => R.dropout(x, -0.1)).toThrow(RangeError);
      expect(() => R.dropout(x, 1.5)).toThrow(/\[0, 1\]/);
      expect(() => R.dropout(x, Number.NaN)).toThrow(RangeError);
    });
  });
});

describe('uniformInPlace', () => {
  it('fills in place from U(a, b)', () => {
    tidy(() => {
      R.manualSeed(8);
      const x = ones([10_000]);
      const r = R.uniformInPlace(x, -2, 3);
      expect(r).toBe(x);
      const v = x.toArray();
      expect(lo(v)).toBeGreaterThanOrEqual(-2);
      expect(hi(v)).toBeLessThan(3);
      expect(Math.abs(meanStd(v)[0] - 0.5)).toBeLessThan(0.1);
    });
  });
});
