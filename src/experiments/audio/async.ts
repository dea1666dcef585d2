/**
 * The audio experiment's batches for async mode (`train.mode: async`, src/gim/training/async.ts): the same (seed, step)
 * batches as the other modes, as plain arrays that travel to module 1's worker thread.
 */
import { batchAt, disposeBatch } from '../../audio/batches.js';
import type { AsyncBatch } from '../../gim/async/index.js';
import type { AudioData } from './experiment.js';
import type { AudioConfig } from './config.js';

/** audioBatchProducer(config, data): batch(step) as plain arrays for trainAsync (the batches of trainAudio). */
export function audioBatchProducer(config: AudioConfig, data: AudioData): (step: number) => Promise<AsyncBatch> {
  const objective = config.train.objective;
  return async (step) => {
    const b = await batchAt(data.train, config.seed, step, {
      batchSize: config.train.batchSize,
      windowSamples: config.data.windowSamples,
      phones: objective === 'phone',
    });
    try {
      const targets = objective === 'speaker' ? b.speakers : objective === 'phone' ? b.phones! : undefined;
      return {
        x: b.x.data() as Float32Array,
        shape: [...b.x.shape],
        ...(targets === undefined
          ? {}
          : { targets: targets.data() as BigInt64Array, targetsShape: [...targets.shape] }),
      };
    } finally {
      disposeBatch(b);
    }
  };
}
