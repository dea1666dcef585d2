/** Normalisation layers' functional form. */
import { positiveInteger } from '../../util/check.js';
import { opTensor, type Tensor } from '../tensor.js';
import { checkRank } from './check.js';

/** Optional per-channel affine parameters of a normalisation and its ε. */
export interface GroupNormArgs {
  /** Per-channel scale γ [C] (default none: 1). */
  weight?: Tensor | null;
  /** Per-channel shift β [C] (default none: 0). */
  bias?: Tensor | null;
  /** Added to the variance (1e-5, as torch). */
  eps?: number;
}

/**
 * groupNorm(x [B, C, ...], groups): the C channels cut into `groups` consecutive groups; each (sample, group) is
 * standardised over its channels and positions (biased variance + eps), then scaled by weight [C] and shifted by
 * bias [C] — torch.nn.functional.group_norm. Has no running statistics: training and evaluation compute the same.
 */
export function groupNorm(x: Tensor, groups: number, args: GroupNormArgs = {}): Tensor {
  checkRank('groupNorm', x, [2, 3, 4, 5], '[B, C, ...]');
  positiveInteger('groupNorm', 'groups', groups);
  const channels = x.shape[1]!;
  if (channels % groups !== 0) {
    throw new RangeError(`groupNorm: groups (${groups}) must divide the ${channels} channels of x`);
  }
  for (const [name, p] of [
    ['weight', args.weight],
    ['bias', args.bias],
  ] as const) {
    if (p != null && (p.rank !== 1 || p.shape[0] !== channels)) {
      throw new Error(`groupNorm: ${name} must be [${channels}] (one per channel), got [${p.shape.join(', ')}]`);
    }
  }
  const eps = args.eps ?? 1e-5;
  if (!(eps > 0)) throw new RangeError(`groupNorm: eps must be positive, got ${eps}`);
  return opTensor('aten::group_norm', '', [x, groups, args.weight ?? null, args.bias ?? null, eps, true]);
}
