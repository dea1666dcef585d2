/** Test helpers for async audio runs: a narrow audio encoder and batches of sinusoids (a signal modules can predict). */
import type { AudioEncoderConfig } from '../../audio/model.js';
import type { AsyncBatch } from '../../gim/async/index.js';
import { Rng } from '../../util/rng.js';

/** narrowAudioEncoder(layers): 8 channels, 8 hidden, the first `layers` conv layers of [10/5, 8/4, 4/2], one module each. */
export function narrowAudioEncoder(layers: 2 | 3): AudioEncoderConfig {
  return {
    channels: 8,
    kernels: [10, 8, 4].slice(0, layers),
    strides: [5, 4, 2].slice(0, layers),
    paddings: [2, 2, 2].slice(0, layers),
    hidden: 8,
    modelSplits: layers,
    predictionSteps: 3,
    negativeSamples: 4,
    window: null,
    noBPTT: false,
  };
}

/** What sinusoidBatches draws: batch size, samples per window, the seed of step 0, and whether phases are random. */
export interface SinusoidBatchesArgs {
  batch: number;
  samples: number;
  seed: number;
  randomPhase: boolean;
}

/** sinusoidBatches(args): batch(step) of sinusoids [batch, 1, samples], frequency (and phase) drawn from seed + step. */
export function sinusoidBatches(args: SinusoidBatchesArgs): (step: number) => Promise<AsyncBatch> {
  const { batch, samples } = args;
  return (step) => {
    const rng = new Rng(args.seed + step);
    const x = new Float32Array(batch * samples);
    for (let b = 0; b < batch; b++) {
      const frequency = 0.01 + 0.1 * rng.next();
      const phase = args.randomPhase ? 2 * Math.PI * rng.next() : 0;
      for (let t = 0; t < samples; t++) x[b * samples + t] = Math.sin(frequency * t + phase);
    }
    return Promise.resolve({ x, shape: [batch, 1, samples] });
  };
}
