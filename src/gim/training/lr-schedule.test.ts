import { describe, expect, it } from 'vitest';
import { lrAt } from './lr-schedule.js';

describe('lrAt', () => {
  it('constant: train.lr at every step', () => {
    for (const step of [0, 7, 99]) expect(lrAt({ schedule: 'constant', lr: 3e-4, step, steps: 100 })).toBe(3e-4);
  });

  it('cosine: starts at lr, halves at mid-run, falls monotonically towards 0 without reaching it', () => {
    const steps = 100;
    const rates = Array.from({ length: steps }, (_, step) => lrAt({ schedule: 'cosine', lr: 1e-3, step, steps }));
    expect(rates[0]).toBe(1e-3);
    expect(rates[50]).toBeCloseTo(5e-4, 12);
    for (let i = 1; i < steps; i++) expect(rates[i]!).toBeLessThan(rates[i - 1]!);
    expect(rates[steps - 1]!).toBeGreaterThan(0);
    expect(rates[steps - 1]!).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos((Math.PI * 99) / 100)), 15);
  });

  it('refuses a step outside the span', () => {
    expect(() => lrAt({ schedule: 'cosine', lr: 1, step: 10, steps: 10 })).toThrow(/step \(10\).*steps = 10/);
    expect(() => lrAt({ schedule: 'cosine', lr: 1, step: -1, steps: 10 })).toThrow(/lrAt/);
    expect(() => lrAt({ schedule: 'cosine', lr: 1, step: 0, steps: 0 })).toThrow(/lrAt/);
  });
});
