/** The `distributed` section shared by the audio and vision configs (train.mode 'distributed', src/gim/distributed). */
import { z } from 'zod';
import { DEFAULT_DISTRIBUTED, checkLayout } from '../gim/distributed/layout.js';

const pos = z.number().int().positive();

export const distributedSchema = z
  .object({
    /** Pipeline stages: each owns a contiguous group of modules; WORLD_SIZE / stages replicas per stage. */
    stages: pos,
    /** Q: batches in flight between two stages (bounded staleness, as --mode async's queues). */
    queue: pos,
    /** How long a rank waits for a peer's message or a collective before it fails naming the peer. */
    timeoutMs: pos,
    /** gloo: CPU tensors; nccl: CUDA tensors (a CUDA libtorch with NCCL). */
    backend: z.enum(['gloo', 'nccl']),
  })
  .default({ ...DEFAULT_DISTRIBUTED });

/**
 * The checks of a config's distributed section that need the rest of it: at most one stage per module (the model has
 * model.modelSplits modules). Added to an experiment schema with superRefine.
 */
export function refineDistributed(
  c: { distributed: { stages: number }; model: { modelSplits: number } },
  ctx: z.RefinementCtx,
): void {
  try {
    checkLayout({ stages: c.distributed.stages, modules: c.model.modelSplits });
  } catch (e) {
    ctx.addIssue({
      code: 'custom',
      path: ['distributed', 'stages'],
      message: `${(e as Error).message} (model.modelSplits ${c.model.modelSplits})`,
    });
  }
}
