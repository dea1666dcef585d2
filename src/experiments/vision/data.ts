/**
 * The vision experiment's data: the splits a config names (Fashion-MNIST, STL-10 or CIFAR-10, capped by
 * data.maxTrain/maxTest),
 * the training transform (pad → grayscale → random crop → flip → normalise) and the evaluation transform (pad →
 * grayscale → central crop → normalise), and the batch of a training step as a pure function of (seed, step).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  centerCrop,
  CIFAR10_CLASSES,
  CIFAR10_NORM,
  cifar10Dataset,
  cifar10Folder,
  compose,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_NORM,
  fashionMnistDataset,
  makeBatch,
  normalize,
  openStl10,
  padTo,
  randomCrop,
  randomHflip,
  readCifar10,
  readFashionMnist,
  readStl10,
  STL10_CLASSES,
  STL10_GRAY_NORM,
  stl10Dataset,
  stl10FileDataset,
  subset,
  toGrayscale,
  type ImageDataset,
  type NormStats,
  type Transform,
} from '../../vision/data/index.js';
import { tensor, type Tensor } from '../../tensor/index.js';
import { mixSeed, Rng } from '../../util/rng.js';
import type { VisionConfig } from './config.js';

export interface VisionData {
  /** What the self-supervised runs learn from (the train split, or STL-10's unlabeled images). */
  pretrain: ImageDataset;
  /** Labelled training images (supervised runs, linear probes). */
  train: ImageDataset;
  test: ImageDataset;
  classes: number;
  classNames: readonly string[];
  norm: NormStats;
  close(): void;
}

const firstN = (ds: ImageDataset, max: number): ImageDataset =>
  max > 0 && max < ds.n
    ? subset(
        ds,
        Array.from({ length: max }, (_, i) => i),
      )
    : ds;

/** normOf(config): the normalisation constants a config uses (data.norm, else the dataset's known ones). */
export function normOf(config: VisionConfig): NormStats {
  if (config.data.norm !== null) return config.data.norm;
  if (config.data.dataset === 'fashion-mnist') return FASHION_MNIST_NORM;
  if (config.data.dataset === 'cifar10') {
    if (!config.data.grayscale) return CIFAR10_NORM;
    throw new Error('data.norm: no known constants for grayscale CIFAR-10; set data.norm.mean and data.norm.std');
  }
  if (config.data.grayscale) return STL10_GRAY_NORM;
  throw new Error('data.norm: no known constants for RGB STL-10; set data.norm.mean and data.norm.std');
}

/** openVisionData(config): the splits, each capped to its first data.maxTrain / data.maxTest images. */
export function openVisionData(config: VisionConfig): VisionData {
  const d = config.data;
  const norm = normOf(config);
  if (d.dataset === 'fashion-mnist') {
    const fm = readFashionMnist(d.root);
    return labelledInMemory(config, fashionMnistDataset(fm.train), fashionMnistDataset(fm.test), FASHION_MNIST_CLASSES);
  }
  if (d.dataset === 'cifar10') return openCifar10(config);
  if (![d.root, path.join(d.root, 'stl10_binary')].some((r) => fs.existsSync(path.join(r, 'train_X.bin')))) {
    throw new Error(`${d.root}: no STL-10 binaries (train_X.bin); set data.root to the stl10_binary/ folder`);
  }
  const labelled = (split: 'train' | 'test', max: number): ImageDataset => {
    const file = openStl10(d.root, split);
    const n = file.n;
    file.close();
    return stl10Dataset(readStl10(d.root, split, max > 0 ? { start: 0, count: Math.min(max, n) } : {}));
  };
  const train = labelled('train', d.maxTrain);
  const unlabeled = d.pretrain === 'unlabeled' ? stl10FileDataset(openStl10(d.root, 'unlabeled')) : null;
  return {
    pretrain: unlabeled === null ? train : firstN(unlabeled, d.maxTrain),
    train,
    test: labelled('test', d.maxTest),
    classes: 10,
    classNames: STL10_CLASSES,
    norm,
    close: () => unlabeled?.close?.(),
  };
}

/** CIFAR-10's binary version at data.root: the 50k train images (the pretraining set too) and the 10k test images. */
function openCifar10(config: VisionConfig): VisionData {
  const d = config.data;
  try {
    cifar10Folder(d.root);
  } catch (err) {
    throw new Error(`data.root: ${(err as Error).message}; set data.root to the folder of the binary batches`, {
      cause: err,
    });
  }
  const cifar = readCifar10(d.root);
  return labelledInMemory(config, cifar10Dataset(cifar.train), cifar10Dataset(cifar.test), CIFAR10_CLASSES);
}

/** A dataset held in memory whose training images are also the pretraining ones, capped to data.maxTrain / maxTest. */
function labelledInMemory(
  config: VisionConfig,
  trainSplit: ImageDataset,
  testSplit: ImageDataset,
  classNames: readonly string[],
): VisionData {
  const train = firstN(trainSplit, config.data.maxTrain);
  return {
    pretrain: train,
    train,
    test: firstN(testSplit, config.data.maxTest),
    classes: classNames.length,
    classNames,
    norm: normOf(config),
    close: () => undefined,
  };
}

/** The shared head of both transforms: pad to data.padTo, then grayscale. */
function prefix(config: VisionConfig): Transform[] {
  const out: Transform[] = [];
  if (config.data.padTo > 0) out.push(padTo(config.data.padTo));
  if (config.data.grayscale) out.push(toGrayscale());
  return out;
}

/** Training transform: pad → grayscale → random crop (after data.cropPadding) → random flip → normalise. */
function trainTransform(config: VisionConfig): Transform {
  const d = config.data;
  return compose(
    ...prefix(config),
    randomCrop(d.crop, { padding: d.cropPadding }),
    ...(d.hflip ? [randomHflip()] : []),
    normalize(normOf(config)),
  );
}

/** Evaluation transform (probes, figures): pad → grayscale → central crop → normalise; no randomness. */
export function evalTransform(config: VisionConfig): Transform {
  return compose(...prefix(config), centerCrop(config.data.crop), normalize(normOf(config)));
}

/** A batch as tensors: x [B, C, crop, crop] float32, y [B] int64 (−1 for unlabelled images). */
export interface ImageTensors {
  x: Tensor;
  y: Tensor;
}

/** Steps in one epoch over n images: ⌊n / batchSize⌋ (the last, smaller batch is dropped). */
function stepsPerEpoch(config: VisionConfig, n: number): number {
  const s = Math.floor(n / config.train.batchSize);
  if (s < 1) throw new Error(`train.batchSize ${config.train.batchSize} is larger than the ${n} training images`);
  return s;
}

/** Optimizer steps of a run: train.steps, or train.epochs (train.supervised.epochs, when set, for the supervised objective) × steps per epoch. */
export function totalSteps(config: VisionConfig, n: number): number {
  const { steps, epochs, objective, supervised } = config.train;
  const passes = objective === 'supervised' ? (supervised.epochs ?? epochs) : epochs;
  return steps ?? Math.round(passes * stepsPerEpoch(config, n));
}

/**
 * A sampler of training batches: batch(step) is a pure function of (seed, step). Epoch e = ⌊step / stepsPerEpoch⌋
 * visits the images in a permutation seeded by (seed, e); step's augmentation draws from a stream seeded by
 * (seed, step), so a resumed run sees exactly the batches it would have seen.
 */
export class TrainBatches {
  readonly perEpoch: number;
  readonly #transform: Transform;
  #cached: { epoch: number; order: Int32Array } | null = null;

  constructor(
    readonly config: VisionConfig,
    readonly dataset: ImageDataset,
  ) {
    this.perEpoch = stepsPerEpoch(config, dataset.n);
    this.#transform = trainTransform(config);
  }

  /** The dataset indices of step's batch. */
  indices(step: number): Int32Array {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`batch: step must be an integer ≥ 0, got ${step}`);
    const epoch = Math.floor(step / this.perEpoch);
    if (this.#cached?.epoch !== epoch) {
      this.#cached = { epoch, order: new Rng(mixSeed(this.config.seed, epoch, 0)).permutation(this.dataset.n) };
    }
    const B = this.config.train.batchSize;
    const at = (step % this.perEpoch) * B;
    return this.#cached.order.slice(at, at + B);
  }

  /** The batch of `step`: augmented, normalised images and their labels. */
  at(step: number): ImageTensors {
    const rng = new Rng(mixSeed(this.config.seed, step, 1));
    return toTensors(makeBatch(this.dataset, this.indices(step), this.#transform, rng));
  }
}

function toTensors(b: ReturnType<typeof makeBatch>): ImageTensors {
  return { x: tensor(b.data, b.shape), y: tensor(b.labels, [b.labels.length], { dtype: 'int64' }) };
}

/** The first `max` images of ds (0: all) through the evaluation transform, as one [N, C, crop, crop] tensor. */
export function evalImages(config: VisionConfig, ds: ImageDataset, max = 0): ImageTensors {
  const n = max > 0 ? Math.min(max, ds.n) : ds.n;
  return toTensors(
    makeBatch(
      ds,
      Array.from({ length: n }, (_, i) => i),
      evalTransform(config),
    ),
  );
}
