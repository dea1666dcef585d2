/**
 * Distributed training (train.mode distributed): world = stages × replicas (src/gim/distributed/layout.ts). Stage s
 * owns a contiguous group of modules; stage 0 reads the batches, and each stage sends its detached output activations
 * to the next stage by c10d send/recv, at most Q batches in flight; no message flows backwards.
 */
import type { TrainingStrategy } from './strategy.js';

/** pipelineStrategy(): the strategy of train.mode distributed. */
export function pipelineStrategy(): TrainingStrategy {
  return {
    mode: 'distributed',
    stopMessage: 'stage 0 stops after its current step, the other stages after the batches in flight',
    checkpoints: 'modules',
    train: () => Promise.reject(new Error("train.mode 'distributed': the pipeline is not built yet")),
  };
}
