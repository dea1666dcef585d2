import { describe, expect, it } from 'vitest';
import { mulberry32Floats, mulberry32Uint32 } from './rng.js';

describe('mulberry32', () => {
  it('draws the reference mulberry32 sequence', () => {
    const u = mulberry32Uint32(42);
    expect([u(), u(), u()]).toEqual([2581720956, 1925393290, 3661312704]);
    const f = mulberry32Floats(1234);
    expect([f(), f(), f()]).toEqual([0.07329497812315822, 0.7034119898453355, 0.9028560190927237]);
  });

  it('floats are the 32-bit draws over 2^32, in [0, 1); the seed is taken modulo 2^32', () => {
    const u = mulberry32Uint32(7);
    const f = mulberry32Floats(7 + 2 ** 32);
    for (let i = 0; i < 1000; i++) {
      const x = f();
      expect(x).toBe(u() / 2 ** 32);
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
