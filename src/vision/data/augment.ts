/**
 * Image transforms on float CHW images, seeded through an explicit Rng, and batching into [B, C, H, W] arrays.
 * Plain ops (crop, pad, hflip, grayscale, resizeBilinear, normalizeImage) map an Image to a new Image; the
 * factories (randomCrop, randomHflip, centerCrop, padTo, resize, toGrayscale, normalize, compose) build Transforms.
 */
import { NoRng, type Rng } from '../../util/rng.js';
import { checkIndex, type Image, type ImageDataset } from './types.js';

/** An image transform; random ones draw from rng, deterministic ones ignore it. */
export type Transform = (img: Image, rng: Rng) => Image;

/** A size as one side (square) or [height, width]. */
export type Size = number | readonly [number, number];

/** Per-channel normalisation constants: x ↦ (x − mean[c]) / std[c]. */
export interface NormStats {
  mean: readonly number[];
  std: readonly number[];
}

/** STL-10 grayscale, from the published GIM vision script (Löwe et al.): mean 0.4120, std 0.2570. */
export const STL10_GRAY_NORM: NormStats = { mean: [0.412], std: [0.257] };

/**
 * Fashion-MNIST: mean and (population) standard deviation of every pixel of the 60 000 training images, scaled to
 * [0, 1], before any padding: measured with `channelStats(fashionMnistDataset(readFashionMnist().train))` as
 * 0.28604 / 0.35302 (checked again by dataset.test.ts when the data are installed).
 */
export const FASHION_MNIST_NORM: NormStats = { mean: [0.286], std: [0.353] };

/** CIFAR-10 RGB: the widely published per-channel pixel mean/std of the 50k training images (not measured here). */
export const CIFAR10_NORM: NormStats = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

const sizeOf = (s: Size): [number, number] => (typeof s === 'number' ? [s, s] : [s[0], s[1]]);

/** Make an Image, checking data.length = channels · height · width. */
export function image(data: Float32Array, channels: number, height: number, width: number): Image {
  if (data.length !== channels * height * width) {
    throw new RangeError(`image: ${data.length} values for ${channels}×${height}×${width}`);
  }
  return { data, channels, height, width };
}

/** The h × w window of img whose top-left pixel is (top, left); the window must lie inside the image. */
export function crop(img: Image, top: number, left: number, h: number, w: number): Image {
  const { channels: C, height: H, width: W, data } = img;
  if (top < 0 || left < 0 || h < 1 || w < 1 || top + h > H || left + w > W) {
    throw new RangeError(`crop: window ${h}×${w} at (${top}, ${left}) is outside the ${H}×${W} image`);
  }
  const out = new Float32Array(C * h * w);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < h; y++) {
      const from = (c * H + top + y) * W + left;
      out.set(data.subarray(from, from + w), (c * h + y) * w);
    }
  }
  return { data: out, channels: C, height: h, width: w };
}

/** Pad img by `top, bottom, left, right` pixels (or one number for all sides) of value fill. */
export function pad(
  img: Image,
  padding: number | { top: number; bottom: number; left: number; right: number },
  fill = 0,
): Image {
  const p = typeof padding === 'number' ? { top: padding, bottom: padding, left: padding, right: padding } : padding;
  if (p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0) throw new RangeError('pad: negative padding');
  const { channels: C, height: H, width: W, data } = img;
  const h = H + p.top + p.bottom;
  const w = W + p.left + p.right;
  const out = new Float32Array(C * h * w);
  if (fill !== 0) out.fill(fill);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      out.set(data.subarray((c * H + y) * W, (c * H + y + 1) * W), (c * h + p.top + y) * w + p.left);
    }
  }
  return { data: out, channels: C, height: h, width: w };
}

/** Mirror img left–right (its own inverse). */
export function hflip(img: Image): Image {
  const { channels: C, height: H, width: W, data } = img;
  const out = new Float32Array(data.length);
  for (let row = 0; row < C * H; row++) {
    const base = row * W;
    for (let x = 0; x < W; x++) out[base + x] = data[base + W - 1 - x]!;
  }
  return { data: out, channels: C, height: H, width: W };
}

/** RGB → 1-channel luma, ITU-R 601: 0.299 R + 0.587 G + 0.114 B; a 1-channel image is returned as it is. */
export function grayscale(img: Image): Image {
  if (img.channels === 1) return img;
  if (img.channels !== 3) throw new RangeError(`grayscale: needs 1 or 3 channels, got ${img.channels}`);
  const plane = img.height * img.width;
  const out = new Float32Array(plane);
  const d = img.data;
  for (let i = 0; i < plane; i++) out[i] = 0.299 * d[i]! + 0.587 * d[plane + i]! + 0.114 * d[2 * plane + i]!;
  return { data: out, channels: 1, height: img.height, width: img.width };
}

/** Bilinear resize to h × w with half-pixel centres (torch interpolate bilinear, align_corners=False, no antialias). */
export function resizeBilinear(img: Image, h: number, w: number): Image {
  const { channels: C, height: H, width: W, data } = img;
  const out = new Float32Array(C * h * w);
  const axis = (n: number, N: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let o = 0; o < n; o++) {
      const s = Math.max(0, ((o + 0.5) * N) / n - 0.5);
      const lo = Math.min(Math.floor(s), N - 1);
      i0[o] = lo;
      i1[o] = Math.min(lo + 1, N - 1);
      f[o] = s - lo;
    }
    return { i0, i1, f };
  };
  const ys = axis(h, H);
  const xs = axis(w, W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < h; y++) {
      const r0 = (c * H + ys.i0[y]!) * W;
      const r1 = (c * H + ys.i1[y]!) * W;
      const fy = ys.f[y]!;
      for (let x = 0; x < w; x++) {
        const a = xs.i0[x]!;
        const b = xs.i1[x]!;
        const fx = xs.f[x]!;
        const top = data[r0 + a]! * (1 - fx) + data[r0 + b]! * fx;
        const bottom = data[r1 + a]! * (1 - fx) + data[r1 + b]! * fx;
        out[(c * h + y) * w + x] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return { data: out, channels: C, height: h, width: w };
}

/** (x − mean[c]) / std[c] per channel; one mean/std applies to every channel. */
export function normalizeImage(img: Image, stats: NormStats): Image {
  const { channels: C, height: H, width: W, data } = img;
  for (const [what, v] of [
    ['mean', stats.mean],
    ['std', stats.std],
  ] as const) {
    if (v.length !== 1 && v.length !== C)
      throw new RangeError(`normalize: ${v.length} ${what} values for ${C} channels`);
  }
  const pick = (v: readonly number[], c: number): number => (v.length === 1 ? v[0]! : v[c]!);
  const out = new Float32Array(data.length);
  const plane = H * W;
  for (let c = 0; c < C; c++) {
    const m = pick(stats.mean, c);
    const inv = 1 / pick(stats.std, c);
    for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = (data[i]! - m) * inv;
  }
  return { data: out, channels: C, height: H, width: W };
}

/** Uniform top-left corner of an h × w window in an H × W image: top ∈ [0, H − h], left ∈ [0, W − w]. */
export function randomCropOffsets(rng: Rng, H: number, W: number, h: number, w: number): { top: number; left: number } {
  if (h > H || w > W) throw new RangeError(`randomCrop: ${h}×${w} window larger than the ${H}×${W} image`);
  const top = rng.int(H - h + 1);
  const left = rng.int(W - w + 1);
  return { top, left };
}

/** Random crop of `size` after optional zero (or fill) padding on every side (torchvision RandomCrop). */
export function randomCrop(size: Size, opts: { padding?: number; fill?: number } = {}): Transform {
  const [h, w] = sizeOf(size);
  return (img, rng) => {
    const src = opts.padding ? pad(img, opts.padding, opts.fill ?? 0) : img;
    const { top, left } = randomCropOffsets(rng, src.height, src.width, h, w);
    return crop(src, top, left, h, w);
  };
}

/** Mirror left–right with probability p. */
export function randomHflip(p = 0.5): Transform {
  return (img, rng) => (rng.bool(p) ? hflip(img) : img);
}

/** Central crop of `size`: top = ⌊(H − h)/2⌋, left = ⌊(W − w)/2⌋ (torchvision's offsets when H − h is even). */
export function centerCrop(size: Size): Transform {
  const [h, w] = sizeOf(size);
  return (img) => crop(img, Math.floor((img.height - h) / 2), Math.floor((img.width - w) / 2), h, w);
}

/** Pad to h × w, centred (an odd remainder goes to the bottom/right), e.g. Fashion-MNIST 28×28 → 32×32. */
export function padTo(size: Size, fill = 0): Transform {
  const [h, w] = sizeOf(size);
  return (img) => {
    const dy = h - img.height;
    const dx = w - img.width;
    if (dy < 0 || dx < 0) throw new RangeError(`padTo: ${img.height}×${img.width} image is larger than ${h}×${w}`);
    const top = Math.floor(dy / 2);
    const left = Math.floor(dx / 2);
    return pad(img, { top, bottom: dy - top, left, right: dx - left }, fill);
  };
}

/** Bilinear resize to `size`. */
export function resize(size: Size): Transform {
  const [h, w] = sizeOf(size);
  return (img) => resizeBilinear(img, h, w);
}

/** RGB → luma (see grayscale). */
export function toGrayscale(): Transform {
  return (img) => grayscale(img);
}

/** Per-channel normalisation (see normalizeImage). */
export function normalize(stats: NormStats): Transform {
  return (img) => normalizeImage(img, stats);
}

/** Apply transforms left to right, all drawing from the same rng. */
export function compose(...transforms: Transform[]): Transform {
  return (img, rng) => transforms.reduce((x, t) => t(x, rng), img);
}

/** A batch ready for `tensor(data, shape)` and `tensor(labels, [B], { dtype: 'int32' })`. */
export interface Batch {
  data: Float32Array;
  labels: Int32Array;
  shape: [number, number, number, number];
}

/** Images `indices` of source, each transformed, stacked as [B, C, H, W] with labels; rng is needed by random transforms. */
export function makeBatch(
  source: ImageDataset,
  indices: ArrayLike<number>,
  transform?: Transform,
  rng: Rng = new NoRng('makeBatch'),
): Batch {
  const B = indices.length;
  const labels = new Int32Array(B);
  let data: Float32Array | null = null;
  let shape: [number, number, number, number] = [B, source.channels, source.height, source.width];
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    checkIndex('makeBatch', i, source.n);
    let img = image(source.image(i), source.channels, source.height, source.width);
    if (transform) img = transform(img, rng);
    if (data === null) {
      shape = [B, img.channels, img.height, img.width];
      data = new Float32Array(B * img.data.length);
    } else if (img.channels !== shape[1] || img.height !== shape[2] || img.width !== shape[3]) {
      throw new RangeError(
        `makeBatch: image ${i} is ${img.channels}×${img.height}×${img.width}, not ${shape.slice(1).join('×')}`,
      );
    }
    data.set(img.data, b * img.data.length);
    labels[b] = source.label(i);
  }
  return { data: data ?? new Float32Array(0), labels, shape };
}
