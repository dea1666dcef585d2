/**
 * The one seeded random-number generator of the project (any layer may use it; it has no dependencies and never calls
 * Math.random), and the seed mixers that derive one stream's seed from (seed, step, stream, …).
 */

const TWO_POW_32 = 4294967296;

/** How a {@link Rng} draws its 32-bit words: mulberry32 for all new streams; `lcg` only for the pinned test images. */
export type RngAlgorithm = 'mulberry32' | 'lcg';

/** mulberry32: 32-bit state, period 2^32, fast and good enough for shuffling, windows and augmentation. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const LCG_MULTIPLIER = 1664525;
const LCG_INCREMENT = 1013904223;

/**
 * The Numerical Recipes linear congruential generator (multiplier 1664525, increment 1013904223, modulus 2^32). Kept
 * only because the test gratings (vision/model/testing.ts) were drawn with it and the reproduction guard pins them.
 */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, LCG_MULTIPLIER) + LCG_INCREMENT) >>> 0;
    return state;
  };
}

/** A seeded stream of uniform random numbers (mulberry32 unless told otherwise). */
export class Rng {
  readonly #draw: () => number;

  /** Start from a safe-integer seed (taken modulo 2^32). */
  constructor(seed: number, algorithm: RngAlgorithm = 'mulberry32') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
    this.#draw = algorithm === 'lcg' ? lcg(seed) : mulberry32(seed);
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.#draw();
  }

  /** Next uniform float in [0, 1): the next 32-bit word over 2^32. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (⌊next() · n⌋; bias below n / 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32)
      throw new RangeError(`Rng.int: n must be an integer in 1..2^32, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A uniform random permutation of 0..n−1 (Fisher–Yates, drawing int(i + 1) for i = n−1 … 1). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffleInPlace(out);
  }

  /** A shuffled copy of `items` (the same draws as {@link permutation}). */
  shuffled<T>(items: readonly T[]): T[] {
    return this.shuffleInPlace(items.slice());
  }

  private shuffleInPlace<A extends { [index: number]: unknown; length: number }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }
}

/** An Rng that refuses to draw: lets deterministic transforms run without a seed and makes random ones fail loudly. */
export class NoRng extends Rng {
  constructor(private readonly who: string) {
    super(0);
  }

  /** Always throws: no random numbers were provided. */
  override nextUint32(): number {
    throw new Error(`${this.who}: this transform draws random numbers; pass an Rng`);
  }
}

/** The given Rng, or a new mulberry32 Rng from a seed. */
export function toRng(seedOrRng: number | Rng): Rng {
  return typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
}

function checkParts(who: string, parts: number[]): void {
  for (const part of parts)
    if (!Number.isSafeInteger(part)) throw new RangeError(`${who}: parts must be safe integers, got ${part}`);
}

/** Combine safe integers (seed, epoch, stream, …) into one well-mixed 32-bit seed; all 53 bits of each part count. */
export function mixSeed(...parts: number[]): number {
  checkParts('mixSeed', parts);
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (const word of [part >>> 0, Math.floor(part / TWO_POW_32) >>> 0]) {
      h = Math.imul(h ^ word, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
    }
  }
  return h >>> 0;
}

/**
 * The audio pipeline's seed mixer (a murmur3-style finaliser over the low 32 bits of each part), a different hash
 * from {@link mixSeed}. The audio batches (`batchAt`) and probe windows of the committed results were drawn with it, so
 * it is kept under its own name for them to reproduce; new streams use {@link mixSeed}.
 */
export function audioMixSeed(...parts: number[]): number {
  checkParts('audioMixSeed', parts);
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
