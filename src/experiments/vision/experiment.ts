/**
 * The vision experiment: build the modules a config asks for — GIM (one InfoNCE module per ResNet stage), CPC (one
 * module with a PixelCNN), supervised (end to end) and greedy supervised (one classifier per module), or the untrained
 * GIM architecture (random init) — train them through the generic training loop, and evaluate them linearly:
 * frozen last-module map → average pool → Linear(C, classes), Adam, on the labelled train images, tested on the test set.
 *
 * The probe trains on augmentation-free central crops (the paper trains it with random crops and flips): the frozen
 * features are then extracted once and kept, which makes probing every row of Table 1 a matter of seconds, not of
 * another forward pass of every model per probe epoch.
 */
import { GradientIsolatedStack, type GimModule } from '../../gim/index.js';
import { manualSeed } from '../../tensor/index.js';
import {
  buildObjectiveVisionModules,
  buildSupervisedVisionModules,
  buildVisionModules,
  type VisionEncoderConfig,
} from '../../vision/model/index.js';
import { usesLabels, type VisionConfig } from './config.js';
import { TrainBatches, totalSteps, type VisionData } from './data.js';
import { restoreNewestCheckpoint, type LoadedStack } from '../../gim/run-dir.js';
import { train, type TrainResult, type TrainRunArgs } from '../../gim/training/trainer.js';
import { visionModuleSpec } from '../async-factories.js';
import { visionBatchProducer } from './async.js';

/** The encoder config of the model layer, read from the experiment config. */
export function encoderOf(config: VisionConfig): VisionEncoderConfig {
  return { ...config.model };
}

/** buildVisionStackModules(config, classes): fresh modules for the config's objective and modelSplits (seeded). */
export function buildVisionStackModules(config: VisionConfig, classes: number): GimModule[] {
  manualSeed(config.seed);
  return visionModules(config, classes);
}

/** visionModules(config, classes): fresh modules from libtorch's generator as it stands (the trainer seeds it). */
function visionModules(config: VisionConfig, classes: number): GimModule[] {
  const encoder = encoderOf(config);
  const objective = config.train.objective;
  if (objective === 'supervised') return buildSupervisedVisionModules(encoder, classes, config.train.supervised);
  if (objective === 'infonce') return buildVisionModules(encoder);
  return buildObjectiveVisionModules(encoder, objective, {
    classes,
    dim: config.train.dim,
    beta: config.train.predsim.beta,
  });
}

/** buildVisionStack(config, classes): the modules in a stack with one Adam each (untrained: the random-init row). */
export function buildVisionStack(config: VisionConfig, classes: number): GradientIsolatedStack {
  return new GradientIsolatedStack(buildVisionStackModules(config, classes), { lr: config.train.lr });
}

/** Names of the modules, for progress lines: cpc | supervised | dim … | module1..M | greedy1..M | predsim1..M …. */
export function visionModuleNames(config: VisionConfig): string[] {
  const objective = config.train.objective;
  if (config.model.modelSplits === 1) return [objective === 'infonce' ? 'cpc' : objective];
  const prefix = objective === 'supervised' ? 'greedy' : objective === 'infonce' ? 'module' : objective;
  return Array.from({ length: config.model.modelSplits }, (_, i) => `${prefix}${i + 1}`);
}

/** trainVision(config, data, args): the config's modules trained on seeded, augmented batches, in its train.mode. */
export async function trainVision(config: VisionConfig, data: VisionData, args: TrainRunArgs): Promise<TrainResult> {
  const supervised = usesLabels(config);
  const source = supervised ? data.train : data.pretrain;
  const batches = new TrainBatches(config, source);
  return train(
    {
      buildModules: () => visionModules(config, data.classes),
      moduleNames: visionModuleNames(config),
      batch: (step) => {
        const { x, y } = batches.at(step);
        return Promise.resolve({
          x,
          ...(supervised ? { targets: y } : {}),
          dispose: () => {
            x.dispose();
            y.dispose();
          },
        });
      },
      asyncParts: () => {
        if (config.train.objective !== 'infonce') {
          throw new Error(
            `train.mode 'async': only InfoNCE vision modules train asynchronously (train.objective ` +
              `'${config.train.objective}'); use train.mode simultaneous or iterative, or train.objective infonce`,
          );
        }
        return { factory: visionModuleSpec(encoderOf(config)), batch: visionBatchProducer(config, data) };
      },
    },
    { ...args, config, steps: totalSteps(config, source.n) },
  );
}

/** loadVisionStack(run, config, classes): a stack restored from the run's newest checkpoint that loads, and its step. */
export function loadVisionStack(run: string, config: VisionConfig, classes: number): LoadedStack {
  const stack = buildVisionStack(config, classes);
  return { stack, step: restoreNewestCheckpoint(stack, run) };
}
