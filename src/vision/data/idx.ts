/**
 * IDX files (the MNIST / Fashion-MNIST format), gzipped or not: a big-endian int32 magic 0x000008DD
 * (0x08 = unsigned bytes, DD = number of dimensions), DD big-endian int32 sizes, then the data in row-major order.
 * Images are 0x00000803 [N, rows, cols]; labels are 0x00000801 [N].
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataFormatError, type LabelledImageBytes } from './types.js';

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
  /** Byte offset of the data (the header length). */
  dataOffset: number;
  /** Whether the file was gzipped (offsets then count decompressed bytes). */
  gzipped: boolean;
}

/** Fashion-MNIST splits as bytes; images are 1 × 28 × 28. */
export interface FashionMnist {
  train: LabelledImageBytes;
  test: LabelledImageBytes;
}

/** Default location of Fashion-MNIST from Debian's `dataset-fashion-mnist` package. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Read a file's bytes, gunzipping them when they start with the gzip magic 1f 8b. */
export function readMaybeGzip(path: string): { bytes: Uint8Array; gzipped: boolean } {
  const raw = readFileSync(path);
  const gzipped = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (!gzipped) return { bytes: raw, gzipped };
  try {
    return { bytes: gunzipSync(raw), gzipped };
  } catch (e) {
    throw new Error(`${path}: starts with the gzip magic but does not decompress: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

const hex = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

/**
 * Parse an IDX file of unsigned bytes with `dimNames.length` dimensions; `what` names the data in messages.
 * Offsets in errors count bytes of the decompressed stream when the file is gzipped.
 */
export function readIdx(path: string, dimNames: readonly string[], what = 'data'): IdxArray {
  const { bytes, gzipped } = readMaybeGzip(path);
  const file = gzipped ? `${path} (decompressed)` : path;
  const ndim = dimNames.length;
  const want = 0x800 | ndim;
  if (bytes.length < 4) {
    throw new DataFormatError(file, 0, `${bytes.length} bytes is too short for the 4-byte IDX magic at offset 0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== want) {
    throw new DataFormatError(
      file,
      0,
      `wrong IDX magic ${hex(magic)} at offset 0; expected ${hex(want)} (unsigned bytes, ${ndim} dimension${ndim === 1 ? '' : 's'})`,
    );
  }
  const dataOffset = 4 + 4 * ndim;
  if (bytes.length < dataOffset) {
    throw new DataFormatError(
      file,
      bytes.length,
      `header truncated at offset ${bytes.length}: the magic and ${ndim} sizes need ${dataOffset} bytes`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) {
    const size = view.getInt32(4 + 4 * d, false);
    if (size < 0)
      throw new DataFormatError(file, 4 + 4 * d, `negative size ${size} for ${dimNames[d]} at offset ${4 + 4 * d}`);
    dims.push(size);
  }
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - dataOffset;
  if (found !== expected) {
    const sizes = dimNames.map((name, d) => `${name}=${dims[d]}`).join(', ');
    throw new DataFormatError(
      file,
      dataOffset + Math.min(found, expected),
      `expected ${dimNames.join('·')} = ${expected} bytes of ${what} after offset ${dataOffset} (${sizes}), found ${found}` +
        (found < expected ? ` (truncated at offset ${bytes.length})` : ` (${found - expected} trailing bytes)`),
    );
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + dataOffset, expected), dataOffset, gzipped };
}

/** Read an IDX image file (magic 0x803, [N, rows, cols]) as 1-channel image bytes. */
export function readIdxImages(path: string): {
  images: Uint8Array;
  n: number;
  channels: 1;
  height: number;
  width: number;
} {
  const { dims, data } = readIdx(path, ['N', 'rows', 'cols'], 'pixels');
  return { images: data, n: dims[0]!, channels: 1, height: dims[1]!, width: dims[2]! };
}

/** Read an IDX label file (magic 0x801, [N]) and check every label is below `classes`. */
export function readIdxLabels(path: string, classes = 10): Uint8Array {
  const { data, dataOffset, gzipped } = readIdx(path, ['N'], 'labels');
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= classes) {
      throw new DataFormatError(
        gzipped ? `${path} (decompressed)` : path,
        dataOffset + i,
        `label ${data[i]} of item ${i} at offset ${dataOffset + i} is outside 0..${classes - 1}`,
      );
    }
  }
  return data;
}

/** Find `name` or `name.gz` in dir. */
function findFile(dir: string, name: string): string {
  for (const candidate of [join(dir, name), join(dir, name + '.gz')]) if (existsSync(candidate)) return candidate;
  throw new Error(`Fashion-MNIST: neither ${name} nor ${name}.gz in ${dir}`);
}

/** Read one IDX split (images + labels files) and check the counts agree. */
export function readIdxSplit(imagesPath: string, labelsPath: string, classes = 10): LabelledImageBytes {
  const images = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath, classes);
  if (labels.length !== images.n) {
    throw new DataFormatError(
      labelsPath,
      4,
      `count ${labels.length} at offset 4 does not match the ${images.n} images of ${imagesPath}`,
    );
  }
  return { ...images, labels };
}

/** Read Fashion-MNIST's train (60k) and test (10k) splits from dir ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]). */
export function readFashionMnist(dir: string = FASHION_MNIST_DIR): FashionMnist {
  const split = (prefix: string): LabelledImageBytes =>
    readIdxSplit(findFile(dir, `${prefix}-images-idx3-ubyte`), findFile(dir, `${prefix}-labels-idx1-ubyte`));
  return { train: split('train'), test: split('t10k') };
}
