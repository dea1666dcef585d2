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
import { GradientIsolatedStack, probeAccuracy, trainLinearProbe, type GimModule } from '../../gim/index.js';
import {
  add,
  cat,
  pow,
  keep,
  manualSeed,
  mean,
  mul,
  narrow,
  noGrad,
  reshape,
  sub,
  tidy,
  unsqueeze,
  type Tensor,
} from '../../tensor/index.js';
import {
  buildSupervisedVisionModules,
  buildVisionModules,
  type VisionEncoderConfig,
} from '../../vision/model/index.js';
import type { VisionConfig } from './config.js';
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
  return config.train.objective === 'supervised'
    ? buildSupervisedVisionModules(encoder, classes)
    : buildVisionModules(encoder);
}

/** buildVisionStack(config, classes): the modules in a stack with one Adam each (untrained: the random-init row). */
export function buildVisionStack(config: VisionConfig, classes: number): GradientIsolatedStack {
  return new GradientIsolatedStack(buildVisionStackModules(config, classes), { lr: config.train.lr });
}

/** Names of the modules, for progress lines: cpc | supervised | module1..M | greedy1..M. */
export function visionModuleNames(config: VisionConfig): string[] {
  const supervised = config.train.objective === 'supervised';
  if (config.model.modelSplits === 1) return [supervised ? 'supervised' : 'cpc'];
  return Array.from({ length: config.model.modelSplits }, (_, i) => `${supervised ? 'greedy' : 'module'}${i + 1}`);
}

/** trainVision(config, data, args): the config's modules trained on seeded, augmented batches, in its train.mode. */
export async function trainVision(config: VisionConfig, data: VisionData, args: TrainRunArgs): Promise<TrainResult> {
  const supervised = config.train.objective === 'supervised';
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
        if (supervised) {
          throw new Error(
            `train.mode 'async': the supervised vision baselines do not train asynchronously (train.objective ` +
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

/**
 * Frozen features of the given modules (0-based) for images x [N, C, H, W], in batches without gradient: per layer
 * the pooled patch grid [N, C', gh, gw] when `grid`, else its average over the grid [N, C'] (what the probe reads).
 */
export function visionFeatures(
  stack: GradientIsolatedStack,
  x: Tensor,
  layers: readonly number[],
  opts: { grid?: boolean; batchSize?: number } = {},
): Map<number, Tensor> {
  const N = x.shape[0]!;
  const bs = opts.batchSize ?? 64;
  const upTo = Math.max(...layers);
  const parts = new Map<number, Tensor[]>(layers.map((l) => [l, []]));
  noGrad(() => {
    for (let s = 0; s < N; s += bs) {
      tidy(() => {
        const feats = stack.features(narrow(x, 0, s, Math.min(bs, N - s)), upTo); // each [b, C, gh, gw]
        for (const l of layers) parts.get(l)!.push(keep(opts.grid ? feats[l]! : mean(feats[l]!, [2, 3])));
      });
    }
  });
  const out = new Map<number, Tensor>();
  for (const [l, ps] of parts) {
    out.set(l, cat(ps, 0));
    for (const p of ps) p.dispose();
  }
  return out;
}

/** Linear-probe settings (config.probe). */
export type ProbeSettings = Pick<VisionConfig['probe'], 'epochs' | 'lr' | 'batchSize'>;

/**
 * standardize(train, test): both [N, D] feature sets mapped by the train set's per-dimension mean and standard
 * deviation. An affine map, so the probe on top stays linear; it only conditions the optimisation — frozen features
 * of small encoders vary by ~1% of their mean, which a short Adam run on the raw values barely resolves.
 */
export function standardize(train: Tensor, test: Tensor): [Tensor, Tensor] {
  return tidy(() => {
    const mu = mean(train, 0, { keepDim: true }); // [1, D]
    const centred = sub(train, mu);
    const variance = mean(mul(centred, centred), 0, { keepDim: true }); // [1, D]
    const eps = mean(variance).item() * 1e-6 + 1e-12; // dimensions that never vary stay ~0, not huge
    const inv = pow(add(variance, eps), -0.5); // [1, D]
    return [keep(mul(centred, inv)), keep(mul(sub(test, mu), inv))];
  });
}

/**
 * linearEval(train, test, classes, probe, seed): features [N, D] standardised by the train set's statistics, then a
 * Linear(D, classes) trained by Adam on train (labels [N]); returns its accuracy on test, a fraction in [0, 1].
 */
export function linearEval(
  train: { features: Tensor; labels: Tensor },
  test: { features: Tensor; labels: Tensor },
  classes: number,
  probe: ProbeSettings,
  seed = 0,
): number {
  const [trF, teF] = standardize(
    reshape(train.features, [train.features.shape[0]!, -1]),
    reshape(test.features, [test.features.shape[0]!, -1]),
  );
  const tr = { features: unsqueeze(trF, 1), labels: train.labels }; // [N, 1, D]
  const te = { features: unsqueeze(teF, 1), labels: test.labels };
  manualSeed(seed);
  const p = trainLinearProbe(tr, { classes, pooling: 'mean', ...probe });
  const acc = probeAccuracy(p, te);
  p.dispose();
  for (const t of [trF, teF, tr.features, te.features]) t.dispose();
  return acc;
}

/** Labelled images for a probe: x [N, C, H, W] (centre crops), y [N]. */
export interface LabelledImages {
  x: Tensor;
  y: Tensor;
}

/**
 * probeLayers(stack, layers, train, test, classes, probe): linear evaluation of several modules' outputs (0-based),
 * each module run once per image; returns one test accuracy per layer.
 */
export function probeLayers(
  stack: GradientIsolatedStack,
  layers: readonly number[],
  train: LabelledImages,
  test: LabelledImages,
  classes: number,
  probe: ProbeSettings & { featureBatch: number },
  seed = 0,
): number[] {
  const opts = { batchSize: probe.featureBatch };
  const [tr, te] = [visionFeatures(stack, train.x, layers, opts), visionFeatures(stack, test.x, layers, opts)];
  const accs = layers.map((l) =>
    linearEval(
      { features: tr.get(l)!, labels: train.y },
      { features: te.get(l)!, labels: test.y },
      classes,
      probe,
      seed,
    ),
  );
  for (const t of [...tr.values(), ...te.values()]) t.dispose();
  return accs;
}
