/**
 * STL-10 binary version (users bring it): {train,test,unlabeled}_X.bin hold N records of 27648 bytes
 * (3 × 96 × 96) whose channel planes are COLUMN-major (byte c·9216 + col·96 + row), converted here to row-major CHW;
 * {train,test}_y.bin hold one label byte 1..10 per image, returned as 0..9. Files are read by record ranges with
 * positioned reads, so the 2.76 GB unlabeled split is never loaded whole.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError, type ImageBytes, type LabelledImageBytes } from './types.js';

/** Side of an STL-10 image. */
export const STL10_SIZE = 96;
/** Bytes of one channel plane. */
export const STL10_PLANE = STL10_SIZE * STL10_SIZE;
/** Bytes of one image record (3 planes). */
export const STL10_RECORD = 3 * STL10_PLANE;
/** Records read per positioned read when loading a range. */
const CHUNK_RECORDS = 256;

/** STL-10 class names, by 0-based label. */
export const STL10_CLASSES = [
  'airplane',
  'bird',
  'car',
  'cat',
  'deer',
  'dog',
  'horse',
  'monkey',
  'ship',
  'truck',
] as const;

export type Stl10Split = 'train' | 'test' | 'unlabeled';

/** A range of records: start (default 0) and count (default: to the end). */
export interface RecordRange {
  start?: number;
  count?: number;
}

/** Copy one column-major STL-10 record at src[srcOffset] into out[outOffset] as row-major CHW. */
export function stl10RecordToChw(src: Uint8Array, srcOffset: number, out: Uint8Array, outOffset: number): void {
  for (let c = 0; c < 3; c++) {
    const plane = c * STL10_PLANE;
    for (let col = 0; col < STL10_SIZE; col++) {
      const from = srcOffset + plane + col * STL10_SIZE;
      const to = outOffset + plane + col;
      for (let row = 0; row < STL10_SIZE; row++) out[to + row * STL10_SIZE] = src[from + row]!;
    }
  }
}

/** Read exactly `length` bytes at `position` of an open file into buf, or throw naming the file and offset. */
function readExactly(fd: number, path: string, buf: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const got = readSync(fd, buf, done, length - done, position + done);
    if (got === 0)
      throw new DataFormatError(path, position + done, `unexpected end of file at offset ${position + done}`);
    done += got;
  }
}

/** Resolve a range against n records, checking bounds. */
function resolveRange(what: string, n: number, range: RecordRange): { start: number; count: number } {
  const start = range.start ?? 0;
  const count = range.count ?? n - start;
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > n) {
    throw new RangeError(`${what}: records ${start}..${start + count - 1} are outside the file's 0..${n - 1}`);
  }
  return { start, count };
}

/** An open STL-10 image file, read by record ranges with positioned reads. */
export class Stl10ImageFile {
  /** Number of images in the file. */
  readonly n: number;
  private fd: number | null;

  /** Open path and check its size is a whole number of records. */
  constructor(readonly path: string) {
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    this.n = Math.floor(size / STL10_RECORD);
    const partial = size - this.n * STL10_RECORD;
    if (partial !== 0) {
      closeSync(fd);
      const at = this.n * STL10_RECORD;
      throw new DataFormatError(
        path,
        at,
        `size ${size} is not a multiple of the ${STL10_RECORD}-byte record (3×96×96); ` +
          `partial record of ${partial} bytes at offset ${at} (after ${this.n} whole records)`,
      );
    }
    this.fd = fd;
  }

  /** Read `count` images from record `start` as row-major CHW bytes (count · 27648 bytes). */
  read(start: number, count: number): Uint8Array {
    if (this.fd === null) throw new Error(`${this.path}: read after close`);
    resolveRange(this.path, this.n, { start, count });
    const out = new Uint8Array(count * STL10_RECORD);
    const buf = new Uint8Array(Math.min(count, CHUNK_RECORDS) * STL10_RECORD);
    for (let done = 0; done < count;) {
      const k = Math.min(CHUNK_RECORDS, count - done);
      readExactly(this.fd, this.path, buf, k * STL10_RECORD, (start + done) * STL10_RECORD);
      for (let r = 0; r < k; r++) stl10RecordToChw(buf, r * STL10_RECORD, out, (done + r) * STL10_RECORD);
      done += k;
    }
    return out;
  }

  /** Close the file; further reads throw. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Read labels start..start+count−1 of an STL-10 label file (bytes 1..10) as 0..9, checking the file holds n labels. */
export function readStl10Labels(path: string, n: number, range: RecordRange = {}): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size !== n) {
      throw new DataFormatError(
        path,
        Math.min(size, n),
        `holds ${size} labels but its image file holds ${n} images (mismatch from offset ${Math.min(size, n)})`,
      );
    }
    const { start, count } = resolveRange(path, n, range);
    const labels = new Uint8Array(count);
    readExactly(fd, path, labels, count, start);
    for (let i = 0; i < count; i++) {
      const v = labels[i]!;
      if (v < 1 || v > 10) {
        throw new DataFormatError(path, start + i, `label ${v} at offset ${start + i} is outside 1..10`);
      }
      labels[i] = v - 1;
    }
    return labels;
  } finally {
    closeSync(fd);
  }
}

/** Resolve dir or dir/stl10_binary as the folder holding the STL-10 files. */
function stl10Root(dir: string, file: string): string {
  const nested = join(dir, 'stl10_binary');
  const root = !existsSync(join(dir, file)) && existsSync(join(nested, file)) ? nested : dir;
  if (!existsSync(join(root, file))) throw new Error(`STL-10: ${file} not found in ${dir}`);
  return root;
}

/** Open a split's image file (e.g. the 100k-image unlabeled split) for range reads; close it when done. */
export function openStl10(dir: string, split: Stl10Split): Stl10ImageFile {
  const file = `${split}_X.bin`;
  return new Stl10ImageFile(join(stl10Root(dir, file), file));
}

/** Read a labelled split (train 5k, test 8k), or a range of it, as CHW bytes with labels 0..9. */
export function readStl10(dir: string, split: 'train' | 'test', range: RecordRange = {}): LabelledImageBytes {
  const images = openStl10(dir, split);
  try {
    const { start, count } = resolveRange(images.path, images.n, range);
    const labels = readStl10Labels(join(stl10Root(dir, `${split}_y.bin`), `${split}_y.bin`), images.n, range);
    return { ...readStl10Images(images, start, count), labels };
  } finally {
    images.close();
  }
}

/** Read records start..start+count−1 of an open file as image bytes. */
export function readStl10Images(file: Stl10ImageFile, start: number, count: number): ImageBytes {
  return { images: file.read(start, count), n: count, channels: 3, height: STL10_SIZE, width: STL10_SIZE };
}
