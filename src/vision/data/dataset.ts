/**
 * Datasets over the readers (floats in [0, 1] on access), a seeded epoch-shuffled batch iterator, and
 * per-channel statistics (how the normalisation constants in augment.ts are measured).
 */
import { makeBatch, type Batch, type NormStats, type Transform } from './augment.js';
import { mixSeed, Rng } from '../../util/rng.js';
import type { Stl10ImageFile } from './stl10.js';
import { checkIndex, type ImageBytes, type ImageDataset, type LabelledImageBytes } from './types.js';

/** A dataset over image bytes held in memory; labels absent → label(i) = −1. */
export function bytesDataset(src: ImageBytes & { labels?: Uint8Array }, classes = 10): ImageDataset {
  const { images, n, channels, height, width } = src;
  const per = channels * height * width;
  if (images.length !== n * per) {
    throw new RangeError(`bytesDataset: ${images.length} bytes for ${n} images of ${channels}×${height}×${width}`);
  }
  const labels = src.labels;
  if (labels !== undefined && labels.length !== n) {
    throw new RangeError(`bytesDataset: ${labels.length} labels for ${n} images`);
  }
  return {
    n,
    channels,
    height,
    width,
    classes,
    image(i) {
      checkIndex('image', i, n);
      const out = new Float32Array(per);
      for (let k = 0, at = i * per; k < per; k++, at++) out[k] = images[at]! / 255;
      return out;
    },
    label(i) {
      checkIndex('label', i, n);
      return labels === undefined ? -1 : labels[i]!;
    },
  };
}

/** Fashion-MNIST split (from readFashionMnist) as a dataset: 1 × 28 × 28, 10 classes. */
export function fashionMnistDataset(split: LabelledImageBytes): ImageDataset {
  return bytesDataset(split, 10);
}

/** CIFAR-10 split (from readCifar10) as a dataset: 3 × 32 × 32, 10 classes. */
export function cifar10Dataset(split: LabelledImageBytes): ImageDataset {
  return bytesDataset(split, 10);
}

/** A loaded STL-10 split (from readStl10) as a dataset: 3 × 96 × 96, 10 classes. */
export function stl10Dataset(split: LabelledImageBytes): ImageDataset {
  return bytesDataset(split, 10);
}

/**
 * An STL-10 image file read lazily, one positioned read per image (for the 2.76 GB unlabeled split); labels
 * (0..9, one per image) are optional. close() closes the file.
 */
export function stl10FileDataset(file: Stl10ImageFile, labels?: Uint8Array): ImageDataset {
  if (labels !== undefined && labels.length !== file.n) {
    throw new RangeError(`stl10FileDataset: ${labels.length} labels for ${file.n} images of ${file.path}`);
  }
  return {
    n: file.n,
    channels: 3,
    height: 96,
    width: 96,
    classes: 10,
    image(i) {
      checkIndex('image', i, file.n);
      const bytes = file.read(i, 1);
      const out = new Float32Array(bytes.length);
      for (let k = 0; k < bytes.length; k++) out[k] = bytes[k]! / 255;
      return out;
    },
    label(i) {
      checkIndex('label', i, file.n);
      return labels === undefined ? -1 : labels[i]!;
    },
    close() {
      file.close();
    },
  };
}

/** The images `indices` of ds, in that order, as a dataset of their own (e.g. a validation split). */
export function subset(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const idx = Int32Array.from(indices as ArrayLike<number>);
  for (const i of idx) checkIndex('subset', i, ds.n);
  const { channels, height, width, classes } = ds;
  return {
    n: idx.length,
    channels,
    height,
    width,
    classes,
    image(i) {
      checkIndex('image', i, idx.length);
      return ds.image(idx[i]!);
    },
    label(i) {
      checkIndex('label', i, idx.length);
      return ds.label(idx[i]!);
    },
  };
}

/** How one epoch is cut into batches. */
export interface EpochOptions {
  batchSize: number;
  /** Seed of the run; with epoch it fixes the permutation and the augmentation. */
  seed: number;
  epoch: number;
  /** Shuffle (default true); false keeps 0..n−1 in order. */
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
}

/** The index batches of one epoch: a permutation seeded by (seed, epoch), or 0..n−1 in order when shuffle is false. */
export function* epochIndices(n: number, opts: EpochOptions): Generator<Int32Array> {
  const { batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  let order: Int32Array;
  if (opts.shuffle ?? true) {
    order = new Rng(mixSeed(opts.seed, opts.epoch, 0)).permutation(n);
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  for (let at = 0; at < n; at += batchSize) {
    if (opts.dropLast && at + batchSize > n) return;
    yield order.slice(at, Math.min(at + batchSize, n));
  }
}

/** The batches of one epoch of ds, each transformed; augmentation draws from its own stream seeded by (seed, epoch). */
export function* epochBatches(ds: ImageDataset, opts: EpochOptions & { transform?: Transform }): Generator<Batch> {
  const rng = new Rng(mixSeed(opts.seed, opts.epoch, 1));
  for (const indices of epochIndices(ds.n, opts)) yield makeBatch(ds, indices, opts.transform, rng);
}

/** Per-channel mean and population standard deviation over every pixel of ds (accumulated in float64). */
export function channelStats(ds: ImageDataset): NormStats {
  const C = ds.channels;
  const plane = ds.height * ds.width;
  const sum = new Float64Array(C);
  const sumSq = new Float64Array(C);
  for (let i = 0; i < ds.n; i++) {
    const img = ds.image(i);
    for (let c = 0; c < C; c++) {
      let s = 0;
      let q = 0;
      for (let k = c * plane; k < (c + 1) * plane; k++) {
        const v = img[k]!;
        s += v;
        q += v * v;
      }
      sum[c]! += s;
      sumSq[c]! += q;
    }
  }
  const count = ds.n * plane;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sumSq, (q, c) => Math.sqrt(Math.max(0, q / count - mean[c]! ** 2)));
  return { mean, std };
}
