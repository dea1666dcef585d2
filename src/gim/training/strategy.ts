/**
 * The training shell's two faces. An experiment hands the trainer a TrainingTask (its modules, names and batches) and
 * a typed slice of its config (TrainingConfig); the trainer owns the lifecycle (run folder, resume, seed, signals,
 * metrics, checkpoints, divergence, outcome) and asks a TrainingStrategy — chosen from train.mode in strategyFor, the
 * one place the mode is decided — only how the steps run.
 */
import type { AsyncBatch, AsyncTrainResult, FaultInjection, ModuleFactorySpec } from '../async/index.js';
import type { DistributedConfig } from '../distributed/layout.js';
import type { World } from '../distributed/world.js';
import type { GimModule } from '../module.js';
import type { GradientIsolatedStack, StepMetrics } from '../stack.js';
import type { Tensor } from '../../tensor/index.js';
import type { TrainingProgress } from '../../report/progress.js';
import type { MetricInput } from '../../report/metrics.js';
import type { LrSchedule } from './lr-schedule.js';

/** How the modules of a stack are trained. */
export const trainingModes = ['simultaneous', 'iterative', 'async', 'distributed'] as const;
export type TrainingMode = (typeof trainingModes)[number];

/** The part of an experiment's config the trainer reads (audio and vision configs both have it). */
export interface TrainingConfig {
  seed: number;
  threads: number;
  device: string;
  train: {
    mode: TrainingMode;
    lr: number;
    /** How the rate moves over the run (absent: 'constant'); see lr-schedule.ts. */
    schedule?: LrSchedule;
    checkpointEvery: number;
    logEvery: number;
    /** Iterative mode: train on batches 0..cacheBatches−1 only, frozen modules' outputs cached (0/absent: recompute). */
    cacheBatches?: number;
    /** MiB a cache keeps in memory before spilling to <run>/cache (default 1024). */
    cacheBudgetMB?: number;
    async: { threadsPerModule: number; queueCapacity: number };
  };
  /** Distributed mode: stages, batches in flight, timeout, backend (src/gim/distributed/layout.ts). */
  distributed?: DistributedConfig;
}

/** A batch for one step: the input of module 1 and, for supervised baselines, labels. */
export interface TrainBatch {
  x: Tensor;
  targets?: Tensor;
  dispose(): void;
}

/** What async mode needs beyond a TrainingTask: how a worker thread builds the modules, and batches as plain arrays. */
export interface AsyncTaskParts {
  factory: ModuleFactorySpec;
  batch(step: number): Promise<AsyncBatch>;
}

/** What an experiment hands the trainer. */
export interface TrainingTask {
  /** Fresh modules; the trainer has seeded libtorch's generator just before. */
  buildModules(): GimModule[];
  moduleNames: string[];
  /** The batch of step `step`, a pure function of (seed, step) so that resume replays the same data. */
  batch(step: number): Promise<TrainBatch>;
  /** Async mode's parts; throws (saying why) where the experiment cannot train asynchronously. */
  asyncParts?(): AsyncTaskParts;
}

/** What a strategy is given: the restored stack, where it starts, and the trainer's hooks. */
export interface TrainingSession {
  stack: GradientIsolatedStack;
  task: TrainingTask;
  run: string;
  config: TrainingConfig;
  /** The whole config, stored with every checkpoint. */
  storedConfig: unknown;
  /** Steps (or, cached iterative, module updates) done before this call: 0, or the resumed checkpoint's step. */
  start: number;
  /** Whether the run continues from checkpoints (async: the workers continue from their modules' own). */
  resumed: boolean;
  steps: number;
  progress: TrainingProgress;
  /** Aborts on Ctrl-C, SIGTERM or the caller's signal. */
  stop: AbortSignal;
  /** One step (or one module update) is done: divergence check, metrics at logEvery, progress, checkpoint cadence. */
  stepDone(done: CompletedStep): void;
  /** A metrics line (a cache build, an async summary). */
  record(record: MetricInput): void;
  log(line: string): void;
  /** Async only. */
  asyncOptions: AsyncOptions;
  /** Distributed only: the world this rank joined. */
  world?: World;
}

/** One finished step: its number (1-based: steps done), each trained module's metrics, and its wall time. */
export interface CompletedStep {
  step: number;
  results: readonly StepMetrics[];
  seconds: number;
  /** More fields for the metrics lines (e.g. the epoch of a cached update). */
  extra?: Record<string, number>;
}

/** Options of async runs: a wall-time budget, progress hooks, and test-only fault injection. */
export interface AsyncOptions {
  /** Stop every worker (saving) this many seconds after all are ready: counts as finished. */
  maxSeconds?: number;
  /** Test only: make one module fail. */
  fault?: FaultInjection;
}

/** How a strategy's run ended. */
export interface StrategyEnd {
  /** Steps done (resumed ones included). */
  step: number;
  stopped: boolean;
  /** Async runs: the workers' own summary. */
  async?: AsyncTrainResult;
  /** Async runs: a worker's loss diverged (it kept its last healthy checkpoint). */
  diverged?: boolean;
}

/** A way of running the steps of a run. */
export interface TrainingStrategy {
  mode: TrainingMode;
  /** What Ctrl-C promises while this strategy runs. */
  stopMessage: string;
  /**
   * Where its checkpoints live: 'stack' (the trainer saves and restores <run>/checkpoints/step-*), or 'modules' (each
   * module's worker saves its own, <run>/checkpoints/module<m>/, and the strategy resumes and assembles them).
   */
  checkpoints: 'stack' | 'modules';
  /** Whether it sets the rate of each step from train.schedule (the others train at a constant train.lr). */
  followsSchedule?: boolean;
  /** Refuse, before the run folder is touched, a task or config this strategy cannot train (saying why). */
  check?(task: TrainingTask, config: TrainingConfig): void;
  train(session: TrainingSession): Promise<StrategyEnd>;
}
