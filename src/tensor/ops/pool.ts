/** Pooling over time (1-D) and space (2-D). */
import { op1, type Tensor } from '../tensor.js';

export interface PoolArgs {
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: number;
  padding?: number;
  ceilMode?: boolean;
}

/** avgPool1d(x [B, C, T], k) → mean over windows of k. */
export const avgPool1d = (x: Tensor, kernel: number, a: PoolArgs = {}): Tensor =>
  op1('aten::avg_pool1d', '', [x, [kernel], [a.stride ?? kernel], [a.padding ?? 0], a.ceilMode ?? false, true]);

/** avgPool2d(x [B, C, H, W], k) → mean over k×k windows. */
export const avgPool2d = (x: Tensor, kernel: number, a: PoolArgs = {}): Tensor =>
  op1('aten::avg_pool2d', '', [
    x,
    [kernel, kernel],
    [a.stride ?? kernel, a.stride ?? kernel],
    [a.padding ?? 0, a.padding ?? 0],
    a.ceilMode ?? false,
    true,
    null,
  ]);

/** maxPool1d(x [B, C, T], k) → max over windows of k. */
export const maxPool1d = (x: Tensor, kernel: number, a: PoolArgs = {}): Tensor =>
  op1('aten::max_pool1d', '', [x, [kernel], [a.stride ?? kernel], [a.padding ?? 0], [1], a.ceilMode ?? false]);

/** maxPool2d(x [B, C, H, W], k) → max over k×k windows. */
export const maxPool2d = (x: Tensor, kernel: number, a: PoolArgs = {}): Tensor =>
  op1('aten::max_pool2d', '', [
    x,
    [kernel, kernel],
    [a.stride ?? kernel, a.stride ?? kernel],
    [a.padding ?? 0, a.padding ?? 0],
    [1, 1],
    a.ceilMode ?? false,
  ]);

/** adaptiveAvgPool1d(x [B, C, T], n) → [B, C, n]. */
export const adaptiveAvgPool1d = (x: Tensor, size: number): Tensor => op1('aten::adaptive_avg_pool1d', '', [x, [size]]);

/** adaptiveAvgPool2d(x [B, C, H, W], [h, w]) → [B, C, h, w]. */
export const adaptiveAvgPool2d = (x: Tensor, size: [number, number]): Tensor =>
  op1('aten::adaptive_avg_pool2d', '', [x, size]);
