/** Image files: JPEG decoded by jpeg-js against libjpeg-turbo's own decoding (djpeg, committed), PNG, bad files. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageFile } from './image-file.js';

// Written by scripts/make-jpeg-fixtures.sh (cjpeg, djpeg from libjpeg-turbo-progs).
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-image-file-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A binary PPM (P6) or PGM (P5) with maxval 255: its size, channels and bytes. */
function readNetpbm(file: string): { width: number; height: number; channels: number; bytes: Uint8Array } {
  const buffer = fs.readFileSync(file);
  const header = /^(P[56])\s+(\d+)\s+(\d+)\s+255\s/.exec(buffer.subarray(0, 64).toString('latin1'));
  if (header === null) throw new Error(`${file}: not a binary PPM/PGM with maxval 255`);
  const [whole, magic, width, height] = header;
  return {
    width: Number(width),
    height: Number(height),
    channels: magic === 'P6' ? 3 : 1,
    bytes: buffer.subarray(whole.length),
  };
}

/** Largest and mean absolute difference, in bytes, between a decoded image and a PPM/PGM's pixels. */
function differences(file: string, reference: string): { max: number; mean: number } {
  const img = readImageFile(file);
  const ref = readNetpbm(reference);
  expect([img.channels, img.height, img.width]).toEqual([3, ref.height, ref.width]);
  const plane = ref.height * ref.width;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const expected = ref.bytes[i * ref.channels + (ref.channels === 1 ? 0 : c)]!;
      const diff = Math.abs(Math.round(img.data[c * plane + i]! * 255) - expected);
      max = Math.max(max, diff);
      sum += diff;
    }
  }
  return { max, mean: sum / (3 * plane) };
}

describe('readImageFile', () => {
  it('decodes an RGB JPEG as libjpeg-turbo does (IDCT rounding apart)', () => {
    const { max, mean } = differences(path.join(FIXTURES, 'gradient.jpg'), path.join(FIXTURES, 'gradient.ppm'));
    expect(max).toBeLessThanOrEqual(4);
    expect(mean).toBeLessThan(1);
  });

  it('decodes a grayscale JPEG to its luma in all three planes', () => {
    const { max, mean } = differences(path.join(FIXTURES, 'gray.jpg'), path.join(FIXTURES, 'gray.pgm'));
    expect(max).toBeLessThanOrEqual(2);
    expect(mean).toBeLessThan(0.5);
  });

  it('reads a PNG as RGB in [0, 1], alpha dropped; .JPEG and .jpg alike', () => {
    const png = new PNG({ width: 3, height: 2 });
    for (let i = 0; i < 6; i++) png.data.set([10 * i, 255, 0, 7], 4 * i);
    const file = path.join(tmp, 'tiny.png');
    fs.writeFileSync(file, PNG.sync.write(png));
    const img = readImageFile(file);
    expect([img.channels, img.height, img.width]).toEqual([3, 2, 3]);
    expect(Array.from(img.data.subarray(0, 6), (v) => Math.round(v * 255))).toEqual([0, 10, 20, 30, 40, 50]);
    expect(Array.from(img.data.subarray(6, 12))).toEqual([1, 1, 1, 1, 1, 1]);
    const upper = path.join(tmp, 'GRADIENT.JPEG');
    fs.copyFileSync(path.join(FIXTURES, 'gradient.jpg'), upper);
    expect(readImageFile(upper).data).toEqual(readImageFile(path.join(FIXTURES, 'gradient.jpg')).data);
  });

  it('a corrupt or truncated JPEG, or a PNG that is not one, is an error naming the file', () => {
    const corrupt = path.join(tmp, 'corrupt.jpg');
    fs.writeFileSync(corrupt, 'not a JPEG at all');
    expect(() => readImageFile(corrupt)).toThrow(`${corrupt}: not a readable JPEG`);
    const truncated = path.join(tmp, 'truncated.jpg');
    fs.writeFileSync(truncated, fs.readFileSync(path.join(FIXTURES, 'gradient.jpg')).subarray(0, 400));
    expect(() => readImageFile(truncated)).toThrow(`${truncated}: not a readable JPEG`);
    const fake = path.join(tmp, 'fake.png');
    fs.writeFileSync(fake, 'nope');
    expect(() => readImageFile(fake)).toThrow(`${fake}: not a readable PNG`);
    expect(() => readImageFile(path.join(tmp, 'x.gif'))).toThrow('not an image file this reads (.png, .jpg, .jpeg)');
  });
});
