/** Reductions over all elements or over given dims. */
import { op, op1, type Tensor } from '../tensor.js';

export interface ReduceArgs {
  keepDim?: boolean;
}

type Dims = number | number[];
const list = (d: Dims): number[] => (typeof d === 'number' ? [d] : d);

/** sum(x) = Σ x, over `dim` if given. */
export const sum = (x: Tensor, dim?: Dims, a: ReduceArgs = {}): Tensor =>
  dim === undefined ? op1('aten::sum', '', [x]) : op1('aten::sum', 'dim_IntList', [x, list(dim), a.keepDim ?? false]);
/** mean(x) = Σ x / n, over `dim` if given. */
export const mean = (x: Tensor, dim?: Dims, a: ReduceArgs = {}): Tensor =>
  dim === undefined ? op1('aten::mean', '', [x]) : op1('aten::mean', 'dim', [x, list(dim), a.keepDim ?? false]);
/** max(x) = the largest element, over `dim` if given (values only; see maxWithIndices). */
export const max = (x: Tensor, dim?: Dims, a: ReduceArgs = {}): Tensor =>
  dim === undefined ? op1('aten::max', '', [x]) : op1('aten::amax', '', [x, list(dim), a.keepDim ?? false]);
/** min(x) = the smallest element, over `dim` if given. */
export const min = (x: Tensor, dim?: Dims, a: ReduceArgs = {}): Tensor =>
  dim === undefined ? op1('aten::min', '', [x]) : op1('aten::amin', '', [x, list(dim), a.keepDim ?? false]);
/** maxWithIndices(x, dim) → [values, indices] of the max along dim. */
export const maxWithIndices = (x: Tensor, dim: number, a: ReduceArgs = {}): [Tensor, Tensor] =>
  op('aten::max', 'dim', [x, dim, a.keepDim ?? false]) as [Tensor, Tensor];
/** argmax(x, dim) = index of the max along dim (over the flattened tensor if dim is omitted). */
export const argmax = (x: Tensor, dim?: number, a: ReduceArgs = {}): Tensor =>
  op1('aten::argmax', '', [x, dim ?? null, a.keepDim ?? false]);
/** logsumexp(x, dim) = log Σ exp(x) along dim, computed stably. */
export const logsumexp = (x: Tensor, dim: Dims, a: ReduceArgs = {}): Tensor =>
  op1('aten::logsumexp', '', [x, list(dim), a.keepDim ?? false]);
