import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { imageGrid } from './grid.js';

/** [r, g, b] of the PNG pixel at (x, y). */
function pixel(png: Buffer, x: number, y: number): number[] {
  const img = PNG.sync.read(png);
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

const gray2x2 = { pixels: new Uint8Array([0, 85, 170, 255]), height: 2, width: 2, channels: 1 };

describe('imageGrid', () => {
  it('enlarges by nearest neighbour inside a gap-wide border', () => {
    const fig = imageGrid({ images: [[gray2x2]], scale: 3, gap: 2, background: 200 });
    expect(fig.svg).toBeUndefined();
    const img = PNG.sync.read(fig.png);
    expect([img.width, img.height]).toEqual([10, 10]);
    expect([fig.width, fig.height]).toEqual([10, 10]);
    expect(pixel(fig.png, 0, 0)).toEqual([200, 200, 200]);
    expect(pixel(fig.png, 2, 2)).toEqual([0, 0, 0]);
    expect(pixel(fig.png, 5, 4)).toEqual([85, 85, 85]); // second column of the first image row
    expect(pixel(fig.png, 4, 5)).toEqual([170, 170, 170]);
    expect(pixel(fig.png, 7, 7)).toEqual([255, 255, 255]);
    expect(pixel(fig.png, 8, 8)).toEqual([200, 200, 200]);
  });

  it('reads CHW and HWC RGB, clips floats, and stretches with minmax', () => {
    // One row, two pixels: red then blue.
    const chw = { pixels: new Float32Array([1, 0, 0, 0, 0, 1]), height: 1, width: 2, channels: 3 };
    const hwc = {
      pixels: new Uint8Array([255, 0, 0, 0, 0, 255]),
      height: 1,
      width: 2,
      channels: 3,
      layout: 'hwc' as const,
    };
    const wide = { pixels: new Float32Array([-2, 2]), height: 1, width: 2, channels: 1 };
    const stretched = { ...wide, normalize: 'minmax' as const };
    const fig = imageGrid({
      images: [
        [chw, hwc],
        [wide, stretched],
      ],
      scale: 1,
      gap: 1,
    });
    expect([fig.width, fig.height]).toEqual([1 + 2 * 3, 1 + 2 * 2]);
    expect(pixel(fig.png, 1, 1)).toEqual([255, 0, 0]);
    expect(pixel(fig.png, 2, 1)).toEqual([0, 0, 255]);
    expect(pixel(fig.png, 4, 1)).toEqual([255, 0, 0]);
    expect(pixel(fig.png, 5, 1)).toEqual([0, 0, 255]);
    expect(pixel(fig.png, 1, 3)).toEqual([0, 0, 0]); // -2 clipped to 0
    expect(pixel(fig.png, 2, 3)).toEqual([255, 255, 255]); // 2 clipped to 1
    expect(pixel(fig.png, 4, 3)).toEqual([0, 0, 0]);
    expect(pixel(fig.png, 5, 3)).toEqual([255, 255, 255]);
  });

  it('sizes cells to the largest image, centres smaller ones, and leaves null cells empty', () => {
    const one = { pixels: new Uint8Array([7]), height: 1, width: 1, channels: 1 };
    const fig = imageGrid({
      images: [
        [gray2x2, null],
        [null, one],
      ],
      scale: 2,
      gap: 1,
      background: 100,
    });
    expect([fig.width, fig.height]).toEqual([1 + 2 * 5, 1 + 2 * 5]);
    expect(pixel(fig.png, 7, 1)).toEqual([100, 100, 100]); // empty cell
    expect(pixel(fig.png, 7, 7)).toEqual([7, 7, 7]); // 1×1 image centred: cell at 6, offset 1
    expect(pixel(fig.png, 6, 6)).toEqual([100, 100, 100]);
  });

  it('adds row labels and a title around the exact grid pixels', () => {
    const plain = imageGrid({ images: [[gray2x2], [gray2x2]], scale: 3, gap: 2 });
    const fig = imageGrid({
      images: [[gray2x2], [gray2x2]],
      rowLabels: ['module 1', 'module 2'],
      title: 'Patches',
      scale: 3,
      gap: 2,
    });
    expect(fig.svg).toContain('>module 2</text>');
    expect(fig.svg).toContain('>Patches</text>');
    expect(fig.height).toBeGreaterThan(plain.height);
    expect(fig.width).toBeGreaterThan(plain.width);
    const left = fig.width - plain.width;
    const top = fig.height - plain.height;
    for (const [x, y] of [
      [5, 2],
      [2, 5],
      [7, 7],
      [5, 12],
    ] as const) {
      expect(pixel(fig.png, left + x, top + y)).toEqual(pixel(plain.png, x, y));
    }
    // Text was drawn: dark pixels left of the grid.
    const img = PNG.sync.read(fig.png);
    let dark = 0;
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < left; x++) if (img.data[(y * img.width + x) * 4]! < 100) dark++;
    expect(dark).toBeGreaterThan(20);
  });

  it('rejects mismatched sizes and labels', () => {
    expect(() => imageGrid({ images: [[{ ...gray2x2, channels: 2 }]] })).toThrow(/2 channels/);
    expect(() => imageGrid({ images: [[{ ...gray2x2, height: 3 }]] })).toThrow(/4 values for 1×3×2/);
    expect(() => imageGrid({ images: [[gray2x2]], rowLabels: ['a', 'b'] })).toThrow(/2 row labels for 1 rows/);
  });
});
