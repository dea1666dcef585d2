import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStl10, readStl10, readStl10Labels, STL10_RECORD } from './stl10.js';
import { DataFormatError } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-stl10-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pixel (c, row, col) of image id; swapping row and col changes it (3·(col − row) ≢ 0 mod 256 off the diagonal). */
const px = (id: number, c: number, row: number, col: number): number => (id * 13 + c * 101 + row * 2 + col * 5) & 255;

/** STL-10 X file: per image 3 planes, each COLUMN-major: byte c·9216 + col·96 + row. */
function xFile(ids: number[]): Buffer {
  const out = Buffer.alloc(ids.length * STL10_RECORD);
  ids.forEach((id, i) => {
    for (let c = 0; c < 3; c++)
      for (let col = 0; col < 96; col++)
        for (let row = 0; row < 96; row++) out[i * STL10_RECORD + c * 9216 + col * 96 + row] = px(id, c, row, col);
  });
  return out;
}

/** Check image k of a CHW row-major array against image id, over all pixels. */
function expectImage(images: Uint8Array, k: number, id: number): void {
  let bad = 0;
  for (let c = 0; c < 3; c++)
    for (let row = 0; row < 96; row++)
      for (let col = 0; col < 96; col++)
        if (images[k * STL10_RECORD + c * 9216 + row * 96 + col] !== px(id, c, row, col)) bad++;
  expect(bad).toBe(0);
}

writeFileSync(join(dir, 'train_X.bin'), xFile([0, 1, 2]));
writeFileSync(join(dir, 'train_y.bin'), Buffer.from([1, 10, 4]));
writeFileSync(join(dir, 'test_X.bin'), xFile([5, 6]));
writeFileSync(join(dir, 'test_y.bin'), Buffer.from([2, 3, 4])); // one label too many
const unlabeledIds = Array.from({ length: 300 }, (_, i) => i); // more than one 256-record read chunk
writeFileSync(join(dir, 'unlabeled_X.bin'), xFile(unlabeledIds));

describe('STL-10 reader', () => {
  it('converts column-major planes to row-major CHW and labels 1..10 to 0..9', () => {
    const train = readStl10(dir, 'train');
    expect(train).toMatchObject({ n: 3, channels: 3, height: 96, width: 96 });
    expect(Array.from(train.labels)).toEqual([0, 9, 3]);
    for (let k = 0; k < 3; k++) expectImage(train.images, k, k);
    // One pixel by hand: image 1, green, row 2, col 7 sits at file byte 27648 + 9216 + 7·96 + 2.
    expect(train.images[STL10_RECORD + 9216 + 2 * 96 + 7]).toBe((13 + 101 + 4 + 35) & 255);
  });

  it('reads a range of records and its labels', () => {
    const part = readStl10(dir, 'train', { start: 1, count: 2 });
    expect(part.n).toBe(2);
    expect(Array.from(part.labels)).toEqual([9, 3]);
    expectImage(part.images, 0, 1);
    expectImage(part.images, 1, 2);
    expect(() => readStl10(dir, 'train', { start: 2, count: 2 })).toThrow(RangeError);
  });

  it('streams the unlabeled file by ranges, across read chunks', () => {
    const file = openStl10(dir, 'unlabeled');
    try {
      expect(file.n).toBe(300);
      const block = file.read(250, 20);
      for (let k = 0; k < 20; k += 6) expectImage(block, k, 250 + k);
      expectImage(block, 19, 269);
      const all = file.read(0, 300);
      expectImage(all, 299, 299);
      expect(Buffer.compare(all.subarray(250 * STL10_RECORD, 270 * STL10_RECORD), block)).toBe(0);
    } finally {
      file.close();
    }
    expect(() => file.read(0, 1)).toThrow(/read after close/);
  });

  it('rejects a partial record, naming file and offset', () => {
    const sub = join(dir, 'partial');
    mkdirSync(sub);
    const path = join(sub, 'train_X.bin');
    writeFileSync(path, xFile([0, 1]).subarray(0, STL10_RECORD + 1000));
    writeFileSync(join(sub, 'train_y.bin'), Buffer.from([1, 2]));
    expect(() => readStl10(sub, 'train')).toThrow(DataFormatError);
    expect(() => readStl10(sub, 'train')).toThrow(
      `${path}: size 28648 is not a multiple of the 27648-byte record (3×96×96); partial record of 1000 bytes at offset 27648 (after 1 whole records)`,
    );
  });

  it('rejects labels outside 1..10 and label/image count mismatches, naming file and offset', () => {
    const y = join(dir, 'bad_y.bin');
    writeFileSync(y, Buffer.from([1, 0, 3]));
    expect(() => readStl10Labels(y, 3)).toThrow(`${y}: label 0 at offset 1 is outside 1..10`);
    writeFileSync(y, Buffer.from([1, 2, 11]));
    expect(() => readStl10Labels(y, 3)).toThrow(`${y}: label 11 at offset 2 is outside 1..10`);
    expect(() => readStl10(dir, 'test')).toThrow(
      `${join(dir, 'test_y.bin')}: holds 3 labels but its image file holds 2 images (mismatch from offset 2)`,
    );
  });
});
