/**
 * The demo page's vision gallery: what the page needs to prepare a dropped image the way `gim embed` and `gim eval`
 * prepare images (pad, centre crop, normalise), each gallery image's thumbnail, and the default gallery's files (a
 * run's first test images as PNGs in one folder per class, for `gim embed` to embed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { fitImage, NATIVE_IMAGES } from '../experiments/encoder-inputs.js';
import type { VisionConfig } from '../experiments/vision/config.js';
import { normOf, openVisionData } from '../experiments/vision/data.js';
import { grayscale, readImageFile } from '../vision/data/index.js';
import { labelFolder } from './labels.js';

/** How the page turns a dropped image into the encoder's input. */
export interface ImageInputSpec {
  kind: 'image';
  channels: number;
  /** The data set's image side, before padding (Fashion-MNIST: 28). */
  side: number;
  /** Zero padding to this side, centred (0: none). */
  padTo: number;
  /** Centre crop side (what the encoder sees). */
  crop: number;
  mean: number[];
  std: number[];
}

export interface GalleryItem {
  label: number;
  /** Row of the item in the embedded gallery (gim embed's output). */
  index: number;
  /** The file it was embedded from, relative to the gallery's folder. */
  name: string;
  /** Pooled features of module k, as gim embed wrote them. */
  vector: number[];
  /** The image as gray bytes, side × side (thumbnails). */
  pixels: number[];
}

export interface Gallery {
  experiment: 'vision';
  module: number;
  labels: readonly string[];
  input: ImageInputSpec;
  items: GalleryItem[];
}

const BYTE_MAX = 255;
const INDEX_DIGITS = 5;

/** visionInputSpec(config): how the page prepares an image for the run (no data set is opened). */
export function visionInputSpec(config: VisionConfig): ImageInputSpec {
  const norm = normOf(config);
  return {
    kind: 'image',
    channels: config.model.inChannels,
    side: NATIVE_IMAGES[config.data.dataset].side,
    padTo: config.data.padTo,
    crop: config.data.crop,
    mean: [...norm.mean],
    std: [...norm.std],
  };
}

/** thumbnailPixels(file, config): an image file at its data set's side, as gray bytes (row-major). */
export function thumbnailPixels(file: string, config: VisionConfig): number[] {
  const gray = grayscale(fitImage(readImageFile(file), config)); // [1, side, side]
  return Array.from(gray.data, (v) => Math.min(BYTE_MAX, Math.max(0, Math.round(v * BYTE_MAX))));
}

/** pngOfPixels(pixels, side): gray bytes as an 8-bit grayscale PNG. */
export function pngOfPixels(pixels: readonly number[], side: number): Buffer {
  const png = new PNG({ width: side, height: side, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0 });
}

/**
 * writeVisionGalleryFiles(config, dir, size): the run's first `size` test images as `dir/<class>/test-NNNNN.png`
 * (gray, the data set's side); returns how many were written.
 */
export function writeVisionGalleryFiles(config: VisionConfig, dir: string, size: number): number {
  const data = openVisionData(config);
  try {
    const n = Math.min(size, data.test.n);
    const side = data.test.height;
    for (let i = 0; i < n; i++) {
      const folder = path.join(dir, labelFolder(data.classNames[data.test.label(i)]!));
      fs.mkdirSync(folder, { recursive: true });
      const bytes = Array.from(data.test.image(i).subarray(0, side * data.test.width), (v) => Math.round(v * BYTE_MAX));
      fs.writeFileSync(
        path.join(folder, `test-${String(i).padStart(INDEX_DIGITS, '0')}.png`),
        pngOfPixels(bytes, side),
      );
    }
    return n;
  } finally {
    data.close();
  }
}
