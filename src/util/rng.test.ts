import { describe, expect, it } from 'vitest';
import { audioMixSeed, mixSeed, NoRng, Rng, toRng } from './rng.js';

const draws = (rng: Rng, count: number): number[] => Array.from({ length: count }, () => rng.next());

describe('Rng (mulberry32)', () => {
  it('draws the reference mulberry32 sequence', () => {
    const words = new Rng(42);
    expect([words.nextUint32(), words.nextUint32(), words.nextUint32()]).toEqual([2581720956, 1925393290, 3661312704]);
    expect(draws(new Rng(1234), 3)).toEqual([0.07329497812315822, 0.7034119898453355, 0.9028560190927237]);
  });

  it('floats are the 32-bit draws over 2^32, in [0, 1); the seed is taken modulo 2^32', () => {
    const words = new Rng(7);
    const floats = new Rng(7 + 2 ** 32);
    for (let i = 0; i < 1000; i++) {
      const x = floats.next();
      expect(x).toBe(words.nextUint32() / 2 ** 32);
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('is deterministic per seed, seeds differ, the mean is about 1/2, and a seed that is not a safe integer is refused', () => {
    const xs = draws(new Rng(42), 1000);
    expect(draws(new Rng(42), 1000)).toEqual(xs);
    expect(draws(new Rng(43), 1000)).not.toEqual(xs);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(() => new Rng(1.5)).toThrow(/seed must be a safe integer, got 1.5/);
    expect(() => new Rng(2 ** 53)).toThrow(RangeError);
  });

  it('int(n) is ⌊next() · n⌋, in range, reaching every value; bool(p) is next() < p; bad n is refused', () => {
    const rng = new Rng(7);
    const reference = new Rng(7);
    const seen = new Set<number>();
    for (let k = 0; k < 1000; k++) {
      const v = rng.int(6);
      expect(v).toBe(Math.floor(reference.next() * 6));
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const flips = new Rng(3);
    const reference3 = new Rng(3);
    for (let k = 0; k < 100; k++) expect(flips.bool(0.3)).toBe(reference3.next() < 0.3);
    for (const n of [0, 1.5, 2 ** 32 + 1]) expect(() => rng.int(n)).toThrow(/n must be an integer in 1..2\^32/);
  });

  it('permutation and shuffled are the same Fisher–Yates draws, and true permutations', () => {
    const n = 100;
    const identity = Array.from({ length: n }, (_, i) => i);
    const p = Array.from(new Rng(5).permutation(n));
    expect([...p].sort((x, y) => x - y)).toEqual(identity);
    expect(p).not.toEqual(identity);
    // The shuffle the synthetic corpus drew its sentences with: j = ⌊u · (i + 1)⌋ for i = n−1 … 1.
    const uniform = new Rng(5);
    const reference = identity.slice();
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(uniform.next() * (i + 1));
      [reference[i], reference[j]] = [reference[j]!, reference[i]!];
    }
    expect(p).toEqual(reference);
    const items = identity.map(String);
    expect(new Rng(5).shuffled(items)).toEqual(reference.map(String));
    expect(items).toEqual(identity.map(String)); // a copy: the input is left alone
  });

  it("the 'lcg' algorithm is the Numerical Recipes generator (the pinned test gratings' stream)", () => {
    const rng = new Rng(20, 'lcg');
    let state = 20;
    for (let k = 0; k < 100; k++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      expect(rng.next()).toBe(state / 2 ** 32);
    }
  });

  it('toRng takes a seed or an Rng; NoRng refuses to draw and names its caller', () => {
    const rng = new Rng(9);
    expect(toRng(rng)).toBe(rng);
    expect(toRng(7).next()).toBe(new Rng(7).next());
    expect(() => new NoRng('makeBatch').next()).toThrow(/makeBatch: this transform draws random numbers; pass an Rng/);
  });
});

describe('seed mixers', () => {
  it('mixSeed and audioMixSeed are deterministic, order-sensitive, distinct hashes, 32-bit', () => {
    for (const mix of [mixSeed, audioMixSeed]) {
      expect(mix(1, 2)).toBe(mix(1, 2));
      expect(mix(1, 2)).not.toBe(mix(2, 1));
      const v = mix(20, 7);
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    }
    expect(mixSeed(20, 7)).not.toBe(audioMixSeed(20, 7));
  });

  it('mixSeed uses all 53 bits of a part; audioMixSeed only the low 32 (as the committed audio runs did)', () => {
    expect(mixSeed(1 + 2 ** 32)).not.toBe(mixSeed(1));
    expect(audioMixSeed(1 + 2 ** 32)).toBe(audioMixSeed(1));
  });

  it('both refuse parts that are not safe integers, naming themselves', () => {
    expect(() => mixSeed(1, 0.5)).toThrow(/mixSeed: parts must be safe integers, got 0.5/);
    expect(() => audioMixSeed(Number.NaN)).toThrow(/audioMixSeed: parts must be safe integers, got NaN/);
  });
});
