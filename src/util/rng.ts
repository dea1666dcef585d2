/** Seeded pseudo-random numbers (mulberry32) for any layer: no dependencies, never Math.random. */

/**
 * A mulberry32 stream of uniform 32-bit unsigned integers (32-bit state, period 2^32). The seed is taken modulo 2^32
 * (`seed >>> 0`) and not checked: callers that want to refuse a bad seed check it first.
 */
export function mulberry32Uint32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform floats in [0, 1): each {@link mulberry32Uint32} draw divided by 2^32 (the seed is likewise unchecked). */
export function mulberry32Floats(seed: number): () => number {
  const next = mulberry32Uint32(seed);
  return () => next() / 4294967296;
}
