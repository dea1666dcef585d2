/** Seeds and thread counts are range-checked in TypeScript and again in the addon (no undefined int conversion). */
import { describe, expect, it } from 'vitest';
import { native } from './native.js';
import { getNumThreads, setNumThreads } from './runtime.js';
import { manualSeed, rand } from './ops/random.js';
import { zeros } from './ops/creation.js';
import { reshape } from './ops/shape.js';

describe('manualSeed', () => {
  it('refuses a seed that is not an integer in [0, 2^53 − 1], naming it', () => {
    expect(() => manualSeed(1e300)).toThrow(
      /manualSeed: seed must be an integer in \[0, 9007199254740991\], got 1e\+300/,
    );
    expect(() => manualSeed(-1)).toThrow(/manualSeed: seed must be .*got -1/);
    expect(() => manualSeed(0.5)).toThrow(/manualSeed: seed/);
    expect(() => manualSeed(NaN)).toThrow(/manualSeed: seed/);
  });

  it('accepts the largest safe integer and reproduces a draw with it', () => {
    manualSeed(Number.MAX_SAFE_INTEGER);
    const a = rand([3]).toArray();
    manualSeed(Number.MAX_SAFE_INTEGER);
    expect(rand([3]).toArray()).toEqual(a);
  });

  it('the addon itself refuses seeds outside int64 or below 0 with a JS error', () => {
    expect(() => native.manualSeed(1e300)).toThrow(/manualSeed\(seed\): integer out of the int64 range, got 1e\+300/);
    expect(() => native.manualSeed(2 ** 63)).toThrow(/out of the int64 range/);
    expect(() => native.manualSeed(-1)).toThrow(/manualSeed\(seed\): seed must be >= 0, got -1/);
  });

  it('every integer the addon reads is range-checked (a size of 1e300 is an error, not a wrapped int64)', () => {
    expect(() => reshape(zeros([1]), [1e300])).toThrow(/aten::reshape\(shape\)\[0\]: integer out of the int64 range/);
  });
});

describe('setNumThreads', () => {
  it('refuses a thread count that is not a positive integer, in TypeScript and in the addon', () => {
    const threads = getNumThreads();
    expect(() => setNumThreads(0)).toThrow(/setNumThreads: n must be an integer in \[1, 2147483647\], got 0/);
    expect(() => setNumThreads(1.5)).toThrow(/setNumThreads: n must be .*got 1\.5/);
    expect(() => setNumThreads(2 ** 32)).toThrow(/setNumThreads: n/);
    expect(() => native.setNumThreads(2 ** 32)).toThrow(
      /setNumThreads\(n\): n must be an integer in \[1, 2147483647\]/,
    );
    expect(getNumThreads()).toBe(threads);
  });
});
