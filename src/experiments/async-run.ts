/**
 * What the async experiments (async-audio.ts, async-vision.ts) share after trainAsync returns: a log line per module,
 * the stack checkpoint assembled from the module checkpoints (<run>/checkpoints/step-XXXXXXX.safetensors, what
 * `gim eval` reads), and the run's outcome in the training loop's terms.
 */
import fs from 'node:fs';
import {
  moduleCheckpointDir,
  restoreAsyncModules,
  type AsyncMetric,
  type AsyncTrainArgs,
  type AsyncTrainResult,
  type FaultInjection,
} from '../gim/async/index.js';
import { stackState, type GradientIsolatedStack } from '../gim/index.js';
import {
  checkResumeConfig,
  disposeCheckpoint,
  newestIntactCheckpoint,
  openRunFolder,
  truncateMetrics,
} from '../gim/run-folder.js';
import { saveCheckpointSync, tidy } from '../tensor/index.js';
import { writeJsonAtomic } from '../util/fs.js';
import { checkpointPath, pruneCheckpoints, runDir } from '../gim/run-dir.js';
import { RESUMABLE_KEYS, type TrainOutcome, type TrainResult } from '../gim/train-loop.js';

/** What openAsyncRun needs: the run folder, how to open it, the requested config, and the number of modules. */
export interface OpenAsyncRunArgs {
  run: string;
  resume: boolean;
  overwrite?: boolean;
  config: unknown;
  modules: number;
  log: (line: string) => void;
}

/**
 * openAsyncRun(a): the run folder opened as the training loop opens it (refused when it holds another run, stale
 * temporary files removed); on resume every module falls back to its newest intact checkpoint, module 1's config is
 * checked against the requested one, and metrics.jsonl is cut back to each module's step. Then config.json is written.
 */
export function openAsyncRun(a: OpenAsyncRunArgs): void {
  openRunFolder({ root: a.run, resume: a.resume, overwrite: a.overwrite ?? false, log: a.log });
  if (a.resume) {
    const steps = Array.from({ length: a.modules }, (_, m) => {
      const dir = moduleCheckpointDir(a.run, m);
      const point = newestIntactCheckpoint(dir, a.log);
      if (point === null)
        throw new Error(`--resume: ${dir} holds no intact checkpoint of module ${m + 1} (is this an async run?)`);
      try {
        const changed = checkResumeConfig({
          file: point.file,
          stored: point.checkpoint.config,
          requested: a.config,
          resumable: RESUMABLE_KEYS,
        });
        if (m === 0 && changed.length > 0) a.log(`resume: changed ${changed.join(', ')}`);
      } finally {
        disposeCheckpoint(point.checkpoint);
      }
      return point.checkpoint.step;
    });
    const first = Math.min(...steps);
    truncateMetrics(
      runDir(a.run).metrics,
      (r) => r.step <= (r.module === undefined ? first : (steps[r.module] ?? first)),
    );
  }
  fs.mkdirSync(runDir(a.run).checkpoints, { recursive: true });
  writeJsonAtomic(runDir(a.run).config, a.config);
}

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

/** The signal that stopped an async run, in a TrainResult's terms. */
export function asyncSignal(r: AsyncTrainResult): Pick<TrainResult, 'signal'> {
  return r.signal === undefined ? {} : { signal: r.signal };
}
