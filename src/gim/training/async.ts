/**
 * Async training (train.mode async): every module in its own worker thread, fed through bounded queues (trainAsync in
 * ../async/train.ts). Each worker saves its own module (its weights live in its thread) to
 * <run>/checkpoints/module<m>/; at the end the modules' newest checkpoints are assembled into one stack checkpoint
 * (<run>/checkpoints/step-XXXXXXX.safetensors) so that eval reads an async run like any other.
 */
import {
  listModuleCheckpoints,
  moduleCheckpointDir,
  restoreAsyncModules,
  trainAsync,
  type AsyncTrainResult,
} from '../async/index.js';
import { checkResumeConfig, disposeCheckpoint, newestIntactCheckpoint, truncateMetrics } from '../run-folder.js';
import { runDir, writeCheckpoint } from '../run-dir.js';
import { stackState } from '../state.js';
import type {
  AsyncTaskParts,
  StrategyEnd,
  TrainingConfig,
  TrainingSession,
  TrainingStrategy,
  TrainingTask,
} from './strategy.js';

/** asyncStrategy(): the strategy of train.mode async. */
export function asyncStrategy(): TrainingStrategy {
  return {
    mode: 'async',
    stopMessage: 'every module saves a checkpoint after its current step (Ctrl-C again to quit now)',
    checkpoints: 'modules',
    check: (task, config) => void asyncPartsOf(task, config),
    train: trainAsyncModules,
  };
}

/** The task's async parts, or an error saying why this task or config cannot train asynchronously. */
function asyncPartsOf(task: TrainingTask, config: TrainingConfig): AsyncTaskParts {
  if (task.asyncParts === undefined) throw new Error(`train.mode 'async': this experiment cannot train asynchronously`);
  const parts = task.asyncParts();
  if (config.device !== 'cpu')
    throw new Error(
      `train.mode 'async' trains on the CPU (one worker thread per module): set device=cpu, not '${config.device}'`,
    );
  return parts;
}

/**
 * resumeAsyncModules(args): on resume, every module's newest intact checkpoint (damaged ones set aside), its config
 * checked against the requested one, and metrics.jsonl cut back to each module's step. Returns the modules' steps.
 */
export function resumeAsyncModules(args: {
  run: string;
  modules: number;
  config: unknown;
  resumable: readonly string[];
  log: (line: string) => void;
  /** Cut metrics.jsonl back to each module's step (default true; false: only read, e.g. on ranks other than 0). */
  truncate?: boolean;
  /**
   * 'own' (async): each module continues from its newest checkpoint. 'common' (distributed): every module continues
   * from the newest step all of them have a checkpoint of (stages of a pipeline save at different times).
   */
  continueFrom?: 'own' | 'common';
}): number[] {
  const steps = Array.from({ length: args.modules }, (_, m) => {
    const dir = moduleCheckpointDir(args.run, m);
    const point = newestIntactCheckpoint(dir, args.log);
    if (point === null)
      throw new Error(`--resume: ${dir} holds no intact checkpoint of module ${m + 1} (is this an async run?)`);
    try {
      const changed = checkResumeConfig({
        file: point.file,
        stored: point.checkpoint.config,
        requested: args.config,
        resumable: args.resumable,
      });
      if (m === 0 && changed.length > 0 && args.truncate !== false) args.log(`resume: changed ${changed.join(', ')}`);
    } finally {
      disposeCheckpoint(point.checkpoint);
    }
    return point.checkpoint.step;
  });
  if (args.continueFrom === 'common') {
    const step = commonModuleStep(args.run, args.modules);
    steps.fill(step);
  }
  const first = Math.min(...steps);
  if (args.truncate === false) return steps;
  truncateMetrics(
    runDir(args.run).metrics,
    (r) => r.step <= (r.module === undefined ? first : (steps[r.module] ?? first)),
  );
  return steps;
}

/** The newest step of which every module has a checkpoint, or an error listing what each module has. */
function commonModuleStep(run: string, modules: number): number {
  const held = Array.from({ length: modules }, (_, m) =>
    listModuleCheckpoints(moduleCheckpointDir(run, m)).map((c) => c.step),
  );
  const common = held[0]!.filter((step) => held.every((steps) => steps.includes(step)));
  if (common.length === 0)
    throw new Error(
      `--resume: the modules of ${run} have no checkpoint of one same step to restart from together ` +
        `(${held.map((steps, m) => `module ${m + 1}: steps ${steps.join(', ') || 'none'}`).join('; ')})`,
    );
  return Math.max(...common);
}

async function trainAsyncModules(session: TrainingSession): Promise<StrategyEnd> {
  const parts = asyncPartsOf(session.task, session.config);
  const { train, seed } = session.config;
  const r = await trainAsync({
    run: session.run,
    factory: parts.factory,
    batch: parts.batch,
    steps: session.steps,
    seed,
    adam: { lr: train.lr },
    threads: train.async.threadsPerModule,
    queueCapacity: train.async.queueCapacity,
    checkpointEvery: train.checkpointEvery,
    logEvery: train.logEvery,
    config: session.storedConfig,
    resume: session.resumed,
    signal: session.stop,
    record: (line) => session.record(line),
    log: (line) => session.log(line),
    ...session.asyncOptions,
  });
  logModules(r, session.log);
  const step = assembleStack(session, 'async');
  return {
    step,
    stopped: r.outcome === 'interrupted' || r.outcome === 'failed',
    async: r,
    diverged: r.outcome === 'diverged',
  };
}

/** One line per module: step, samples/s, queue occupancy, staleness, last loss. */
function logModules(r: AsyncTrainResult, log: (line: string) => void): void {
  for (const m of r.modules) {
    log(
      `  module ${m.module + 1}: step ${m.step}, ${m.samplesPerSec.toFixed(1)} samples/s, queue ${m.queue.mean.toFixed(2)} ` +
        `(max ${m.queue.max}), staleness ${m.staleness.mean.toFixed(2)} (max ${m.staleness.max}), loss ${m.lastLoss?.toFixed(4) ?? '—'}`,
    );
  }
}

/**
 * assembleStack(session): restore every module of the stack (with its optimizer) from its newest module checkpoint,
 * save them as one stack checkpoint at the smallest module step (older stack checkpoints pruned); returns that step.
 */
export function assembleStack(session: TrainingSession, mode: 'async' | 'distributed'): number {
  const { stack } = session;
  const steps = restoreAsyncModules(session.run, stack.modules, stack.optimizers);
  const step = Math.min(...steps);
  writeCheckpoint({
    dir: runDir(session.run).checkpoints,
    state: () => stackState(stack),
    metadata: { config: session.storedConfig, step, mode, moduleSteps: steps },
    keep: 1,
  });
  return step;
}
