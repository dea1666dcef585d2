import { describe, expect, it } from 'vitest';
import {
  centerCrop,
  compose,
  crop,
  grayscale,
  hflip,
  image,
  makeBatch,
  normalize,
  pad,
  padTo,
  randomCrop,
  randomCropOffsets,
  randomHflip,
  resizeBilinear,
} from './augment.js';
import { bytesDataset } from './dataset.js';
import { Rng } from '../../util/rng.js';
import type { Image } from './types.js';

/** C × H × W image whose value at (c, y, x) is 1000·c + 100·y + x (so crops reveal their offsets). */
function ramp(C: number, H: number, W: number): Image {
  const data = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[(c * H + y) * W + x] = 1000 * c + 100 * y + x;
  return image(data, C, H, W);
}

describe('crops', () => {
  it('random crop offsets lie in range, reach both ends, and repeat per seed', () => {
    const draw = (seed: number): number[][] => {
      const rng = new Rng(seed);
      return Array.from({ length: 400 }, () => {
        const { top, left } = randomCropOffsets(rng, 96, 96, 64, 64);
        return [top, left];
      });
    };
    const offs = draw(1);
    for (const [top, left] of offs) {
      expect(top! >= 0 && top! <= 32 && left! >= 0 && left! <= 32).toBe(true);
    }
    const tops = new Set(
      draw(2)
        .concat(offs)
        .map(([t]) => t),
    );
    expect(tops.has(0) && tops.has(32)).toBe(true);
    expect(draw(1)).toEqual(offs);
    expect(draw(3)).not.toEqual(offs);
  });

  it('random crop copies the window at its offsets', () => {
    const img = ramp(2, 10, 12);
    const rng = new Rng(5);
    for (let k = 0; k < 20; k++) {
      const out = randomCrop([4, 5])(img, rng);
      expect([out.channels, out.height, out.width]).toEqual([2, 4, 5]);
      const top = Math.floor(out.data[0]! / 100);
      const left = out.data[0]! % 100;
      expect(top <= 6 && left <= 7).toBe(true);
      expect(out.data[(1 * 4 + 3) * 5 + 4]).toBe(1000 + 100 * (top + 3) + left + 4);
    }
  });

  it('random crop with padding takes windows of the zero-padded image', () => {
    const rng = new Rng(9);
    const img = image(new Float32Array(4 * 4).fill(1), 1, 4, 4);
    let sawPad = false;
    for (let k = 0; k < 50; k++) {
      const out = randomCrop(4, { padding: 2 })(img, rng);
      expect(out.height).toBe(4);
      if (out.data.includes(0)) sawPad = true;
    }
    expect(sawPad).toBe(true);
  });

  it('centre crop is exact', () => {
    const out = centerCrop([2, 3])(ramp(1, 4, 5), new Rng(0));
    expect(Array.from(out.data)).toEqual([101, 102, 103, 201, 202, 203]);
    const big = centerCrop(64)(ramp(1, 96, 96), new Rng(0));
    expect(big.data[0]).toBe(1616);
    expect(big.data[63 * 64 + 63]).toBe(100 * 79 + 79);
    expect(() => crop(ramp(1, 4, 4), 1, 1, 4, 4)).toThrow(RangeError);
  });
});

describe('pixel transforms', () => {
  it('flip mirrors each row and is its own inverse', () => {
    const img = ramp(3, 5, 7);
    const f = hflip(img);
    expect(f.data[(2 * 5 + 4) * 7 + 0]).toBe(2000 + 400 + 6);
    expect(Array.from(hflip(f).data)).toEqual(Array.from(img.data));
    expect(randomHflip(0)(img, new Rng(1))).toBe(img);
    expect(Array.from(randomHflip(1)(img, new Rng(1)).data)).toEqual(Array.from(f.data));
  });

  it('grayscale is 0.299 R + 0.587 G + 0.114 B on a pixel', () => {
    const img = image(Float32Array.from([0.2, 1, 0.4, 0, 0.6, 0.5]), 3, 1, 2);
    const g = grayscale(img);
    expect(g.channels).toBe(1);
    expect(g.data[0]).toBeCloseTo(0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, 6);
    expect(g.data[1]).toBeCloseTo(0.299 + 0.114 * 0.5, 6);
  });

  it('pads to 32×32 centred, and pads by given sides', () => {
    const out = padTo(32)(image(new Float32Array(28 * 28).fill(1), 1, 28, 28), new Rng(0));
    expect([out.height, out.width]).toEqual([32, 32]);
    expect(out.data[1 * 32 + 1]).toBe(0);
    expect(out.data[2 * 32 + 2]).toBe(1);
    expect(out.data[29 * 32 + 29]).toBe(1);
    expect(out.data[30 * 32 + 30]).toBe(0);
    const p = pad(ramp(1, 1, 2), { top: 1, bottom: 0, left: 0, right: 1 }, -1);
    expect(Array.from(p.data)).toEqual([-1, -1, -1, 0, 1, -1]);
  });

  it('bilinear resize matches torch (align_corners=False)', () => {
    const row = image(Float32Array.from([0, 1]), 1, 1, 2);
    expect(Array.from(resizeBilinear(row, 1, 4).data)).toEqual([0, 0.25, 0.75, 1]);
    expect(Array.from(resizeBilinear(image(Float32Array.from([0, 1, 2, 3]), 1, 1, 4), 1, 2).data)).toEqual([0.5, 2.5]);
    const img = ramp(2, 3, 4);
    expect(Array.from(resizeBilinear(img, 3, 4).data)).toEqual(Array.from(img.data));
  });

  it('normalises per channel and composes left to right', () => {
    const img = image(Float32Array.from([0.5, 1, 0.2, 0.4]), 2, 1, 2);
    const n = normalize({ mean: [0.5, 0.2], std: [0.5, 0.1] })(img, new Rng(0));
    expect(Array.from(n.data).map((v) => +v.toFixed(5))).toEqual([0, 1, 0, 2]);
    expect(() => normalize({ mean: [0, 0, 0], std: [1, 1, 1] })(img, new Rng(0))).toThrow(/3 mean values for 2/);
    const t = compose(centerCrop(2), hflip);
    expect(Array.from(t(ramp(1, 4, 4), new Rng(0)).data)).toEqual([102, 101, 202, 201]);
  });
});

describe('makeBatch', () => {
  const ds = bytesDataset({
    images: Uint8Array.from({ length: 4 * 3 * 4 * 4 }, (_, k) => k % 256),
    labels: Uint8Array.from([3, 1, 4, 1]),
    n: 4,
    channels: 3,
    height: 4,
    width: 4,
  });

  it('stacks images as [B, C, H, W] with labels', () => {
    const b = makeBatch(ds, [2, 0]);
    expect(b.shape).toEqual([2, 3, 4, 4]);
    expect(Array.from(b.labels)).toEqual([4, 3]);
    expect(b.data[0]).toBeCloseTo((2 * 48) / 255, 6);
    expect(b.data[48 + 47]).toBeCloseTo(47 / 255, 6);
  });

  it('applies transforms, reproducibly per seed; random ones need an rng', () => {
    const t = compose(randomCrop(2), randomHflip(), grayscale);
    const a = makeBatch(ds, [0, 1, 2, 3], t, new Rng(11));
    expect(a.shape).toEqual([4, 1, 2, 2]);
    expect(Array.from(makeBatch(ds, [0, 1, 2, 3], t, new Rng(11)).data)).toEqual(Array.from(a.data));
    expect(() => makeBatch(ds, [0], t)).toThrow(/pass an Rng/);
    expect(makeBatch(ds, [0], centerCrop(2)).shape).toEqual([1, 3, 2, 2]);
    expect(() => makeBatch(ds, [4])).toThrow(RangeError);
  });
});
