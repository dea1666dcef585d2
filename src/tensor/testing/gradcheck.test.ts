import { describe, expect, it } from 'vitest';
import { Tensor, liveTensors, tidy } from '../index.js';
import { manualSeed, randn } from '../ops/random.js';
import { tensor } from '../ops/creation.js';
import { add, exp, mul, sigmoid } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { expectClose, gradcheck } from './gradcheck.js';

const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' }).requireGrad();

describe('gradcheck', () => {
  it('passes a correct gradient and returns a small max error', () => {
    tidy(() => {
      manualSeed(0);
      const err = gradcheck((x, y) => add(mul(x, y), exp(x)), [f64([2, 3]), f64([2, 3])]);
      expect(err).toBeGreaterThanOrEqual(0);
      expect(err).toBeLessThan(1e-5);
    });
  });

  it('catches a wrong gradient: a detached factor halves d(x·x)/dx', () => {
    tidy(() => {
      manualSeed(1);
      const x = f64([3, 2]);
      expect(() => gradcheck((v) => mul(v.detach(), v), [x])).toThrow(/gradcheck failed: input 0, element \d+/);
    });
  });

  it('catches a gradient that is missing entirely (fully detached output)', () => {
    tidy(() => {
      manualSeed(2);
      expect(() => gradcheck((v) => sigmoid(v.detach()), [f64([4])])).toThrow(/analytic 0 vs numeric/);
    });
  });

  it('names the offending input when only the second one is wrong', () => {
    tidy(() => {
      manualSeed(3);
      expect(() => gradcheck((a, b) => add(mul(a, 2), mul(b.detach(), b)), [f64([2]), f64([2])])).toThrow(
        /input 1, element/,
      );
    });
  });

  it('weights every output element: a wrong gradient through a single element is caught', () => {
    tidy(() => {
      // Only element 2 of the output has a detached factor; a plain sum() of the output could still catch this,
      // but the error must be attributed to input element 2.
      const x = tensor([0.3, -0.7, 1.1, 0.5], [4], { dtype: 'float64' }).requireGrad();
      const mask = tensor([0, 0, 1, 0], [4], { dtype: 'float64' });
      const fn = (v: Tensor): Tensor => add(mul(v, v), mul(mask, mul(v.detach(), v)));
      expect(() => gradcheck(fn, [x])).toThrow(/element 2 \(index \[2\]\)/);
    });
  });

  it('rejects non-float64 differentiable inputs and calls with nothing to check', () => {
    tidy(() => {
      const x32 = randn([2]).requireGrad();
      expect(() => gradcheck((v) => mul(v, v), [x32])).toThrow(/float64/);
      expect(() => gradcheck((v) => mul(v, v), [randn([2], { dtype: 'float64' })])).toThrow(/no input requires grad/);
    });
  });

  it('leaves the inputs untouched and leaks nothing', () => {
    manualSeed(4);
    const x = f64([3]);
    const before = x.toArray();
    const base = liveTensors();
    gradcheck((v) => sum(mul(v, v)), [x]);
    expect(liveTensors()).toBe(base);
    expect(x.toArray()).toEqual(before);
    expect(x.grad).toBeNull();
    x.dispose();
  });
});

describe('expectClose', () => {
  it('accepts values within tolerance from tensors and arrays', () => {
    tidy(() => {
      expectClose(tensor([1, 2, 3]), [1, 2, 3.0000001], 1e-5);
      expectClose([0.5, Number.NaN], [0.5000001, Number.NaN], 1e-3);
    });
  });

  it('rejects values out of tolerance, wrong lengths and NaN mismatches', () => {
    expect(() => expectClose([1, 2], [1, 2.1], 1e-3)).toThrow(/element 1: got 2, expected 2.1/);
    expect(() => expectClose([1, 2], [1], 1e-3)).toThrow(/got 2 values, expected 1/);
    expect(() => expectClose([Number.NaN], [0], 1)).toThrow(/element 0/);
    expect(() => expectClose([0], [Number.NaN], 1)).toThrow(/element 0/);
  });
});
