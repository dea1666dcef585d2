import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, readFashionMnist, readIdxImages, readIdxLabels, readIdxSplit } from './idx.js';
import { DataFormatError } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file: big-endian magic 0x000008<ndim>, big-endian sizes, then the bytes. */
function idx(dims: number[], data: ArrayLike<number>, magic = 0x800 | dims.length): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => head.writeInt32BE(d, 4 + 4 * k));
  return Buffer.concat([head, Buffer.from(Array.from(data))]);
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// 3 images of 2 rows × 3 cols: pixel (n, r, c) = 100·n + 10·r + c.
const pixels = Array.from({ length: 3 * 2 * 3 }, (_, k) => {
  const n = Math.floor(k / 6);
  const r = Math.floor((k % 6) / 3);
  return 100 * n + 10 * r + (k % 3);
});

function thrown(f: () => unknown): DataFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFormatError);
    return e as DataFormatError;
  }
  throw new Error('expected an error');
}

describe('IDX reader', () => {
  it('reads images and labels with known values', () => {
    const images = readIdxImages(write('img', idx([3, 2, 3], pixels)));
    expect(images).toMatchObject({ n: 3, channels: 1, height: 2, width: 3 });
    expect(Array.from(images.images)).toEqual(pixels);
    expect(images.images[1 * 6 + 1 * 3 + 2]).toBe(112);
    expect(Array.from(readIdxLabels(write('lab', idx([3], [9, 0, 3]))))).toEqual([9, 0, 3]);
  });

  it('reads gzipped files the same (detected by magic, not by name)', () => {
    const images = readIdxImages(write('img-gz', gzipSync(idx([3, 2, 3], pixels))));
    expect(Array.from(images.images)).toEqual(pixels);
    expect(Array.from(readIdxLabels(write('lab.gz', gzipSync(idx([3], [1, 2, 3])))))).toEqual([1, 2, 3]);
  });

  it('rejects a wrong magic, naming file and offset 0', () => {
    const path = write('labels-as-images', idx([3], [1, 2, 3]));
    const e = thrown(() => readIdxImages(path));
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/wrong IDX magic 0x00000801 at offset 0; expected 0x00000803/);
    expect(e.offset).toBe(0);
    expect(thrown(() => readIdxLabels(write('bad-type', idx([3], [1, 2, 3], 0x0d01)))).message).toMatch(
      /0x00000d01 at offset 0/,
    );
  });

  it('rejects truncated pixels, naming file, offset and sizes', () => {
    const full = idx([3, 2, 3], pixels);
    const path = write('trunc', full.subarray(0, full.length - 5));
    const e = thrown(() => readIdxImages(path));
    expect(e.message).toContain(path);
    expect(e.message).toContain(
      'expected N·rows·cols = 18 bytes of pixels after offset 16 (N=3, rows=2, cols=3), found 13',
    );
    expect(e.offset).toBe(29);
    const gz = write('trunc.gz', gzipSync(full.subarray(0, full.length - 5)));
    expect(thrown(() => readIdxImages(gz)).message).toContain(`${gz} (decompressed): expected N·rows·cols = 18`);
    expect(thrown(() => readIdxImages(write('extra', Buffer.concat([full, Buffer.from([7])])))).message).toMatch(
      /found 19 \(1 trailing bytes\)/,
    );
    expect(thrown(() => readIdxImages(write('short-head', full.subarray(0, 10)))).message).toMatch(
      /header truncated at offset 10/,
    );
  });

  it('rejects labels out of range, naming file and offset', () => {
    const path = write('lab-bad', idx([4], [1, 2, 10, 3]));
    const e = thrown(() => readIdxLabels(path));
    expect(e.message).toBe(`${path}: label 10 of item 2 at offset 10 is outside 0..9`);
    expect(e.offset).toBe(10);
  });

  it('rejects image and label counts that disagree', () => {
    const img = write('img3', idx([3, 2, 3], pixels));
    const lab = write('lab2', idx([2], [1, 2]));
    expect(() => readIdxSplit(img, lab)).toThrow(/lab2: count 2 at offset 4 does not match the 3 images of .*img3/);
  });
});

describe.runIf(existsSync(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz')))('real Fashion-MNIST', () => {
  it('reads 60000 + 10000 images of 28×28 with the known first labels', () => {
    const { train, test } = readFashionMnist();
    expect(train).toMatchObject({ n: 60000, channels: 1, height: 28, width: 28 });
    expect(test).toMatchObject({ n: 10000, channels: 1, height: 28, width: 28 });
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(train.images.length).toBe(60000 * 784);
    const perClass = new Array<number>(10).fill(0);
    for (const l of test.labels) perClass[l]!++;
    expect(perClass).toEqual(new Array<number>(10).fill(1000));
  });
});

if (!existsSync(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'))) {
  console.warn(
    `skipping real Fashion-MNIST tests: ${FASHION_MNIST_DIR} absent (apt-get install dataset-fashion-mnist)`,
  );
}
