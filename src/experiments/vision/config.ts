/** The vision experiment's configuration: one zod schema, the paper's STL-10 defaults, and the tiny | small | full presets. */
import { z } from 'zod';
import {
  DIM_OBJECTIVE_DEFAULTS,
  PREDSIM_BETA,
  dimEstimators,
  labelledObjectives,
  localObjectives,
} from '../../gim/index.js';
import { isDevice } from '../../tensor/index.js';
import { normGroupsProblem, paperVisionEncoder, TINY_VISION_ENCODER } from '../../vision/model/index.js';
import { DEFAULT_DISTRIBUTED } from '../../gim/distributed/layout.js';
import { lrSchedules } from '../../gim/training/lr-schedule.js';
import { trainingModes } from '../../gim/training/strategy.js';
import { distributedSchema, refineDistributed } from '../distributed-config.js';
import { deepMerge, parseConfig, type DeepPartial } from '../overrides.js';

const int = z.number().int();
const pos = int.positive();

export const visionConfigSchema = z
  .object({
    experiment: z.literal('vision'),
    name: z.string().min(1),
    seed: int,
    threads: pos,
    /** Where the modules train: 'cpu', or 'cuda' / 'cuda:N' with a CUDA libtorch (LIBTORCH=…). */
    device: z.string().refine(isDevice, { message: "expected 'cpu', 'cuda' or 'cuda:N'" }),
    data: z.object({
      dataset: z.enum(['stl10', 'fashion-mnist', 'cifar10']),
      /**
       * STL-10: the folder of {train,test,unlabeled}_X.bin; Fashion-MNIST: the folder of the IDX files; CIFAR-10: the
       * folder of the binary version's data_batch_1..5.bin and test_batch.bin (or the folder holding cifar-10-batches-bin).
       */
      root: z.string().min(1),
      /** What the self-supervised runs learn from: the labelled train split, or STL-10's 100k unlabeled images. */
      pretrain: z.enum(['train', 'unlabeled']),
      /** Pad every image (centred, zeros) to this side first, e.g. Fashion-MNIST 28 → 32; 0: keep. */
      padTo: int.nonnegative(),
      /** Side of the square the model sees: a random crop for training, the central crop for evaluation. */
      crop: pos,
      /** Zero padding on every side before the random training crop (a shift of ± this many pixels). */
      cropPadding: int.nonnegative(),
      /** Random horizontal flips in training. */
      hflip: z.boolean(),
      /** RGB → luma (the published GIM script trains on grayscale STL-10). */
      grayscale: z.boolean(),
      /** Per-channel normalisation; null: the dataset's known constants (STL-10 grayscale, Fashion-MNIST, RGB CIFAR-10). */
      norm: z.object({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }).nullable(),
      /** Caps on the images read (0: all): the train (and unlabeled) split, and the test split — first N images. */
      maxTrain: int.nonnegative(),
      maxTest: int.nonnegative(),
    }),
    model: z.object({
      inChannels: pos,
      stemChannels: pos,
      planes: z.array(pos).min(1),
      blocks: z.array(pos).min(1),
      stageStrides: z.array(pos).min(1),
      expansion: pos,
      predictionSteps: pos,
      negativeSamples: pos,
      skip: int.nonnegative(),
      patch: pos,
      patchStride: pos,
      /** 1: one module (CPC with its PixelCNN, or end-to-end supervised); planes.length: one module per stage (GIM). */
      modelSplits: pos,
      contextChannels: pos,
      contextLayers: pos,
      /** GroupNorm groups before every ReLU of the encoder's blocks; 0: none (the paper). */
      normGroups: int.nonnegative().default(0),
    }),
    train: z.object({
      /**
       * Each module's local objective (src/gim): InfoNCE (GIM, CPC), Deep InfoMax, Predsim, CLAPP, or the class labels
       * (the supervised baselines). Predsim and supervised read the labelled train split, the others pretrain.
       */
      objective: z.enum(localObjectives),
      /** Deep InfoMax (objective 'dim'): the estimator and the weights of the local (β) and global (α) terms. */
      dim: z
        .object({
          estimator: z.enum(dimEstimators),
          localWeight: z.number().nonnegative(),
          globalWeight: z.number().nonnegative(),
        })
        .default({ ...DIM_OBJECTIVE_DEFAULTS }),
      /** Predsim (objective 'predsim'): β, the weight of the similarity-matching loss (the paper: 0.99). */
      predsim: z.object({ beta: z.number().min(0).max(1) }).default({ beta: PREDSIM_BETA }),
      /**
       * The supervised rows' classifier: on the grid average (cells 1, the paper) or on the grid pooled to cells × cells
       * (the layout Table 1's cells probe reads); epochs: passes over the labelled images for the supervised objectives
       * (null: train.epochs), so that the reference rows can train longer than the self-supervised ones.
       */
      supervised: z
        .object({ cells: pos, epochs: z.number().positive().nullable().default(null) })
        .default({ cells: 1, epochs: null }),
      mode: z.enum(trainingModes),
      /** Async mode only (src/gim/async): batches each inter-module queue holds, libtorch threads per module worker. */
      async: z.object({ queueCapacity: pos, threadsPerModule: pos }).default({ queueCapacity: 2, threadsPerModule: 1 }),
      /** Passes over the pretraining images (an epoch is ⌊N / batchSize⌋ steps), used when steps is null. */
      epochs: z.number().positive(),
      /** Optimizer steps; null: epochs × steps per epoch. */
      steps: int.nonnegative().nullable(),
      batchSize: pos,
      lr: z.number().positive(),
      /** 'constant' (the paper) or 'cosine': from lr down to 0 over the run (src/gim/training/lr-schedule.ts). */
      schedule: z.enum(lrSchedules).default('constant'),
      checkpointEvery: pos,
      logEvery: pos,
    }),
    /** Linear evaluation: frozen last-module map → average pool → Linear(C, classes), trained on centre crops. */
    /** train.mode 'distributed' only: pipeline stages, batches in flight, timeout, backend (src/gim/distributed). */
    distributed: distributedSchema,
    probe: z.object({
      epochs: pos,
      lr: z.number().positive(),
      batchSize: pos,
      /** Labelled train / test images the probe trains and is tested on (first N; 0: all that data.* allows). */
      maxTrain: int.nonnegative(),
      maxTest: int.nonnegative(),
      /** Images per forward pass when extracting frozen features. */
      featureBatch: pos,
      /** 'epochs': train each probe for exactly `epochs` passes; 'plateau': until its loss plateaus (at most `epochs`). */
      stop: z.enum(['epochs', 'plateau']).default('epochs'),
      /** When a loss counts as plateaued (stop 'plateau'): see fitLinearProbe in src/gim/probe.ts. */
      plateau: z
        .object({ tolerance: z.number().nonnegative(), patience: pos, lrDrops: int.nonnegative() })
        .default({ tolerance: 1e-3, patience: 3, lrDrops: 2 }),
      /** Besides the paper's average over the grid, probe the grid average-pooled to spatial × spatial (0: none). */
      spatial: int.nonnegative().default(0),
    }),
    /** Figure 2: the test patches that excite a few neurons of each GIM module most. */
    figure: z.object({ neurons: pos, patches: pos, images: pos }),
  })
  .refine(
    (c) => c.model.planes.length === c.model.blocks.length && c.model.blocks.length === c.model.stageStrides.length,
    { message: 'model.planes, model.blocks and model.stageStrides must have the same length' },
  )
  .refine((c) => c.model.modelSplits === 1 || c.model.modelSplits === c.model.planes.length, {
    message: 'model.modelSplits must be 1 or the number of stages',
  })
  .refine((c) => c.data.pretrain === 'train' || c.data.dataset === 'stl10', {
    message: "data.pretrain 'unlabeled' needs data.dataset 'stl10'",
  })
  .refine((c) => c.model.inChannels === (c.data.dataset !== 'fashion-mnist' && !c.data.grayscale ? 3 : 1), {
    message: 'model.inChannels must be 1 for grayscale or Fashion-MNIST images, 3 for RGB STL-10 or CIFAR-10',
  })
  .refine((c) => c.model.patch <= c.data.crop, { message: 'model.patch must fit in data.crop' })
  .superRefine((c, ctx) => {
    const problem = normGroupsProblem(c.model);
    if (problem !== null) ctx.addIssue({ code: 'custom', path: ['model', 'normGroups'], message: problem });
  })
  .superRefine((c, ctx) => {
    if (c.train.mode === 'async' && c.train.objective !== 'infonce') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['train', 'mode'],
        message:
          `train.mode 'async' trains InfoNCE (GIM, CPC) modules only; train.objective '${c.train.objective}' ` +
          'trains simultaneously or iteratively',
      });
    }
    if (c.train.mode === 'distributed' && labelledObjectives.includes(c.train.objective)) {
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'mode'],
        message:
          `train.mode 'distributed' trains self-supervised modules; train.objective '${c.train.objective}' ` +
          'needs labels on every stage: train it simultaneously or iteratively',
      });
    }
  })
  .superRefine(refineDistributed);

export type VisionConfig = z.infer<typeof visionConfigSchema>;

/** Whether the config's objective reads labels: it then trains on the labelled train split, not the pretraining one. */
export function usesLabels(config: VisionConfig): boolean {
  return labelledObjectives.includes(config.train.objective);
}

/**
 * The paper's setting (STL-10, published script): pretrain on the 100k unlabeled images, random 64×64 crops of 96×96
 * and flips, grayscale, 16×16 patches with step 8 (7×7 grid), batch 32, Adam 2e-4, 300 epochs, K 5, N 16, the
 * no-BN ResNet-50 stages [3, 4, 6] cut into 3 modules. The linear probe: Adam 1e-3 on the 5k labelled images.
 */
export const visionDefaults: VisionConfig = {
  experiment: 'vision',
  name: 'vision',
  seed: 0,
  threads: 2,
  device: 'cpu',
  data: {
    dataset: 'stl10',
    root: 'data/stl10_binary',
    pretrain: 'unlabeled',
    padTo: 0,
    crop: 64,
    cropPadding: 0,
    hflip: true,
    grayscale: true,
    norm: null,
    maxTrain: 0,
    maxTest: 0,
  },
  model: { ...paperVisionEncoder },
  train: {
    objective: 'infonce',
    dim: { ...DIM_OBJECTIVE_DEFAULTS },
    predsim: { beta: PREDSIM_BETA },
    supervised: { cells: 1, epochs: null },
    mode: 'simultaneous',
    async: { queueCapacity: 2, threadsPerModule: 1 },
    epochs: 300,
    steps: null,
    batchSize: 32,
    lr: 2e-4,
    schedule: 'constant',
    checkpointEvery: 1000,
    logEvery: 10,
  },
  distributed: { ...DEFAULT_DISTRIBUTED },
  probe: {
    epochs: 50,
    lr: 1e-3,
    batchSize: 128,
    maxTrain: 0,
    maxTest: 0,
    featureBatch: 64,
    stop: 'epochs',
    plateau: { tolerance: 1e-3, patience: 3, lrDrops: 2 },
    spatial: 0,
  },
  figure: { neurons: 4, patches: 10, images: 2000 },
};

export type VisionScale = 'tiny' | 'small' | 'medium' | 'full';

/** Fashion-MNIST as the small presets read it: 28×28 padded to 32×32, shifted by ±2 pixels and flipped in training. */
const fashionMnist: DeepPartial<VisionConfig['data']> = {
  dataset: 'fashion-mnist',
  root: '/usr/share/datasets/fashion-mnist',
  pretrain: 'train',
  padTo: 32,
  crop: 32,
  cropPadding: 2,
  hflip: true,
  grayscale: true,
};

/**
 * Presets.
 *
 * full = the paper (STL-10 at data.root, which users bring).
 *
 * small = Fashion-MNIST on a 2-core CPU: `gim reproduce vision --scale small` trains 7 rows of 800 steps and probes
 * each twice (its measured wall time is in results/vision/table1.md). Images padded to 32×32, shifted ±2 px
 * and flipped; 8×8 patches with step 4 → the paper's 7×7 grid. Encoder: stem 16, planes [8, 16, 128] (×4 = 32 / 64 /
 * 512 channels), one block per stage, strides [1, 2, 2] (8×8 → 8×8 → 4×4 → 2×2 per patch): narrow where the maps are
 * large (stages 1–2 run on 64 and 16 positions per patch), wide where they are small (stage 3: 4 positions), so the
 * probed vector is 512-d at little cost. Adam lr 1e-3 (the runs see under half an epoch; the paper's 2e-4 is for 300
 * epochs). CPC's PixelCNN: 2 layers of 256 (half the encoder width; the paper: 4 of 1024). Batch 32, K 5, N 16 as the
 * paper. Probes: all 60k train / 10k test images, standardised features, trained until the loss plateaus; the paper's
 * grid average and 2×2 cells side by side. The measurements behind these choices (widths and learning
 * rates against probe accuracy, step times): results/notes/vision-small-preset.md.
 *
 * medium = small with what issue 11's measurements asked for (results/vision/supervised-cap.md, pooling-check.md):
 * a GroupNorm of 8 groups before each ReLU, the supervised classifier on the grid pooled to 2×2 cells, a cosine
 * learning rate, one epoch for the self-supervised rows and eight for the supervised references (which learn from labels
 * more slowly through the patch grid). Its measured wall time is in results/vision/medium/table1.md.
 *
 * tiny = seconds, for tests and smoke runs: 256 train / 128 test images, a 1-block, 4/8/8-plane encoder, batch 4.
 */
const SMALL_VISION_MODEL = {
  stemChannels: 16,
  planes: [8, 16, 128],
  blocks: [1, 1, 1],
  patch: 8,
  patchStride: 4,
  contextChannels: 256,
  contextLayers: 2,
} satisfies DeepPartial<VisionConfig['model']>;

const SMALL_VISION_PROBE = {
  epochs: 200,
  lr: 1e-3,
  batchSize: 256,
  maxTrain: 0,
  maxTest: 0,
  featureBatch: 128,
  stop: 'plateau',
  plateau: { tolerance: 1e-3, patience: 3, lrDrops: 2 },
  spatial: 2,
} satisfies DeepPartial<VisionConfig['probe']>;

const visionPresets: Record<VisionScale, DeepPartial<VisionConfig>> = {
  full: { name: 'vision-full', device: 'cuda' },
  small: {
    name: 'vision-small',
    data: { ...fashionMnist, maxTrain: 0, maxTest: 0 },
    model: { ...SMALL_VISION_MODEL },
    train: { steps: 800, batchSize: 32, lr: 1e-3, checkpointEvery: 200, logEvery: 20 },
    probe: { ...SMALL_VISION_PROBE },
    figure: { neurons: 4, patches: 10, images: 2000 },
  },
  medium: {
    name: 'vision-medium',
    data: { ...fashionMnist, maxTrain: 0, maxTest: 0 },
    model: { ...SMALL_VISION_MODEL, normGroups: 8 },
    train: {
      steps: null,
      epochs: 1,
      supervised: { cells: 2, epochs: 8 },
      batchSize: 32,
      lr: 1e-3,
      schedule: 'cosine',
      checkpointEvery: 625,
      logEvery: 25,
    },
    probe: { ...SMALL_VISION_PROBE },
    figure: { neurons: 4, patches: 10, images: 2000 },
  },
  tiny: {
    name: 'vision-tiny',
    data: { ...fashionMnist, maxTrain: 256, maxTest: 128 },
    // The tiny encoder with a cheaper loss (K 3, N 4) and a 1-layer PixelCNN, so that a tiny run takes seconds; kept
    // apart from TINY_VISION_ENCODER on purpose: tiny runs' metrics must reproduce bit for bit across changes.
    model: { ...TINY_VISION_ENCODER, predictionSteps: 3, negativeSamples: 4, contextLayers: 1 },
    train: { steps: 4, batchSize: 4, lr: 1e-3, checkpointEvery: 2, logEvery: 1 },
    probe: {
      epochs: 3,
      lr: 1e-2,
      batchSize: 32,
      maxTrain: 0,
      maxTest: 0,
      featureBatch: 64,
      stop: 'plateau',
      plateau: { tolerance: 1e-2, patience: 1, lrDrops: 1 },
      spatial: 2,
    },
    figure: { neurons: 2, patches: 4, images: 64 },
  },
};

/** resolveVisionConfig(scale, patch): defaults → preset → patch, validated. */
export function resolveVisionConfig(scale: VisionScale, patch: DeepPartial<VisionConfig> = {}): VisionConfig {
  return parseVisionConfig(deepMerge(deepMerge(visionDefaults, visionPresets[scale]), patch));
}

/** parseVisionConfig(json): validate, with errors naming the offending key. */
export function parseVisionConfig(value: unknown): VisionConfig {
  return parseConfig(visionConfigSchema, value, 'vision');
}

/** A run's saved config.json: keys added to the config since the run was written take their defaults. */
export function savedVisionConfig(json: unknown): VisionConfig {
  return parseVisionConfig(deepMerge(visionDefaults, json as DeepPartial<VisionConfig>));
}
