/**
 * What the async experiments (async-audio.ts, async-vision.ts) share after trainAsync returns: a log line per module,
 * the stack checkpoint assembled from the module checkpoints (<run>/checkpoints/step-XXXXXXX.safetensors, what
 * `gim eval` reads), and the run's outcome in the training loop's terms.
 */
import {
  restoreAsyncModules,
  type AsyncMetric,
  type AsyncTrainArgs,
  type AsyncTrainResult,
  type FaultInjection,
} from '../gim/async/index.js';
import { stackState, type GradientIsolatedStack } from '../gim/index.js';
import { saveCheckpointSync, tidy } from '../tensor/index.js';
import { checkpointPath, pruneCheckpoints, runDir } from './run-dir.js';
import type { TrainOutcome } from './train-loop.js';

/** Options of an async experiment run beyond a synchronous one's: a wall-time budget, a stop signal, hooks, faults. */
export interface AsyncRunOptions {
  maxSeconds?: number;
  signal?: AbortSignal;
  onMetric?: (r: AsyncMetric) => void;
  log?: (line: string) => void;
  /** Test only. */
  fault?: FaultInjection;
}

/** The part of an experiment config async training reads (audio and vision configs share it). */
export interface AsyncTrainConfig {
  seed: number;
  train: {
    lr: number;
    checkpointEvery: number;
    logEvery: number;
    async: { threadsPerModule: number; queueCapacity: number };
  };
}

/** asyncConfigArgs(config): trainAsync's arguments that come straight from the config. */
export function asyncConfigArgs(
  config: AsyncTrainConfig,
): Pick<AsyncTrainArgs, 'seed' | 'adam' | 'threads' | 'queueCapacity' | 'checkpointEvery' | 'logEvery' | 'config'> {
  const t = config.train;
  return {
    seed: config.seed,
    adam: { lr: t.lr },
    threads: t.async.threadsPerModule,
    queueCapacity: t.async.queueCapacity,
    checkpointEvery: t.checkpointEvery,
    logEvery: t.logEvery,
    config,
  };
}

/** asyncRunArgs(o): the options trainAsync takes from AsyncRunOptions (those given), plus the log to use. */
export function asyncRunArgs(
  o: AsyncRunOptions,
): Pick<AsyncTrainArgs, 'maxSeconds' | 'signal' | 'onMetric' | 'fault'> & { log: (line: string) => void } {
  return {
    log: o.log ?? ((line: string) => void process.stderr.write(`${line}\n`)),
    ...(o.maxSeconds === undefined ? {} : { maxSeconds: o.maxSeconds }),
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    ...(o.onMetric === undefined ? {} : { onMetric: o.onMetric }),
    ...(o.fault === undefined ? {} : { fault: o.fault }),
  };
}

/** logAsyncModules(r, log): one line per module — step, samples/s, queue occupancy, staleness, last loss. */
export function logAsyncModules(r: AsyncTrainResult, log: (line: string) => void): void {
  for (const m of r.modules) {
    log(
      `  module ${m.module + 1}: step ${m.step}, ${m.samplesPerSec.toFixed(1)} samples/s, queue ${m.queue.mean.toFixed(2)} ` +
        `(max ${m.queue.max}), staleness ${m.staleness.mean.toFixed(2)} (max ${m.staleness.max}), loss ${m.lastLoss?.toFixed(4) ?? '—'}`,
    );
  }
}

/**
 * saveAsyncStack(run, stack, config): restore every module of `stack` (fresh, with its optimizers) from its newest
 * module checkpoint, save them as one stack checkpoint at the smallest module step (older stack checkpoints pruned),
 * and return that step. The stack stays restored (the caller owns it).
 */
export function saveAsyncStack(run: string, stack: GradientIsolatedStack, config: unknown): number {
  const dir = runDir(run);
  const steps = restoreAsyncModules(run, stack.modules, stack.optimizers);
  const step = Math.min(...steps);
  tidy(() =>
    saveCheckpointSync(checkpointPath(dir, step), {
      tensors: stackState(stack),
      metadata: { config, step, mode: 'async', moduleSteps: steps },
    }),
  );
  pruneCheckpoints(dir, 1);
  return step;
}

/** asyncTrainOutcome(r): a time limit is a finished run; a failure (already reported) counts as interrupted. */
export function asyncTrainOutcome(r: AsyncTrainResult): TrainOutcome {
  return r.outcome === 'time-limit' ? 'finished' : r.outcome === 'failed' ? 'interrupted' : r.outcome;
}
