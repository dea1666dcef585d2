/** Pooling over time (1-D) and space (2-D). */
import { positiveInteger } from '../../util/check.js';
import { opTensor, type Tensor } from '../tensor.js';
import { checkRank, checkWindow } from './check.js';

export interface PoolArgs {
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: number;
  padding?: number;
  ceilMode?: boolean;
}

const spatialNames = ['input height', 'input width'];

/**
 * checkPool(fn, x, kernel, a, dims): x is [B, C, …] or [C, …] with `dims` spatial dims; on each, the window fits the
 * padded input and the padding is at most half the kernel (libtorch's rule). Returns [stride, padding].
 */
function checkPool(fn: string, x: Tensor, kernel: number, args: PoolArgs, dims: 1 | 2): [number, number] {
  checkRank(fn, x, [dims + 1, dims + 2], dims === 1 ? '[B, C, T] or [C, T]' : '[B, C, H, W] or [C, H, W]');
  const stride = args.stride ?? kernel;
  const padding = args.padding ?? 0;
  const spatial = x.shape.slice(-dims);
  spatial.forEach((length, i) => {
    const input = dims === 1 ? 'input length' : spatialNames[i]!;
    checkWindow(fn, { input, length, kernel, stride, padding, dilation: 1 });
  });
  if (2 * padding > kernel) throw new RangeError(`${fn}: padding must be ≤ kernel / 2 = ${kernel / 2}, got ${padding}`);
  return [stride, padding];
}

/** avgPool1d(x [B, C, T], k) → mean over windows of k. */
export function avgPool1d(x: Tensor, kernel: number, args: PoolArgs = {}): Tensor {
  const [stride, padding] = checkPool('avgPool1d', x, kernel, args, 1);
  return opTensor('aten::avg_pool1d', '', [x, [kernel], [stride], [padding], args.ceilMode ?? false, true]);
}

/** avgPool2d(x [B, C, H, W], k) → mean over k×k windows. */
export function avgPool2d(x: Tensor, kernel: number, args: PoolArgs = {}): Tensor {
  const [stride, padding] = checkPool('avgPool2d', x, kernel, args, 2);
  return opTensor('aten::avg_pool2d', '', [
    x,
    [kernel, kernel],
    [stride, stride],
    [padding, padding],
    args.ceilMode ?? false,
    true,
    null,
  ]);
}

/** maxPool1d(x [B, C, T], k) → max over windows of k. */
export function maxPool1d(x: Tensor, kernel: number, args: PoolArgs = {}): Tensor {
  const [stride, padding] = checkPool('maxPool1d', x, kernel, args, 1);
  return opTensor('aten::max_pool1d', '', [x, [kernel], [stride], [padding], [1], args.ceilMode ?? false]);
}

/** maxPool2d(x [B, C, H, W], k) → max over k×k windows. */
export function maxPool2d(x: Tensor, kernel: number, args: PoolArgs = {}): Tensor {
  const [stride, padding] = checkPool('maxPool2d', x, kernel, args, 2);
  return opTensor('aten::max_pool2d', '', [
    x,
    [kernel, kernel],
    [stride, stride],
    [padding, padding],
    [1, 1],
    args.ceilMode ?? false,
  ]);
}

/** adaptiveAvgPool1d(x [B, C, T], n) → [B, C, n]. */
export function adaptiveAvgPool1d(x: Tensor, size: number): Tensor {
  checkRank('adaptiveAvgPool1d', x, [2, 3], '[B, C, T] or [C, T]');
  positiveInteger('adaptiveAvgPool1d', 'size', size);
  return opTensor('aten::adaptive_avg_pool1d', '', [x, [size]]);
}

/** adaptiveAvgPool2d(x [B, C, H, W], [h, w]) → [B, C, h, w]. */
export function adaptiveAvgPool2d(x: Tensor, size: [number, number]): Tensor {
  checkRank('adaptiveAvgPool2d', x, [3, 4], '[B, C, H, W] or [C, H, W]');
  if (!Array.isArray(size) || size.length !== 2) {
    throw new TypeError(`adaptiveAvgPool2d: size must be a pair [h, w], got ${String(size)}`);
  }
  size.forEach((s, i) => positiveInteger('adaptiveAvgPool2d', `size[${i}]`, s));
  return opTensor('aten::adaptive_avg_pool2d', '', [x, size]);
}
