/** Softmax and the classification losses built on it. */
import { oneOf } from '../../util/check.js';
import { opTensor, type Tensor } from '../tensor.js';
import { checkDim } from './check.js';

/** softmax(x, dim)_i = exp(x_i) / Σ_j exp(x_j). */
export const softmax = (x: Tensor, dim: number): Tensor =>
  opTensor('aten::softmax', 'int', [x, checkDim('softmax', 'dim', dim, x.rank)]);
/** logSoftmax(x, dim)_i = x_i − log Σ_j exp(x_j). */
export const logSoftmax = (x: Tensor, dim: number): Tensor =>
  opTensor('aten::log_softmax', 'int', [x, checkDim('logSoftmax', 'dim', dim, x.rank)]);

export const reductions = ['none', 'mean', 'sum'] as const;
export type Reduction = (typeof reductions)[number];
const reductionCode: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

export interface LossArgs {
  reduction?: Reduction;
  /** Targets equal to this are skipped. */
  ignoreIndex?: number;
  weight?: Tensor;
}

/** ATen's default ignore_index: a class index no target uses, so nothing is ignored. */
const NO_IGNORED_INDEX = -100;

/** The operands ATen's losses take after input and target: class weights, reduction code, ignored index. */
function lossOperands(fn: string, args: LossArgs): [Tensor | null, number, number] {
  return [
    args.weight ?? null,
    reductionCode[oneOf(fn, 'reduction', args.reduction ?? 'mean', reductions)],
    args.ignoreIndex ?? NO_IGNORED_INDEX,
  ];
}

/** nllLoss(logp [N, C, …], y [N, …]) = −mean_n logp[n, y_n]. */
export const nllLoss = (logProbs: Tensor, target: Tensor, args: LossArgs = {}): Tensor =>
  opTensor('aten::nll_loss_nd', '', [logProbs, target, ...lossOperands('nllLoss', args)]);

/** crossEntropy(logits [N, C, …], y [N, …]) = nllLoss(logSoftmax(logits, 1), y). */
export const crossEntropy = (logits: Tensor, target: Tensor, args: LossArgs = {}): Tensor =>
  opTensor('aten::cross_entropy_loss', '', [logits, target, ...lossOperands('crossEntropy', args), 0]);
