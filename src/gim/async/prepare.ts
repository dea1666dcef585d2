/** Before the workers start: every module's starting checkpoint, and the summary of a module that reported none. */
import { Adam, type AdamArgs } from '../../nn/index.js';
import { manualSeed } from '../../tensor/index.js';
import {
  clearAsyncCheckpoints,
  latestModuleCheckpoint,
  moduleCheckpointDir,
  saveModuleCheckpoint,
} from './checkpoints.js';
import type { AsyncModuleSummary, ModuleFactorySpec } from './protocol.js';
import { loadModuleFactory } from './spawn.js';

/** What prepareAsyncRun needs from trainAsync's arguments. */
export interface PrepareArgs {
  run: string;
  factory: ModuleFactorySpec;
  seed: number;
  adam?: AdamArgs;
  resume: boolean;
  config?: unknown;
}

/**
 * prepareAsyncRun(a) → each module's starting step. Without resume the old module checkpoints are deleted. A module
 * without a checkpoint gets step 0: every module built from the seed, as simultaneous mode builds them, and saved.
 */
export async function prepareAsyncRun(args: PrepareArgs): Promise<number[]> {
  if (!args.resume) clearAsyncCheckpoints(args.run);
  const factory = await loadModuleFactory(args.factory);
  manualSeed(args.seed);
  const modules = factory(args.factory.args);
  try {
    return modules.map((module, m) => {
      const dir = moduleCheckpointDir(args.run, m);
      const last = latestModuleCheckpoint(dir);
      if (last !== null) return last.step;
      const adam = new Adam(module, args.adam ?? {});
      saveModuleCheckpoint(dir, 0, module, adam, { config: args.config ?? null, module: m, modules: modules.length });
      adam.dispose();
      return 0;
    });
  } finally {
    for (const m of modules) m.dispose();
  }
}

/** placeholderSummary(m, status, dir, startStep): a summary with no measurements, its step read from disk. */
export function placeholderSummary(
  m: number,
  status: AsyncModuleSummary['status'],
  dir: string,
  startStep: number,
): AsyncModuleSummary {
  const last = latestModuleCheckpoint(dir);
  const zero = { mean: 0, max: 0, count: 0 };
  return {
    module: m,
    status,
    step: last?.step ?? startStep,
    startStep,
    trained: 0,
    forwarded: 0,
    seconds: 0,
    batchesPerSec: 0,
    samplesPerSec: 0,
    queue: zero,
    staleness: zero,
    waitInputSeconds: 0,
    waitOutputSeconds: 0,
    computeSeconds: 0,
    firstLoss: null,
    lastLoss: null,
    checkpoint: last?.file ?? null,
  } satisfies AsyncModuleSummary;
}
