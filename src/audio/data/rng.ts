/** Seeded uniform random numbers for the audio data pipeline (mulberry32); never Math.random. */
import { mulberry32Floats } from '../../util/rng.js';

/** A source of uniform floats in [0, 1). */
export type Uniform = () => number;

/** A mulberry32 generator seeded with a safe integer (taken modulo 2^32): uniform floats in [0, 1). */
export function mulberry32(seed: number): Uniform {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`mulberry32: seed must be a safe integer, got ${seed}`);
  return mulberry32Floats(seed);
}

/** A uniform source from a seed (mulberry32) or the given function unchanged. */
export function toUniform(seedOrRng: number | Uniform): Uniform {
  return typeof seedOrRng === 'number' ? mulberry32(seedOrRng) : seedOrRng;
}

/** A uniform integer in [0, n), n ≥ 1, from `rng`; rejects draws outside [0, 1). */
export function randomInt(rng: Uniform, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`randomInt: n must be a positive integer, got ${n}`);
  const u = rng();
  if (!(u >= 0 && u < 1)) throw new RangeError(`randomInt: the uniform source returned ${u}, outside [0, 1)`);
  return Math.floor(u * n);
}
