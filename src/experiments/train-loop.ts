/**
 * The training loop, read top to bottom: restore or start → for each step: batch → every module's own update →
 * metrics → checkpoint at intervals → final checkpoint. Ctrl-C saves and stops; a NaN loss stops without saving, so
 * the last good checkpoint stays the newest.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  GradientIsolatedStack,
  NonFiniteLossError,
  restoreStack,
  stackState,
  trainIterativeCached,
  type GimModule,
  type TrainingMode,
} from '../gim/index.js';
import { MetricsWriter } from '../report/index.js';
import {
  cudaAvailable,
  getRngState,
  loadCheckpointSync,
  manualSeed,
  saveCheckpointSync,
  setNumThreads,
  setRngState,
  tidy,
  to,
  type Device,
  type Tensor,
} from '../tensor/index.js';
import { TrainingProgress } from './progress.js';
import { writeJsonAtomic } from '../util/fs.js';
import { checkpointPath, latestCheckpoint, pruneCheckpoints, runDir, type RunDir } from './run-dir.js';

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

export type TrainOutcome = 'finished' | 'interrupted' | 'non-finite-loss';

export interface TrainResult {
  stack: GradientIsolatedStack;
  step: number;
  outcome: TrainOutcome;
  seconds: number;
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

export async function trainLoop(cpuTask: TrainTask, a: TrainLoopArgs): Promise<TrainResult> {
  const task = onDevice(cpuTask, a.device ?? 'cpu');
  // --- setup: threads, seed, directory, config, model and optimizers
  setNumThreads(a.threads);
  manualSeed(a.seed);
  const run: RunDir = runDir(a.run);
  fs.mkdirSync(run.checkpoints, { recursive: true });
  writeJsonAtomic(run.config, a.config);
  const stack = new GradientIsolatedStack(task.modules, { lr: a.lr });

  // --- resume: model, optimizers, RNG and step from the newest checkpoint
  let step = 0;
  const last = a.resume ? latestCheckpoint(run) : null;
  if (a.resume && last === null)
    process.stderr.write(`resume: no checkpoint in ${run.checkpoints}; starting from step 0\n`);
  if (last !== null) {
    tidy(() => {
      const ckpt = loadCheckpointSync(last.file);
      restoreStack(ckpt.tensors, stack);
      if (ckpt.rngState) setRngState(ckpt.rngState);
      step = ckpt.step;
    });
    process.stderr.write(`resumed from ${last.file} at step ${step}\n`);
  }
  const save = (): void => {
    tidy(() =>
      saveCheckpointSync(checkpointPath(run, step), {
        tensors: stackState(stack),
        metadata: { config: a.config, step, rngState: getRngState(), mode: a.mode },
      }),
    );
    pruneCheckpoints(run, a.keepCheckpoints ?? 3);
  };

  // --- Ctrl-C: finish the current step, save, stop
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupt: saving a checkpoint after this step (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);

  const metrics = new MetricsWriter(run.metrics);
  const progress = new TrainingProgress(task.moduleNames, a.steps, a.logEvery, a.interactive);
  const started = performance.now();
  let outcome: TrainOutcome = 'finished';
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
          onCache: (c) => metrics.log({ step, name: 'cache', ...c }),
          onUpdate: (u) => {
            progress.update(u.update, u.metrics);
            const { module, loss, accuracy } = u.metrics;
            if ((u.update + 1) % a.logEvery === 0 || u.update === 0)
              metrics.log({ step: u.update + 1, module, loss, accuracy, epoch: u.epoch, seconds: u.seconds });
            progress.stepDone(u.update);
            step = u.update + 1;
            if (step % a.checkpointEvery === 0 || interrupted) save();
            return interrupted;
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
      if (step % a.checkpointEvery === 0 || interrupted) save();
      if (interrupted) {
        outcome = 'interrupted';
        break;
      }
    }
    if (outcome === 'finished' && step % a.checkpointEvery !== 0) save();
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    outcome = 'non-finite-loss';
    process.stderr.write(`\n${e.message}\n`);
  } finally {
    progress.stop();
    metrics.close();
    process.off('SIGINT', onSigint);
  }
  return { stack, step, outcome, seconds: (performance.now() - started) / 1000 };
}
