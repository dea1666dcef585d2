/**
 * The vision experiment in async mode (`train.mode: async`): the config's InfoNCE modules (GIM: one per ResNet stage;
 * CPC: one), one worker thread each, fed with the same (seed, step) batches as the other modes (TrainBatches over the
 * pretraining images). Between workers travel the modules' 6-D patch-grid maps [B, gh, gw, C, h, w] as plain arrays.
 * At the end the modules' newest checkpoints are assembled into one stack checkpoint so that `gim eval --probe class`
 * reads an async run like any other.
 *
 * Supervised baselines are not trained asynchronously (their modules take labels by reference, not through the
 * queues): train.objective 'supervised' is rejected. Async workers run on the CPU: a non-CPU device is rejected.
 */
import { trainAsync, type AsyncBatch, type AsyncTrainResult } from '../../gim/async/index.js';
import { visionModuleSpec } from '../async-factories.js';
import {
  asyncConfigArgs,
  asyncRunArgs,
  asyncSignal,
  asyncTrainOutcome,
  logAsyncModules,
  openAsyncRun,
  saveAsyncStack,
  type AsyncRunOptions,
} from '../async-run.js';
import type { TrainResult } from '../../gim/train-loop.js';
import { buildVisionStack, encoderOf, type TrainVisionArgs } from './experiment.js';
import type { VisionConfig } from './config.js';
import { TrainBatches, totalSteps, type VisionData } from './data.js';

/** Options beyond a synchronous run's: a wall-time budget, a stop signal, hooks, and test-only fault injection. */
export interface TrainVisionAsyncArgs extends TrainVisionArgs, AsyncRunOptions {}

/** A TrainResult (stack assembled from the module checkpoints) plus the async run's own summary. */
export interface AsyncVisionResult extends TrainResult {
  async: AsyncTrainResult;
}

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

/** trainVisionAsync(config, data, args): train in async mode, then assemble the stack checkpoint; see the file comment. */
export async function trainVisionAsync(
  config: VisionConfig,
  data: VisionData,
  args: TrainVisionAsyncArgs,
): Promise<AsyncVisionResult> {
  if (config.train.objective !== 'infonce') {
    throw new Error(
      `train.mode 'async': the supervised vision baselines do not train asynchronously (train.objective ` +
        `'${config.train.objective}'); use train.mode simultaneous or iterative, or train.objective infonce`,
    );
  }
  if (config.device !== 'cpu')
    throw new Error(`train.mode 'async' trains on the CPU (one worker thread per module): set device=cpu`);
  const options = asyncRunArgs(args);
  openAsyncRun({ ...args, config, modules: config.model.modelSplits, log: options.log });
  const r = await trainAsync({
    run: args.run,
    factory: visionModuleSpec(encoderOf(config)),
    batch: visionBatchProducer(config, data),
    steps: totalSteps(config, data.pretrain.n),
    ...asyncConfigArgs(config),
    resume: args.resume,
    ...options,
  });
  logAsyncModules(r, options.log);
  const stack = buildVisionStack(config, data.classes);
  const step = saveAsyncStack(args.run, stack, config);
  return { stack, step, outcome: asyncTrainOutcome(r), seconds: r.seconds, ...asyncSignal(r), async: r };
}
