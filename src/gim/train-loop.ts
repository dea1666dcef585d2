/**
 * The training loop, read top to bottom: open the run folder (refusing to mix runs) → restore or start → for each
 * step: batch → every module's own update → metrics → checkpoint at intervals → final checkpoint. Ctrl-C or SIGTERM
 * saves after the current step and stops; a diverging loss (non-finite or exploding) stops without saving and deletes
 * the checkpoints whose weights already carry the explosion, so the newest one left is healthy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DivergenceGuard, largestParameter, type Divergence, type DivergenceGuardArgs } from './divergence.js';
import {
  checkResumeConfig,
  disposeCheckpoint,
  newestIntactCheckpoint,
  openRunFolder,
  truncateMetrics,
  type ResumePoint,
} from './run-folder.js';
import {
  GradientIsolatedStack,
  NonFiniteLossError,
  restoreStack,
  stackState,
  trainIterativeCached,
  type GimModule,
  type TrainingMode,
} from './index.js';
import { MetricsWriter } from '../report/index.js';
import {
  cudaAvailable,
  getRngState,
  manualSeed,
  saveCheckpointSync,
  setNumThreads,
  setRngState,
  tidy,
  to,
  type Device,
  type Tensor,
} from '../tensor/index.js';
import { TrainingProgress } from '../report/progress.js';
import { writeJsonAtomic } from '../util/fs.js';
import { watchInterrupts, yieldToEventLoop, type StopSignalName } from '../util/interrupt.js';
import { checkpointPath, listCheckpoints, pruneCheckpoints, runDir, type RunDir } from './run-dir.js';

/** A batch for one step: the input of module 1 and, for supervised baselines, labels. */
export interface TrainBatch {
  x: Tensor;
  targets?: Tensor;
  dispose(): void;
}

/** What an experiment hands the loop. */
export interface TrainTask {
  modules: GimModule[];
  moduleNames: string[];
  /** The batch of step `step`, a pure function of (seed, step) so that resume replays the same data. */
  batch(step: number): Promise<TrainBatch>;
}

export interface TrainLoopArgs {
  run: string;
  config: unknown;
  seed: number;
  threads: number;
  steps: number;
  lr: number;
  mode: TrainingMode;
  /** Iterative mode: train on batches 0..cacheBatches−1 only, frozen modules' outputs cached (0/absent: recompute). */
  cacheBatches?: number;
  /** Bytes a cache keeps in memory before spilling to <run>/cache (default 1 GiB). */
  cacheBudgetBytes?: number;
  checkpointEvery: number;
  logEvery: number;
  resume: boolean;
  /** Replace a run already in the folder (without it a non-empty folder is refused unless resumed). */
  overwrite?: boolean;
  /** Config keys (or prefixes) that may differ from the checkpoint's config on resume (default: train.steps, …). */
  resumableKeys?: readonly string[];
  /** When the run counts as diverged (default: non-finite, or 10× its running median, or a weight above 1e5). */
  divergence?: DivergenceGuardArgs;
  log?: (line: string) => void;
  /** Checkpoints kept on disk (newest first). */
  keepCheckpoints?: number;
  interactive?: boolean;
  /** Where the modules train: parameters are moved there and each batch is copied there (default cpu). */
  device?: Device;
}

/** onDevice(task, device): the same task with its modules moved to `device` and every batch copied there. */
export function onDevice(task: TrainTask, device: Device): TrainTask {
  if (device === 'cpu') return task;
  if (device.startsWith('cuda') && !cudaAvailable()) {
    throw new Error(
      `device ${device}: this libtorch build has no CUDA device (build against a CUDA libtorch with LIBTORCH=…)`,
    );
  }
  for (const m of task.modules) m.to(device);
  return {
    ...task,
    batch: async (step) => {
      const b = await task.batch(step);
      const x = to(b.x, { device });
      const targets = b.targets === undefined ? undefined : to(b.targets, { device });
      b.dispose();
      return {
        x,
        ...(targets === undefined ? {} : { targets }),
        dispose: () => [x, targets].forEach((t) => t?.dispose()),
      };
    },
  };
}

export type TrainOutcome = 'finished' | 'interrupted' | 'diverged';

export interface TrainResult {
  stack: GradientIsolatedStack;
  step: number;
  outcome: TrainOutcome;
  seconds: number;
  /** The signal that interrupted the run (outcome 'interrupted'). */
  signal?: StopSignalName;
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
  'probe',
  'figure',
];

/** The optimizers' lr in a loaded stack checkpoint (module 0's Adam), or undefined for a layout without one. */
function storedLr(point: ResumePoint): number | undefined {
  const lr = point.checkpoint.tensors.get('module0.optim.lr');
  return lr === undefined ? undefined : lr.item();
}

/** Which module iterative mode trains at `step`: the steps are split evenly, module 1 first. */
export function iterativeModuleAt(step: number, steps: number, modules: number): number {
  return Math.min(modules - 1, Math.floor(step / Math.ceil(steps / modules)));
}

/** Steps each module gets in iterative mode (as iterativeModuleAt splits them). */
export function iterativeSchedule(steps: number, modules: number): number[] {
  const per = Math.ceil(steps / modules);
  return Array.from({ length: modules }, (_, m) =>
    Math.max(0, m === modules - 1 ? steps - m * per : Math.min(per, steps - m * per)),
  );
}

/**
 * resumeRun(run, a, log): after openRunFolder, the checkpoint a resumed run starts from, its config checked against
 * the requested one (nothing is written before this passes). Null for a fresh run.
 */
function resumePoint(run: RunDir, a: TrainLoopArgs, log: (line: string) => void): ResumePoint | null {
  if (!a.resume) return null;
  const point = newestIntactCheckpoint(run.checkpoints, log);
  if (point === null)
    throw new Error(
      `--resume: ${run.checkpoints} holds no intact checkpoint to resume from (start over with --overwrite)`,
    );
  try {
    const changed = checkResumeConfig({
      file: point.file,
      stored: point.checkpoint.config,
      requested: a.config,
      resumable: a.resumableKeys ?? RESUMABLE_KEYS,
    });
    if (changed.length > 0) log(`resume: changed ${changed.join(', ')} (recorded in ${run.config})`);
  } catch (e) {
    disposeCheckpoint(point.checkpoint);
    throw e;
  }
  return point;
}

/** After a divergence: delete the checkpoints of step ≥ fromStep; returns the newest one kept (or null). */
function discardDiverged(run: RunDir, d: Divergence, log: (line: string) => void): number | null {
  const all = listCheckpoints(run);
  const bad = all.filter((c) => c.step >= d.fromStep);
  for (const c of bad) fs.rmSync(c.file, { force: true });
  const kept = all.filter((c) => c.step < d.fromStep).at(-1) ?? null;
  log(
    `\ndiverged: ${d.reason}; ` +
      (bad.length > 0 ? `deleted the checkpoints of steps ${bad.map((c) => c.step).join(', ')}; ` : '') +
      (kept === null ? 'no healthy checkpoint remains' : `kept the checkpoint of step ${kept.step} (${kept.file})`),
  );
  return kept?.step ?? null;
}

class Diverged extends Error {
  constructor(readonly divergence: Divergence) {
    super(divergence.reason);
  }
}

export async function trainLoop(cpuTask: TrainTask, a: TrainLoopArgs): Promise<TrainResult> {
  const log = a.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const task = onDevice(cpuTask, a.device ?? 'cpu');
  // --- setup: threads, seed, run folder (checked before anything is written), config, model and optimizers
  setNumThreads(a.threads);
  manualSeed(a.seed);
  const run: RunDir = runDir(a.run);
  openRunFolder({ root: run.root, resume: a.resume, overwrite: a.overwrite ?? false, log });
  const point = resumePoint(run, a, log);
  fs.mkdirSync(run.checkpoints, { recursive: true });
  writeJsonAtomic(run.config, a.config);
  const stack = new GradientIsolatedStack(task.modules, { lr: a.lr });

  // --- resume: model, optimizers, RNG and step from the newest intact checkpoint; the requested lr wins
  let step = 0;
  if (point !== null) {
    try {
      restoreStack(point.checkpoint.tensors, stack);
      if (point.checkpoint.rngState) setRngState(point.checkpoint.rngState);
      step = point.checkpoint.step;
      const before = storedLr(point);
      for (const o of stack.optimizers) o.lr = a.lr;
      if (before !== undefined && before !== a.lr) log(`resume: lr ${before} → ${a.lr}`);
    } finally {
      disposeCheckpoint(point.checkpoint);
    }
    const dropped = truncateMetrics(run.metrics, (r) => r.step <= step);
    log(
      `resumed from ${point.file} at step ${step}${dropped > 0 ? ` (${dropped} metrics lines after it dropped)` : ''}`,
    );
  }
  const guard = new DivergenceGuard(a.divergence);
  let savedStep = point === null ? -1 : step;
  const save = (): void => {
    const weights = guard.checkWeights(step, largestParameter(stack.modules));
    if (weights !== null) throw new Diverged(weights);
    tidy(() =>
      saveCheckpointSync(checkpointPath(run, step), {
        tensors: stackState(stack),
        metadata: { config: a.config, step, rngState: getRngState(), mode: a.mode },
      }),
    );
    savedStep = step;
    pruneCheckpoints(run, a.keepCheckpoints ?? 3);
  };
  const observe = (at: number, results: readonly { module: number; loss: number }[]): void => {
    for (const r of results) {
      const d = guard.observe(at, r.module, r.loss);
      if (d !== null) throw new Diverged(d);
    }
  };

  // --- Ctrl-C / SIGTERM: finish the current step, save, stop
  const interrupts = watchInterrupts({ log });
  const metrics = new MetricsWriter(run.metrics);
  const progress = new TrainingProgress(task.moduleNames, a.steps, a.logEvery, a.interactive);
  const started = performance.now();
  let outcome: TrainOutcome = 'finished';
  let divergence: Divergence | null = null;
  try {
    if (a.mode === 'iterative' && (a.cacheBatches ?? 0) > 0) {
      // Iterative on cached activations: a finite dataset, each frozen module run once per module (src/gim/cache.ts).
      const r = await trainIterativeCached(
        stack,
        { count: a.cacheBatches!, batch: (i) => task.batch(i) },
        {
          updates: iterativeSchedule(a.steps, stack.length),
          start: step,
          dir: path.join(run.root, 'cache'),
          budgetBytes: a.cacheBudgetBytes ?? 2 ** 30,
          shouldStop: () => interrupts.requested,
          onCache: (c) => metrics.log({ step, name: 'cache', ...c }),
          onUpdate: (u) => {
            observe(u.update, [u.metrics]);
            progress.update(u.update, u.metrics);
            const { module, loss, accuracy } = u.metrics;
            if ((u.update + 1) % a.logEvery === 0 || u.update === 0)
              metrics.log({ step: u.update + 1, module, loss, accuracy, epoch: u.epoch, seconds: u.seconds });
            progress.stepDone(u.update);
            step = u.update + 1;
            if (step % a.checkpointEvery === 0 || interrupts.requested) save();
            return interrupts.requested;
          },
        },
      );
      if (r.stopped) outcome = 'interrupted';
    }
    while (outcome === 'finished' && step < a.steps) {
      const batch = await task.batch(step);
      try {
        const trainModule = a.mode === 'iterative' ? iterativeModuleAt(step, a.steps, stack.length) : undefined;
        const stepStart = performance.now();
        const results = stack.trainStep(batch.x, {
          mode: a.mode,
          ...(trainModule === undefined ? {} : { trainModule }),
          ...(batch.targets === undefined ? {} : { targets: batch.targets }),
          onModule: (m) => progress.update(step, m),
        });
        observe(step, results);
        const seconds = (performance.now() - stepStart) / 1000;
        if ((step + 1) % a.logEvery === 0 || step === 0) {
          for (const r of results)
            metrics.log({
              step: step + 1,
              module: r.module,
              loss: r.loss,
              ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }),
              seconds,
            });
        }
      } finally {
        batch.dispose();
      }
      progress.stepDone(step);
      step++; // steps completed
      await yieldToEventLoop(); // signals are delivered and progress bars redraw here
      if (step % a.checkpointEvery === 0 || interrupts.requested) save();
      if (interrupts.requested) outcome = 'interrupted';
    }
    if (outcome === 'interrupted' && savedStep !== step) save();
    if (outcome === 'finished' && savedStep !== step) save();
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
  }
  if (divergence !== null) discardDiverged(run, divergence, log);
  return {
    stack,
    step,
    outcome,
    seconds: (performance.now() - started) / 1000,
    ...(interrupts.signal === null ? {} : { signal: interrupts.signal }),
  };
}
