/** Shared types of the vision data layer: image bytes as read from disk, float images, datasets, format errors. */

/** n images as bytes, each channels × height × width in CHW row-major order, back to back. */
export interface ImageBytes {
  images: Uint8Array;
  n: number;
  channels: number;
  height: number;
  width: number;
}

/** Image bytes with one class label (0-based) per image. */
export interface LabelledImageBytes extends ImageBytes {
  labels: Uint8Array;
}

/** One float image in CHW row-major order (data.length = channels · height · width). */
export interface Image {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** Random access to n images of one shape, as floats in [0, 1], with their labels. */
export interface ImageDataset {
  readonly n: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Number of classes; labels lie in 0..classes−1. */
  readonly classes: number;
  /** Image i (0 ≤ i < n) as a fresh Float32Array, CHW row-major, values in [0, 1]. */
  image(i: number): Float32Array;
  /** Label of image i, or −1 for unlabelled data. */
  label(i: number): number;
  /** Release open files, if the dataset holds any. */
  close?(): void;
}

/** A data file that does not match its format: names the file and the byte offset where it goes wrong. */
export class DataFormatError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'DataFormatError';
  }
}

/** Throw a RangeError unless i is an integer in [0, n). */
export function checkIndex(what: string, i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`${what}: index ${i} is outside 0..${n - 1}`);
}
