/**
 * Image files as float CHW images: PNG (pngjs) and JPEG (jpeg-js, baseline and progressive), always as RGB in [0, 1]
 * (a grayscale file's luma repeated in the three planes, alpha dropped). Every error names the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { image } from './augment.js';
import type { Image } from './types.js';

export const PNG_EXTENSIONS = ['.png'];
export const JPEG_EXTENSIONS = ['.jpg', '.jpeg'];
export const IMAGE_FILE_EXTENSIONS = [...PNG_EXTENSIONS, ...JPEG_EXTENSIONS];

/** Largest JPEG accepted: megapixels, and memory the decoder may use (MB). */
const JPEG_MAX_MEGAPIXELS = 100;
const JPEG_MAX_MEMORY_MB = 1024;
const BYTE_MAX = 255;
const RGBA = 4;
const RGB = 3;

/** RGBA bytes (4 per pixel, row-major) as an RGB float CHW image in [0, 1]. */
function fromRgba(rgba: Uint8Array, height: number, width: number): Image {
  const plane = width * height;
  const rgb = new Float32Array(RGB * plane); // [3, H, W]
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < RGB; c++) rgb[c * plane + i] = rgba[RGBA * i + c]! / BYTE_MAX;
  }
  return image(rgb, RGB, height, width);
}

/** A PNG file as an RGB float image (a grayscale PNG's luma in all three planes). */
export function readPng(file: string): Image {
  let png: PNG;
  try {
    png = PNG.sync.read(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`${file}: not a readable PNG: ${(err as Error).message}`, { cause: err });
  }
  return fromRgba(png.data, png.height, png.width);
}

/** A JPEG file as an RGB float image (a grayscale JPEG's luma in all three planes). */
export function readJpeg(file: string): Image {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeJpeg(fs.readFileSync(file), {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: JPEG_MAX_MEGAPIXELS,
      maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
  } catch (err) {
    throw new Error(`${file}: not a readable JPEG: ${(err as Error).message}`, { cause: err });
  }
  return fromRgba(decoded.data, decoded.height, decoded.width);
}

/** Whether `file` is a PNG or JPEG by its name. */
export function isImageFile(file: string): boolean {
  return IMAGE_FILE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/** readImageFile(file): a PNG or JPEG (by its extension) as an RGB float CHW image in [0, 1]. */
export function readImageFile(file: string): Image {
  const ext = path.extname(file).toLowerCase();
  if (PNG_EXTENSIONS.includes(ext)) return readPng(file);
  if (JPEG_EXTENSIONS.includes(ext)) return readJpeg(file);
  throw new Error(`${file}: not an image file this reads (${IMAGE_FILE_EXTENSIONS.join(', ')})`);
}
