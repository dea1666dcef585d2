/** Reductions over all elements or over given dims. */
import { op, opTensor, type Tensor } from '../tensor.js';

export interface ReduceArgs {
  keepDim?: boolean;
}

type Dims = number | number[];
const list = (d: Dims): number[] => (typeof d === 'number' ? [d] : d);

/** sum(x) = Σ x, over `dim` if given. */
export const sum = (x: Tensor, dim?: Dims, args: ReduceArgs = {}): Tensor =>
  dim === undefined
    ? opTensor('aten::sum', '', [x])
    : opTensor('aten::sum', 'dim_IntList', [x, list(dim), args.keepDim ?? false]);
/** mean(x) = Σ x / n, over `dim` if given. */
export const mean = (x: Tensor, dim?: Dims, args: ReduceArgs = {}): Tensor =>
  dim === undefined
    ? opTensor('aten::mean', '', [x])
    : opTensor('aten::mean', 'dim', [x, list(dim), args.keepDim ?? false]);
/** max(x) = the largest element, over `dim` if given (values only; see maxWithIndices). */
export const max = (x: Tensor, dim?: Dims, args: ReduceArgs = {}): Tensor =>
  dim === undefined
    ? opTensor('aten::max', '', [x])
    : opTensor('aten::amax', '', [x, list(dim), args.keepDim ?? false]);
/** min(x) = the smallest element, over `dim` if given. */
export const min = (x: Tensor, dim?: Dims, args: ReduceArgs = {}): Tensor =>
  dim === undefined
    ? opTensor('aten::min', '', [x])
    : opTensor('aten::amin', '', [x, list(dim), args.keepDim ?? false]);
/** maxWithIndices(x, dim) → [values, indices] of the max along dim. */
export const maxWithIndices = (x: Tensor, dim: number, args: ReduceArgs = {}): [Tensor, Tensor] =>
  op('aten::max', 'dim', [x, dim, args.keepDim ?? false]) as [Tensor, Tensor];
/** argmax(x, dim) = index of the max along dim (over the flattened tensor if dim is omitted). */
export const argmax = (x: Tensor, dim?: number, args: ReduceArgs = {}): Tensor =>
  opTensor('aten::argmax', '', [x, dim ?? null, args.keepDim ?? false]);
/** logsumexp(x, dim) = log Σ exp(x) along dim, computed stably. */
export const logsumexp = (x: Tensor, dim: Dims, args: ReduceArgs = {}): Tensor =>
  opTensor('aten::logsumexp', '', [x, list(dim), args.keepDim ?? false]);
