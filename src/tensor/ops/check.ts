/**
 * Argument checks shared by the tensor ops: dims in range, and sliding windows (conv, pool, unfold) that fit their
 * input, so a bad argument is named before libtorch answers with an empty tensor or a message without the op's name.
 */
import { integerIn, nonNegativeInteger, positiveInteger } from '../../util/check.js';
import type { Tensor } from '../tensor.js';

/** checkDim(fn, name, dim, rank): an integer in [−rank, rank − 1] (a 0-d tensor takes −1 and 0, as libtorch). */
export function checkDim(fn: string, name: string, dim: number, rank: number): number {
  const n = Math.max(rank, 1);
  return integerIn(fn, name, dim, -n, n - 1);
}

/** checkRank(fn, x, ranks, layout): x has one of the given ranks, else an error showing the expected layout. */
export function checkRank(fn: string, x: Tensor, ranks: readonly number[], layout: string): void {
  if (!ranks.includes(x.rank)) throw new Error(`${fn}: input must be ${layout}, got [${x.shape.join(', ')}]`);
}

/** One spatial dim of a sliding window: its input length and the window's kernel, stride, padding, dilation. */
export interface WindowDim {
  /** What the input length is called in messages ("input length", "input height", …). */
  input: string;
  length: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
}

/**
 * checkWindow(fn, dim, suffix): kernel, stride, dilation ≥ 1 and padding ≥ 0 integers, and a dilated kernel no longer
 * than the padded input — the output length ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1 is then ≥ 1. `suffix` tells the entries of
 * a 2-D window apart ("[0]", "[1]").
 */
export function checkWindow(fn: string, d: WindowDim, suffix = ''): void {
  positiveInteger(fn, `kernel${suffix}`, d.kernel);
  positiveInteger(fn, `stride${suffix}`, d.stride);
  nonNegativeInteger(fn, `padding${suffix}`, d.padding);
  positiveInteger(fn, `dilation${suffix}`, d.dilation);
  const span = d.dilation * (d.kernel - 1) + 1;
  const padded = d.length + 2 * d.padding;
  if (span > padded) {
    const dilated = d.dilation > 1 ? ` (${span} with dilation ${d.dilation})` : '';
    throw new RangeError(
      `${fn}: kernel${suffix} must be ≤ ${d.input} + 2·padding = ${padded} (the output would be empty), ` +
        `got ${d.kernel}${dilated}`,
    );
  }
}
