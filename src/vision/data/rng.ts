/** Seeded pseudo-random numbers (mulberry32) for reproducible shuffles and augmentation; never Math.random. */
import { mulberry32Uint32 } from '../../util/rng.js';

/** A mulberry32 generator: 32-bit state, period 2^32, fast and good enough for shuffling and augmentation. */
export class Rng {
  private readonly draw: () => number;

  /** Start from an integer seed (taken modulo 2^32). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
    this.draw = mulberry32Uint32(seed);
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.draw();
  }

  /** Next uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (bias below n / 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296)
      throw new RangeError(`Rng.int: n must be in 1..2^32, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A uniform random permutation of 0..n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
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

/** Combine integers (seed, epoch, stream, …) into one well-mixed 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    if (!Number.isSafeInteger(p)) throw new RangeError(`mixSeed: parts must be safe integers, got ${p}`);
    for (const word of [p >>> 0, Math.floor(p / 4294967296) >>> 0]) {
      h = Math.imul(h ^ word, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
    }
  }
  return h >>> 0;
}
