/**
 * A run's trained stack, for export: the config `gim eval` reads (the newest checkpoint's, else config.json) and the
 * newest checkpoint that loads, without opening the run's data (the supervised baselines' class counts are read from
 * their classifiers' weights).
 */
import { buildAudioModules, type AudioObjective } from '../audio/model.js';
import { PHONE_CLASSES } from '../experiments/audio/experiment.js';
import { readRunConfig, type RunConfig } from '../experiments/run-eval.js';
import { buildVisionStack } from '../experiments/vision/experiment.js';
import { GradientIsolatedStack } from '../gim/index.js';
import { listCheckpoints, runDir } from '../gim/run-dir.js';
import { restoreStack } from '../gim/state.js';
import { loadCheckpointSync, manualSeed, type Checkpoint, type Tensor } from '../tensor/index.js';

/** A stack restored from a run, its config, and the checkpoint it came from. */
export interface TrainedStack {
  runConfig: RunConfig;
  stack: GradientIsolatedStack;
  step: number;
  checkpoint: string;
}

/** Classes of the first module's classifier in a checkpoint (its weight is [classes, features]), or null. */
function classifierClasses(tensors: ReadonlyMap<string, Tensor>): number | null {
  const weight =
    tensors.get('module0.model.classifier.weight') ??
    tensors.get('module0.model.classifier.linear.weight') ??
    tensors.get('module0.model.loss.classifier.weight');
  return weight === undefined ? null : weight.shape[0]!;
}

/** The stack a run's config builds (untrained), sized for the checkpoint's classifiers. */
function buildStack(runConfig: RunConfig, tensors: ReadonlyMap<string, Tensor>, file: string): GradientIsolatedStack {
  const classes = classifierClasses(tensors);
  const labelled = ['speaker', 'phone', 'supervised', 'predsim'].includes(runConfig.config.train.objective);
  if (labelled && classes === null) {
    throw new Error(
      `${file}: a ${runConfig.config.train.objective} run's checkpoint has no classifier weights for module 1`,
    );
  }
  if (runConfig.experiment === 'vision') return buildVisionStack(runConfig.config, classes ?? 1);
  const { config } = runConfig;
  const objective = config.train.objective;
  manualSeed(config.seed);
  const audioObjective: AudioObjective =
    objective === 'infonce' || objective === 'clapp'
      ? { kind: objective }
      : { kind: objective, classes: objective === 'phone' ? PHONE_CLASSES : classes! };
  return new GradientIsolatedStack(buildAudioModules(config.model, audioObjective), { lr: config.train.lr });
}

/**
 * loadTrainedStack(run): the run's stack from its newest checkpoint that loads (a checkpoint with optimizer state, or a
 * pack's weights without it); errors name the run or the file.
 */
export function loadTrainedStack(run: string): TrainedStack {
  const runConfig = readRunConfig(run);
  const found = listCheckpoints(runDir(run)).reverse();
  const problems: string[] = [];
  for (const { step, file } of found) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = loadCheckpointSync(file);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    try {
      const stack = buildStack(runConfig, checkpoint.tensors, file);
      try {
        restoreStack(checkpoint.tensors, stack, { weightsOnly: 'allowed' });
      } catch (err) {
        stack.dispose();
        throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
      }
      stack.eval();
      return { runConfig, stack, step, checkpoint: file };
    } finally {
      for (const tensor of checkpoint.tensors.values()) tensor.dispose();
    }
  }
  throw new Error(
    found.length === 0
      ? `${run}: no checkpoint to export (train first)`
      : `${run}: no checkpoint loads:\n${problems.join('\n')}`,
  );
}
