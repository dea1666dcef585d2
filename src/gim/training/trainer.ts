/**
 * The training shell, read top to bottom: pick the strategy (strategyFor) → threads → check and open the run folder
 * (refusing to mix runs) → find the resume point → write config.json → seed, build the modules, seed again → restore
 * → run the strategy, which reports each step back (divergence check, metrics, progress, checkpoint cadence) →
 * final checkpoint → outcome. Ctrl-C or SIGTERM (registered here, once) saves after the current step and stops; a
 * diverging loss (non-finite or exploding) stops without saving and deletes the checkpoints whose weights already carry
 * the explosion, so the newest one left is healthy.
 */
import fs from 'node:fs';
import { DivergenceGuard, largestParameter, type Divergence, type DivergenceGuardArgs } from '../divergence.js';
import {
  checkResumeConfig,
  disposeCheckpoint,
  newestIntactCheckpoint,
  openRunFolder,
  truncateMetrics,
  type ResumePoint,
} from '../run-folder.js';
import { listCheckpoints, runDir, writeCheckpoint, type RunDir } from '../run-dir.js';
import { GradientIsolatedStack, NonFiniteLossError } from '../stack.js';
import { restoreStack, stackState } from '../state.js';
import { MetricsWriter, type MetricInput } from '../../report/metrics.js';
import { TrainingProgress } from '../../report/progress.js';
import { getRngState, manualSeed, setNumThreads, setRngState, type Device } from '../../tensor/index.js';
import { writeJsonAtomic } from '../../util/fs.js';
import { watchInterrupts, type StopSignalName } from '../../util/interrupt.js';
import { asyncStrategy, resumeAsyncModules } from './async.js';
import { cachedIterativeStrategy } from './cached.js';
import { onDevice } from './device.js';
import { pipelineStrategy } from './pipeline.js';
import { stepwiseStrategy } from './stepwise.js';
import type {
  AsyncOptions,
  CompletedStep,
  TrainingConfig,
  TrainingSession,
  TrainingStrategy,
  TrainingTask,
} from './strategy.js';
import type { AsyncTrainResult } from '../async/index.js';
import type { World } from '../distributed/world.js';

/** How a run is opened and watched, beyond what its config says. */
export interface TrainArgs {
  run: string;
  /** The experiment's config: the trainer reads its TrainingConfig part and stores all of it with every checkpoint. */
  config: TrainingConfig;
  /** Steps of the run (an experiment may derive them, e.g. from epochs). */
  steps: number;
  resume: boolean;
  /** Replace a run already in the folder (without it a non-empty folder is refused unless resumed). */
  overwrite?: boolean;
  /** Config keys (or prefixes) that may differ from the checkpoint's config on resume (default: RESUMABLE_KEYS). */
  resumableKeys?: readonly string[];
  /** When the run counts as diverged (default: non-finite, or 10× its running median, or a weight above 1e5). */
  divergence?: DivergenceGuardArgs;
  /** Checkpoints kept on disk (newest first, default 3). */
  keepCheckpoints?: number;
  interactive?: boolean;
  log?: (line: string) => void;
  /** Stop (as Ctrl-C does) when this signal aborts. */
  signal?: AbortSignal;
  /** Async mode: a wall-time budget and test-only fault injection. */
  asyncOptions?: AsyncOptions;
  /**
   * Distributed mode: the world this rank joined. Rank 0 opens the run folder (and on resume cuts the metrics back);
   * the others start once it has.
   */
  world?: World;
}

/** What an experiment's train function takes: everything but the config and the number of steps. */
export type TrainRunArgs = Omit<TrainArgs, 'config' | 'steps'>;

export type TrainOutcome = 'finished' | 'interrupted' | 'diverged';

export interface TrainResult {
  stack: GradientIsolatedStack;
  step: number;
  outcome: TrainOutcome;
  seconds: number;
  /** The signal that interrupted the run (outcome 'interrupted'). */
  signal?: StopSignalName;
  /** Async runs: the workers' own summary (step, speed, queues, staleness per module). */
  async?: AsyncTrainResult;
}

/** Keys a resumed run may change in any experiment's config: length, learning rate, logging, threads, evaluation. */
export const RESUMABLE_KEYS: readonly string[] = [
  'name',
  'threads',
  'device',
  'data.skipBad',
  'train.steps',
  'train.epochs',
  'train.lr',
  'train.checkpointEvery',
  'train.logEvery',
  'train.cacheBudgetMB',
  'train.async.threadsPerModule',
  'train.async.queueCapacity',
  'distributed',
  'probe',
  'figure',
];

/** strategyFor(config): the one place train.mode (and train.cacheBatches) choose how the steps run. */
export function strategyFor(config: TrainingConfig): TrainingStrategy {
  const { mode, cacheBatches = 0 } = config.train;
  if (mode === 'async') return asyncStrategy();
  if (mode === 'distributed') return pipelineStrategy();
  if (mode === 'iterative' && cacheBatches > 0) return cachedIterativeStrategy(cacheBatches);
  return stepwiseStrategy(mode);
}

class Diverged extends Error {
  constructor(readonly divergence: Divergence) {
    super(divergence.reason);
  }
}

/** train(task, args): run the task's modules for args.steps steps as the config's train.mode says; see the file comment. */
export async function train(task: TrainingTask, args: TrainArgs): Promise<TrainResult> {
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const { config } = args;
  const strategy = strategyFor(config);
  strategy.check?.(task, config);
  const schedule = config.train.schedule ?? 'constant';
  if (schedule !== 'constant' && strategy.followsSchedule !== true)
    throw new Error(
      `train.schedule '${schedule}' is followed by train.mode simultaneous and iterative (without ` +
        `train.cacheBatches); train.mode '${strategy.mode}' trains at a constant train.lr`,
    );
  const resumable = args.resumableKeys ?? RESUMABLE_KEYS;
  const keep = args.keepCheckpoints ?? 3;
  setNumThreads(config.threads);

  // --- run folder (checked before anything is written), the resume point, config.json
  const run: RunDir = runDir(args.run);
  const leads = args.world === undefined || args.world.rank === 0;
  if (leads) openRunFolder({ root: run.root, resume: args.resume, overwrite: args.overwrite ?? false, log });
  const point = args.resume && strategy.checkpoints === 'stack' ? stackResumePoint(run, config, resumable, log) : null;
  let start = 0;
  if (args.resume && strategy.checkpoints === 'modules') {
    const modules = task.moduleNames.length;
    const continueFrom = strategy.mode === 'distributed' ? 'common' : 'own';
    const steps = resumeAsyncModules({ run: run.root, modules, config, resumable, log, truncate: leads, continueFrom });
    start = Math.min(...steps);
    if (leads) log(`resume: modules continue from steps ${steps.join(', ')} (of ${args.steps})`);
  }
  if (leads) {
    fs.mkdirSync(run.checkpoints, { recursive: true });
    writeJsonAtomic(run.config, config);
  }
  if (args.world !== undefined) await args.world.group.barrier().wait(); // the others start once the folder is open

  // --- the model: initial weights from the seed; then the training stream starts again from the seed, so that
  // batches and negatives do not depend on how many draws the initialisation took
  manualSeed(config.seed);
  const modules = task.buildModules();
  manualSeed(config.seed);
  const placed = onDevice(task, modules, config.device as Device);
  const stack = new GradientIsolatedStack(modules, { lr: config.train.lr });
  if (point !== null)
    start = restoreFromPoint(stack, point, schedule === 'constant' ? config.train.lr : null, run, log);

  // --- the lifecycle: divergence guard, checkpoints, metrics, progress, Ctrl-C
  const guard = new DivergenceGuard(args.divergence);
  let step = start;
  let savedStep = point === null ? -1 : start;
  const save = (): void => {
    const weights = guard.checkWeights(step, largestParameter(stack.modules));
    if (weights !== null) throw new Diverged(weights);
    writeCheckpoint({
      dir: run.checkpoints,
      state: () => stackState(stack),
      metadata: { config, step, rngState: getRngState(), mode: strategy.mode },
      keep,
    });
    savedStep = step;
  };
  const metrics = new MetricsWriter(run.metrics);
  const progress = new TrainingProgress(task.moduleNames, args.steps, config.train.logEvery, args.interactive);
  const stop = new AbortController();
  const interrupts = watchInterrupts({ log, message: strategy.stopMessage, onStop: () => stop.abort() });
  const onAbort = (): void => stop.abort();
  if (args.signal?.aborted === true) onAbort();
  args.signal?.addEventListener('abort', onAbort);

  const stepDone = (done: CompletedStep): void => {
    for (const r of done.results) {
      const d = guard.observe(done.step - 1, r.module, r.loss);
      if (d !== null) throw new Diverged(d);
    }
    const { logEvery, checkpointEvery } = config.train;
    if (done.step % logEvery === 0 || done.step === 1) {
      for (const r of done.results)
        metrics.log({
          step: done.step,
          module: r.module,
          loss: r.loss,
          ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }),
          ...done.extra,
          seconds: done.seconds,
        });
    }
    progress.stepDone(done.step - 1);
    step = done.step;
    if (strategy.checkpoints === 'stack' && (step % checkpointEvery === 0 || stop.signal.aborted)) save();
  };
  const session: TrainingSession = {
    stack,
    task: placed,
    run: run.root,
    config,
    storedConfig: config,
    start,
    resumed: args.resume,
    steps: args.steps,
    progress,
    stop: stop.signal,
    stepDone,
    record: (record: MetricInput) => metrics.log(record),
    log,
    asyncOptions: args.asyncOptions ?? {},
    ...(args.world === undefined ? {} : { world: args.world }),
  };

  const started = performance.now();
  let outcome: TrainOutcome = 'finished';
  let divergence: Divergence | null = null;
  let asyncSummary: AsyncTrainResult | undefined;
  try {
    const end = await strategy.train(session);
    step = end.step;
    asyncSummary = end.async;
    if (end.diverged === true) outcome = 'diverged';
    else if (end.stopped) outcome = 'interrupted';
    if (strategy.checkpoints === 'stack' && savedStep !== step) save();
  } catch (e) {
    const d =
      e instanceof Diverged
        ? e.divergence
        : e instanceof NonFiniteLossError
          ? { fromStep: step, module: e.module, reason: e.message.replace(/; stopping.*$/, '') }
          : null;
    if (d === null) throw e;
    outcome = 'diverged';
    divergence = d;
  } finally {
    progress.stop();
    metrics.close();
    interrupts.dispose();
    args.signal?.removeEventListener('abort', onAbort);
  }
  if (divergence !== null) discardDiverged(run, divergence, log);
  const signal = interrupts.signal;
  return {
    stack,
    step,
    outcome,
    seconds: (performance.now() - started) / 1000,
    ...(signal === null ? {} : { signal }),
    ...(asyncSummary === undefined ? {} : { async: asyncSummary }),
  };
}

/** The optimizers' lr in a loaded stack checkpoint (module 0's Adam), or undefined for a layout without one. */
function storedLr(point: ResumePoint): number | undefined {
  const lr = point.checkpoint.tensors.get('module0.optim.lr');
  return lr === undefined ? undefined : lr.item();
}

/**
 * stackResumePoint(run, config, resumable, log): after openRunFolder, the checkpoint a resumed run starts from, its
 * config checked against the requested one (nothing is written before this passes).
 */
function stackResumePoint(
  run: RunDir,
  config: TrainingConfig,
  resumable: readonly string[],
  log: (line: string) => void,
): ResumePoint {
  const point = newestIntactCheckpoint(run.checkpoints, log);
  if (point === null)
    throw new Error(
      `--resume: ${run.checkpoints} holds no intact checkpoint to resume from (start over with --overwrite)`,
    );
  try {
    const changed = checkResumeConfig({
      file: point.file,
      stored: point.checkpoint.config,
      requested: config,
      resumable,
    });
    if (changed.length > 0) log(`resume: changed ${changed.join(', ')} (recorded in ${run.config})`);
  } catch (e) {
    disposeCheckpoint(point.checkpoint);
    throw e;
  }
  return point;
}

/**
 * restoreFromPoint(stack, point, lr, run, log): model, optimizers, RNG and step from the checkpoint (the requested lr
 * wins; null: a schedule sets it each step); metrics.jsonl cut back to its step. Returns the step.
 */
function restoreFromPoint(
  stack: GradientIsolatedStack,
  point: ResumePoint,
  lr: number | null,
  run: RunDir,
  log: (line: string) => void,
): number {
  let step: number;
  try {
    restoreStack(point.checkpoint.tensors, stack);
    if (point.checkpoint.rngState) setRngState(point.checkpoint.rngState);
    step = point.checkpoint.step;
    const before = storedLr(point);
    if (lr !== null) for (const optimizer of stack.optimizers) optimizer.lr = lr;
    if (lr !== null && before !== undefined && before !== lr) log(`resume: lr ${before} → ${lr}`);
  } catch (e) {
    stack.dispose();
    throw e;
  } finally {
    disposeCheckpoint(point.checkpoint);
  }
  const dropped = truncateMetrics(run.metrics, (r) => r.step <= step);
  log(`resumed from ${point.file} at step ${step}${dropped > 0 ? ` (${dropped} metrics lines after it dropped)` : ''}`);
  return step;
}

/** After a divergence: delete the checkpoints of step ≥ fromStep; returns the newest one kept (or null). */
function discardDiverged(run: RunDir, divergence: Divergence, log: (line: string) => void): number | null {
  const all = listCheckpoints(run);
  const bad = all.filter((c) => c.step >= divergence.fromStep);
  for (const c of bad) fs.rmSync(c.file, { force: true });
  const kept = all.filter((c) => c.step < divergence.fromStep).at(-1) ?? null;
  log(
    `\ndiverged: ${divergence.reason}; ` +
      (bad.length > 0 ? `deleted the checkpoints of steps ${bad.map((c) => c.step).join(', ')}; ` : '') +
      (kept === null ? 'no healthy checkpoint remains' : `kept the checkpoint of step ${kept.step} (${kept.file})`),
  );
  return kept?.step ?? null;
}
