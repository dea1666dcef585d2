/** Test helpers: structured images (oriented sinusoidal gratings). Not exported from index.ts. */
import { tensor, type Tensor } from '../../tensor/index.js';

/** Deterministic uniform numbers in [0, 1) (an LCG), so the images do not depend on libtorch's generator. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * gratings(B, size, seed) → [B, 1, size, size]: each image a sinusoidal grating of random orientation, period and
 * phase (centred: values in [−1, 1]); with `orientation`, image b is horizontal (label 0) or vertical (label 1).
 */
export function gratings(B: number, size: number, seed: number, labels?: number[]): Tensor {
  const rnd = lcg(seed);
  const data = new Float32Array(B * size * size);
  for (let b = 0; b < B; b++) {
    const theta = labels === undefined ? rnd() * Math.PI : labels[b]! * (Math.PI / 2) + (rnd() - 0.5) * 0.4;
    const period = 6 + rnd() * 10;
    const phase = rnd() * 2 * Math.PI;
    const [cx, cy] = [Math.cos(theta), Math.sin(theta)];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        data[(b * size + y) * size + x] = Math.sin((2 * Math.PI * (x * cx + y * cy)) / period + phase);
  }
  return tensor(data, [B, 1, size, size]);
}
