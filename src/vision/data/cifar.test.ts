import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_RECORD, readCifar10, readCifarBatch } from './cifar.js';
import { DataFormatError } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'gim-cifar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pixel value of image `id`, channel c, row y, column x. */
const px = (id: number, c: number, y: number, x: number): number => (id * 37 + c * 101 + y * 7 + x * 3) & 255;

/** CIFAR-10 binary records: label byte, then R, G, B planes of 32×32 row-major. */
function records(items: { id: number; label: number }[]): Buffer {
  const out = Buffer.alloc(items.length * CIFAR_RECORD);
  items.forEach(({ id, label }, i) => {
    const at = i * CIFAR_RECORD;
    out[at] = label;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[at + 1 + c * 1024 + y * 32 + x] = px(id, c, y, x);
  });
  return out;
}

describe('CIFAR-10 reader', () => {
  it('reads labels and CHW pixels of a batch', () => {
    const path = join(dir, 'one.bin');
    writeFileSync(
      path,
      records([
        { id: 0, label: 3 },
        { id: 1, label: 9 },
        { id: 2, label: 0 },
      ]),
    );
    const b = readCifarBatch(path);
    expect(b).toMatchObject({ n: 3, channels: 3, height: 32, width: 32 });
    expect(Array.from(b.labels)).toEqual([3, 9, 0]);
    for (const [i, c, y, x] of [
      [0, 0, 0, 0],
      [1, 2, 31, 5],
      [2, 1, 4, 30],
    ] as const) {
      expect(b.images[i * 3072 + c * 1024 + y * 32 + x]).toBe(px(i, c, y, x));
    }
  });

  it('reads five train batches in order and the test batch (also from cifar-10-batches-bin/)', () => {
    const root = join(dir, 'cifar-10-batches-bin');
    mkdirSync(root);
    for (let k = 1; k <= 5; k++)
      writeFileSync(
        join(root, `data_batch_${k}.bin`),
        records([
          { id: 10 * k, label: k },
          { id: 10 * k + 1, label: k + 1 },
        ]),
      );
    writeFileSync(join(root, 'test_batch.bin'), records([{ id: 99, label: 7 }]));
    const { train, test } = readCifar10(dir);
    expect(train.n).toBe(10);
    expect(Array.from(train.labels)).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(train.images[9 * 3072 + 1024 + 33]).toBe(px(51, 1, 1, 1));
    expect(test.n).toBe(1);
    expect(test.images[2 * 1024 + 5]).toBe(px(99, 2, 0, 5));
  });

  it('a folder lacking batch files is refused before any is read, naming the folder and every missing file', () => {
    const root = join(dir, 'incomplete');
    mkdirSync(root);
    writeFileSync(join(root, 'data_batch_1.bin'), records([{ id: 1, label: 1 }]));
    writeFileSync(join(root, 'data_batch_3.bin'), Buffer.alloc(5)); // malformed, but never read
    expect(() => readCifar10(root)).toThrow(
      `CIFAR-10 binary version: ${root} (nor ${join(root, 'cifar-10-batches-bin')}) lacks data_batch_2.bin, ` +
        'data_batch_4.bin, data_batch_5.bin, test_batch.bin',
    );
  });

  it('rejects a partial record, naming file and offset', () => {
    const path = join(dir, 'partial.bin');
    writeFileSync(
      path,
      records([
        { id: 0, label: 1 },
        { id: 1, label: 2 },
      ]).subarray(0, 2 * CIFAR_RECORD - 100),
    );
    expect(() => readCifarBatch(path)).toThrow(DataFormatError);
    expect(() => readCifarBatch(path)).toThrow(
      `${path}: size 6046 is not a multiple of the 3073-byte record; partial record of 2973 bytes at offset 3073 (after 1 whole records)`,
    );
  });

  it('rejects a label above 9, naming file and offset', () => {
    const path = join(dir, 'badlabel.bin');
    writeFileSync(
      path,
      records([
        { id: 0, label: 1 },
        { id: 1, label: 10 },
      ]),
    );
    expect(() => readCifarBatch(path)).toThrow(`${path}: label 10 of record 1 at offset 3073 is outside 0..9`);
  });
});
