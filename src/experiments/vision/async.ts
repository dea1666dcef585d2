/**
 * The vision experiment's batches for async mode (`train.mode: async`, src/gim/training/async.ts): the same (seed, step)
 * batches as the other modes (TrainBatches over the pretraining images), as plain arrays for module 1's worker thread.
 * Between workers travel the modules' 6-D patch-grid maps [B, gh, gw, C, h, w] as plain arrays.
 */
import type { AsyncBatch } from '../../gim/async/index.js';
import type { VisionConfig } from './config.js';
import { TrainBatches, type VisionData } from './data.js';

/** visionBatchProducer(config, data): batch(step) as plain arrays for trainAsync (trainVision's InfoNCE batches). */
export function visionBatchProducer(config: VisionConfig, data: VisionData): (step: number) => Promise<AsyncBatch> {
  const batches = new TrainBatches(config, data.pretrain);
  return (step) => {
    const { x, y } = batches.at(step);
    try {
      return Promise.resolve({ x: x.data() as Float32Array, shape: [...x.shape] });
    } finally {
      x.dispose();
      y.dispose();
    }
  };
}
