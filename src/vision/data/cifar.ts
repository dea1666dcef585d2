/**
 * CIFAR-10 binary version (users bring it): data_batch_1..5.bin and test_batch.bin, each a run of 3073-byte
 * records: one label byte (0..9), then 1024 red, 1024 green, 1024 blue bytes, each plane 32×32 row-major — i.e.
 * already CHW, so a record's last 3072 bytes are copied as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError, type LabelledImageBytes } from './types.js';

/** Side of a CIFAR image. */
export const CIFAR_SIZE = 32;
/** Bytes of one image (3 × 32 × 32). */
export const CIFAR_IMAGE_BYTES = 3 * CIFAR_SIZE * CIFAR_SIZE;
/** Bytes of one record: label byte + image. */
export const CIFAR_RECORD = 1 + CIFAR_IMAGE_BYTES;

/** CIFAR-10 class names, by label. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** CIFAR-10 splits as bytes; images are 3 × 32 × 32. */
export interface Cifar10 {
  train: LabelledImageBytes;
  test: LabelledImageBytes;
}

/** Parse one CIFAR-10 binary batch file into CHW image bytes and labels. */
export function readCifarBatch(path: string, classes = 10): LabelledImageBytes {
  const bytes = readFileSync(path);
  const n = Math.floor(bytes.length / CIFAR_RECORD);
  const partial = bytes.length - n * CIFAR_RECORD;
  if (partial !== 0) {
    throw new DataFormatError(
      path,
      n * CIFAR_RECORD,
      `size ${bytes.length} is not a multiple of the ${CIFAR_RECORD}-byte record; ` +
        `partial record of ${partial} bytes at offset ${n * CIFAR_RECORD} (after ${n} whole records)`,
    );
  }
  const images = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * CIFAR_RECORD;
    const label = bytes[at]!;
    if (label >= classes) {
      throw new DataFormatError(path, at, `label ${label} of record ${i} at offset ${at} is outside 0..${classes - 1}`);
    }
    labels[i] = label;
    images.set(bytes.subarray(at + 1, at + CIFAR_RECORD), i * CIFAR_IMAGE_BYTES);
  }
  return { images, labels, n, channels: 3, height: CIFAR_SIZE, width: CIFAR_SIZE };
}

/** Concatenate labelled splits of one image shape. */
export function concatSplits(parts: readonly LabelledImageBytes[]): LabelledImageBytes {
  const first = parts[0];
  if (first === undefined) throw new RangeError('concatSplits: no parts');
  const n = parts.reduce((a, p) => a + p.n, 0);
  const per = first.channels * first.height * first.width;
  const images = new Uint8Array(n * per);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    if (p.channels !== first.channels || p.height !== first.height || p.width !== first.width) {
      throw new RangeError('concatSplits: parts differ in image shape');
    }
    images.set(p.images, at * per);
    labels.set(p.labels, at);
    at += p.n;
  }
  return { images, labels, n, channels: first.channels, height: first.height, width: first.width };
}

/** The files of CIFAR-10's binary version: five train batches (10k images each), then the test batch (10k). */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';

/**
 * The folder holding CIFAR-10's binary batches: `dir` itself, or `dir/cifar-10-batches-bin` (as the archive unpacks).
 * Throws, naming the folder and every missing file, unless all six files are there.
 */
export function cifar10Folder(dir: string): string {
  const nested = join(dir, 'cifar-10-batches-bin');
  const root = !existsSync(join(dir, CIFAR10_TEST_FILE)) && existsSync(join(nested, CIFAR10_TEST_FILE)) ? nested : dir;
  const missing = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].filter((name) => !existsSync(join(root, name)));
  if (missing.length > 0) {
    const where = root === dir ? `${dir} (nor ${nested})` : root;
    throw new Error(`CIFAR-10 binary version: ${where} lacks ${missing.join(', ')}`);
  }
  return root;
}

/** Read CIFAR-10's data_batch_1..5.bin (train, 50k) and test_batch.bin (test, 10k) from dir or dir/cifar-10-batches-bin. */
export function readCifar10(dir: string): Cifar10 {
  const root = cifar10Folder(dir);
  const train = concatSplits(CIFAR10_TRAIN_FILES.map((name) => readCifarBatch(join(root, name))));
  return { train, test: readCifarBatch(join(root, CIFAR10_TEST_FILE)) };
}
