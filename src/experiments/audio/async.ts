/**
 * The audio experiment in async mode (`train.mode: async`): the config's modules, one worker thread each, fed with
 * the same (seed, step) batches as the other modes. At the end the modules' newest checkpoints are assembled into one
 * stack checkpoint (<run>/checkpoints/step-XXXXXXX.safetensors) so that `gim eval` reads an async run like any other.
 */
import { batchAt, disposeBatch } from '../../audio/batches.js';
import { trainAsync, type AsyncBatch, type AsyncTrainResult } from '../../gim/async/index.js';
import { buildAudioStack, objectiveOf, type AudioData, type TrainAudioArgs } from './experiment.js';
import type { AudioConfig } from './config.js';
import { audioModuleSpec } from '../async-factories.js';
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

/** Options beyond a synchronous run's: a wall-time budget, a stop signal, hooks, and test-only fault injection. */
export interface TrainAudioAsyncArgs extends TrainAudioArgs, AsyncRunOptions {}

/** A TrainResult (stack assembled from the module checkpoints) plus the async run's own summary. */
export interface AsyncAudioResult extends TrainResult {
  async: AsyncTrainResult;
}

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

/** trainAudioAsync(config, data, args): train in async mode, then assemble the stack checkpoint; see the file comment. */
export async function trainAudioAsync(
  config: AudioConfig,
  data: AudioData,
  args: TrainAudioAsyncArgs,
): Promise<AsyncAudioResult> {
  const options = asyncRunArgs(args);
  openAsyncRun({ ...args, config, modules: config.model.modelSplits, log: options.log });
  const r = await trainAsync({
    run: args.run,
    factory: audioModuleSpec(config.model, objectiveOf(config, data)),
    batch: audioBatchProducer(config, data),
    steps: config.train.steps,
    ...asyncConfigArgs(config),
    resume: args.resume,
    ...options,
  });
  logAsyncModules(r, options.log);
  const stack = buildAudioStack(config, data);
  const step = saveAsyncStack(args.run, stack, config);
  return { stack, step, outcome: asyncTrainOutcome(r), seconds: r.seconds, ...asyncSignal(r), async: r };
}
