/** Views, rearrangements, joins and indexing. Views share memory with their input. */
import { integer, nonNegativeInteger, positiveInteger } from '../../util/check.js';
import { op, opTensor, type Tensor } from '../tensor.js';
import { checkDim } from './check.js';

/** reshape(x, shape): same elements, new shape (a view when possible); one dim may be −1. */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => opTensor('aten::reshape', '', [x, [...shape]]);
/** view(x, shape): a view with a new shape (x must be compatible in memory). */
export const view = (x: Tensor, shape: readonly number[]): Tensor => opTensor('aten::view', '', [x, [...shape]]);
/** flatten(x, start, end): merge dims start..end into one. */
export const flatten = (x: Tensor, startDim = 0, endDim = -1): Tensor =>
  opTensor('aten::flatten', 'using_ints', [x, startDim, endDim]);
/** permute(x, dims): dimension i of the result is dimension dims[i] of x. */
export const permute = (x: Tensor, dims: readonly number[]): Tensor => opTensor('aten::permute', '', [x, [...dims]]);
/** transpose(x, a, b): swap two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkDim('transpose', 'dim0', dim0, x.rank);
  checkDim('transpose', 'dim1', dim1, x.rank);
  return opTensor('aten::transpose', 'int', [x, dim0, dim1]);
}
/** contiguous(x): x laid out row-major in memory (x itself, re-wrapped, if already so). */
export const contiguous = (x: Tensor): Tensor => opTensor('aten::contiguous', '', [x]);
/** narrow(x, dim, start, length): x[…, start:start+length, …] along dim. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const size = x.shape.at(checkDim('narrow', 'dim', dim, x.rank))!;
  integer('narrow', 'start', start);
  nonNegativeInteger('narrow', 'length', length);
  const first = start < 0 ? start + size : start;
  if (first < 0 || first + length > size) {
    throw new RangeError(
      `narrow: start + length must lie in dim ${dim} of size ${size}, got start ${start} and length ${length}`,
    );
  }
  return opTensor('aten::narrow', '', [x, dim, start, length]);
}
/** slice(x, dim, start, end, step): x[…, start:end:step, …] along dim (negative indices count from the end). */
export const slice = (x: Tensor, dim: number, start: number | null, end: number | null, step = 1): Tensor =>
  opTensor('aten::slice', 'Tensor', [x, dim, start, end, step]);
/** cat(xs, dim): join along an existing dim. */
export const cat = (xs: Tensor[], dim = 0): Tensor => opTensor('aten::cat', '', [xs, dim]);
/** stack(xs, dim): join along a new dim. */
export const stack = (xs: Tensor[], dim = 0): Tensor => opTensor('aten::stack', '', [xs, dim]);
/** squeeze(x, dim): drop a size-1 dim (all of them when dim is omitted). */
export const squeeze = (x: Tensor, dim?: number): Tensor =>
  dim === undefined ? opTensor('aten::squeeze', '', [x]) : opTensor('aten::squeeze', 'dim', [x, dim]);
/** unsqueeze(x, dim): insert a size-1 dim. */
export const unsqueeze = (x: Tensor, dim: number): Tensor =>
  opTensor('aten::unsqueeze', '', [x, checkDim('unsqueeze', 'dim', dim, x.rank + 1)]);
/** expand(x, shape): broadcast size-1 dims to shape without copying (−1 keeps a dim). */
export const expand = (x: Tensor, shape: readonly number[]): Tensor => opTensor('aten::expand', '', [x, [...shape]]);
/** repeat(x, reps): tile x reps[i] times along dim i (copies). */
export const repeat = (x: Tensor, reps: readonly number[]): Tensor => opTensor('aten::repeat', '', [x, [...reps]]);
/** split(x, size, dim): consecutive chunks of `size` along dim. */
export const split = (x: Tensor, size: number, dim = 0): Tensor[] =>
  op('aten::split', 'Tensor', [x, size, dim]) as Tensor[];
/** splitWithSizes(x, sizes, dim): consecutive chunks of the given sizes along dim (one backward: a cat). */
export const splitWithSizes = (x: Tensor, sizes: readonly number[], dim = 0): Tensor[] =>
  op('aten::split_with_sizes', '', [x, [...sizes], dim]) as Tensor[];
/** gather(x, dim, idx): out[i][j] = x[idx[i][j]][j] for dim 0 (and likewise for other dims). */
export const gather = (x: Tensor, dim: number, index: Tensor): Tensor =>
  opTensor('aten::gather', '', [x, dim, index, false]);
/** indexSelect(x, dim, idx): the slices of x at positions idx along dim. */
export const indexSelect = (x: Tensor, dim: number, index: Tensor): Tensor =>
  opTensor('aten::index_select', '', [x, dim, index]);
/** index(x, [i0, i1, …]): advanced indexing x[i0, i1, …] (null keeps a dim whole). */
export const index = (x: Tensor, indices: (Tensor | null)[]): Tensor => opTensor('aten::index', 'Tensor', [x, indices]);
/** unfold(x, dim, size, step): all windows of `size` along dim, with stride `step`, as a new last dim (patches). */
export function unfold(x: Tensor, dim: number, size: number, step: number): Tensor {
  const length = x.shape.at(checkDim('unfold', 'dim', dim, x.rank)) ?? 1;
  nonNegativeInteger('unfold', 'size', size);
  positiveInteger('unfold', 'step', step);
  if (size > length) {
    throw new RangeError(
      `unfold: size must be ≤ the length ${length} of dim ${dim} (the output would be empty), got ${size}`,
    );
  }
  return opTensor('aten::unfold', '', [x, dim, size, step]);
}

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** pad(x, [left, right, top, bottom, …], mode, value): pads the last dims, last dim first, as F.pad. */
export function pad(x: Tensor, widths: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (mode === 'constant') return opTensor('aten::constant_pad_nd', '', [x, [...widths], value]);
  return opTensor('aten::pad', '', [x, [...widths], mode, null]);
}
