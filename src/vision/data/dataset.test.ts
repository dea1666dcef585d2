import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_NORM, randomCrop } from './augment.js';
import {
  bytesDataset,
  channelStats,
  epochBatches,
  epochIndices,
  fashionMnistDataset,
  stl10FileDataset,
  subset,
} from './dataset.js';
import { FASHION_MNIST_DIR, readFashionMnist } from './idx.js';
import { openStl10, STL10_RECORD } from './stl10.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = bytesDataset({
  images: Uint8Array.from([0, 51, 102, 255, 10, 20, 30, 40, 5, 6, 7, 8]),
  labels: Uint8Array.from([2, 0, 1]),
  n: 3,
  channels: 1,
  height: 2,
  width: 2,
});

describe('datasets', () => {
  it('give floats in [0, 1] and labels, with index checks', () => {
    expect(Array.from(small.image(0))).toEqual([0, 0.2, 0.4, 1].map((v) => Math.fround(v)));
    expect(small.label(2)).toBe(1);
    expect(() => small.image(3)).toThrow(RangeError);
    expect(() => small.label(-1)).toThrow(RangeError);
    const sub = subset(small, [2, 0]);
    expect(sub.n).toBe(2);
    expect(sub.label(0)).toBe(1);
    expect(sub.image(1)).toEqual(small.image(0));
  });

  it('reads STL-10 images lazily from the file, column-major to row-major', () => {
    const x = Buffer.alloc(2 * STL10_RECORD);
    x[STL10_RECORD + 9216 * 2 + 5 * 96 + 3] = 255; // image 1, blue, col 5, row 3
    writeFileSync(join(dir, 'unlabeled_X.bin'), x);
    const ds = stl10FileDataset(openStl10(dir, 'unlabeled'));
    expect([ds.n, ds.channels, ds.height, ds.width]).toEqual([2, 3, 96, 96]);
    const img = ds.image(1);
    expect(img[9216 * 2 + 3 * 96 + 5]).toBe(1);
    expect(img.reduce((a, v) => a + v, 0)).toBe(1);
    expect(ds.label(0)).toBe(-1);
    ds.close?.();
    expect(() => ds.image(0)).toThrow(/after close/);
  });

  it('channel statistics are the pixel mean and population std', () => {
    const s = channelStats(small);
    const v = [0, 51, 102, 255, 10, 20, 30, 40, 5, 6, 7, 8].map((b) => b / 255);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(s.mean[0]).toBeCloseTo(mean, 6);
    expect(s.std[0]).toBeCloseTo(std, 6);
  });
});

describe('epoch iteration', () => {
  it('is a seeded permutation per epoch, cut into batches', () => {
    const batches = [...epochIndices(10, { batchSize: 4, seed: 1, epoch: 0 })];
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    const order = batches.flatMap((b) => Array.from(b));
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = [...epochIndices(10, { batchSize: 4, seed: 1, epoch: 0 })].flatMap((b) => Array.from(b));
    expect(again).toEqual(order);
    const next = [...epochIndices(10, { batchSize: 4, seed: 1, epoch: 1 })].flatMap((b) => Array.from(b));
    expect(next).not.toEqual(order);
    const plain = [...epochIndices(10, { batchSize: 4, seed: 1, epoch: 0, shuffle: false, dropLast: true })];
    expect(plain.map((b) => Array.from(b))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('yields reproducible augmented batches', () => {
    const opts = { batchSize: 2, seed: 3, epoch: 2, transform: randomCrop(1) };
    const a = [...epochBatches(small, opts)];
    const b = [...epochBatches(small, opts)];
    expect(a.map((x) => x.shape)).toEqual([
      [2, 1, 1, 1],
      [1, 1, 1, 1],
    ]);
    expect(a.map((x) => [Array.from(x.data), Array.from(x.labels)])).toEqual(
      b.map((x) => [Array.from(x.data), Array.from(x.labels)]),
    );
  });
});

const haveFashion = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
if (!haveFashion) console.warn(`skipping real Fashion-MNIST statistics: ${FASHION_MNIST_DIR} absent`);

describe.runIf(haveFashion)('real Fashion-MNIST', () => {
  it('has the documented normalisation constants (mean 0.2860, std 0.3530)', () => {
    const train = fashionMnistDataset(readFashionMnist().train);
    const s = channelStats(train);
    expect(Math.abs(s.mean[0]! - FASHION_MNIST_NORM.mean[0]!)).toBeLessThan(5e-5);
    expect(Math.abs(s.std[0]! - FASHION_MNIST_NORM.std[0]!)).toBeLessThan(5e-5);
    console.log(`Fashion-MNIST train pixel mean ${s.mean[0]!.toFixed(5)}, std ${s.std[0]!.toFixed(5)}`);
  });
});
