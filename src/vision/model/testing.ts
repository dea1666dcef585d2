/** Test helpers: structured images (oriented sinusoidal gratings). Not exported from index.ts. */
import { tensor, type Tensor } from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';

/**
 * gratings(B, size, seed) → [B, 1, size, size]: each image a sinusoidal grating of random orientation, period and
 * phase (centred: values in [−1, 1]); with `orientation`, image b is horizontal (label 0) or vertical (label 1).
 */
export function gratings(B: number, size: number, seed: number, labels?: number[]): Tensor {
  // The LCG stream the pinned test images were drawn with (not libtorch's generator), so they stay the same.
  const rng = new Rng(seed, 'lcg');
  const data = new Float32Array(B * size * size);
  for (let b = 0; b < B; b++) {
    const theta = labels === undefined ? rng.next() * Math.PI : labels[b]! * (Math.PI / 2) + (rng.next() - 0.5) * 0.4;
    const period = 6 + rng.next() * 10;
    const phase = rng.next() * 2 * Math.PI;
    const [cx, cy] = [Math.cos(theta), Math.sin(theta)];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        data[(b * size + y) * size + x] = Math.sin((2 * Math.PI * (x * cx + y * cy)) / period + phase);
  }
  return tensor(data, [B, 1, size, size]);
}
