import { describe, expect, it } from 'vitest';
import { Linear } from '../nn/index.js';
import { copyInto, full, manualSeed, tidy } from '../tensor/index.js';
import { DivergenceGuard, largestParameter } from './divergence.js';

describe('DivergenceGuard', () => {
  it('a non-finite loss diverges at its own step', () => {
    const g = new DivergenceGuard();
    expect(g.observe(0, 0, 2.3)).toBeNull();
    expect(g.observe(1, 1, NaN)).toMatchObject({ fromStep: 1, module: 1 });
  });

  it('a loss over 10× the running median and above the first losses explodes; noise near zero does not', () => {
    const g = new DivergenceGuard({ warmupSteps: 3 });
    [2.0, 1.5, 1.0, 0.05, 0.02, 0.01].forEach((l, s) => expect(g.observe(s, 0, l)).toBeNull());
    expect(g.observe(6, 0, 0.5)).toBeNull(); // 50× the median but below the initial level: not an explosion
    expect(g.observe(7, 0, 1e6)).toMatchObject({ fromStep: 7, module: 0 });
  });

  it('weights above the bound (or NaN) diverge', () => {
    const g = new DivergenceGuard({ maxWeight: 100 });
    expect(g.checkWeights(4, 99)).toBeNull();
    expect(g.checkWeights(4, 1e8)).toMatchObject({ fromStep: 4, module: null });
    expect(g.checkWeights(4, NaN)).not.toBeNull();
    manualSeed(0);
    const lin = new Linear(2, 2);
    expect(largestParameter([lin])).toBeLessThan(1);
    tidy(() => copyInto(lin.weight, full([2, 2], 1e8)));
    expect(largestParameter([lin])).toBe(1e8);
    lin.dispose();
  });
});
