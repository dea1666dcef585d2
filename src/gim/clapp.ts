/**
 * CLAPP (Illing, Ventura, Bellec, Gerstner, "Local plasticity rules can learn deep representations using
 * self-supervised contrastive predictions", NeurIPS 2021): InfoNCE's hinge-loss form, one positive and one negative
 * per prediction. With score(z, c_t) = zᵀ W_k c_t as in InfoNCE:
 *   L = (1/K) Σ_k mean_t [ max(0, 1 − score(z_{t+k}, c_t)) + max(0, 1 + score(z_n, c_t)) ],  z_n a random encoding.
 * The positive and negative scores, the negatives and the sequence and grid forms are InfoNCE's (infonce.ts).
 */
import { add, mul, narrow, neg, relu, reshape, sum, type Tensor } from '../tensor/index.js';
import { PredictiveHead, type InfoNCEForm, type InfoNCEHeadArgs } from './head.js';
import { scorePredictions, type InfoNCEArgs, type InfoNCEResult, type ScoreCriterion } from './infonce.js';
import type { NegativeIndices } from './negatives.js';
import type { LocalObjectiveName } from './objective.js';

/** CLAPP's arguments: InfoNCE's, with exactly one negative per positive. */
export type CLAPPArgs = Omit<InfoNCEArgs, 'negativeSamples'>;

/** Σ_q weight_q · [max(0, 1 − s⁺_q) + max(0, 1 + s⁻_q)] over logits [Q, 2] (positive, negative). */
export const clappCriterion: ScoreCriterion = (logits, weights) => {
  const positive = narrow(logits, 1, 0, 1); // [Q, 1]
  const negative = narrow(logits, 1, 1, 1); // [Q, 1]
  const hinge = add(relu(add(neg(positive), 1)), relu(add(negative, 1))); // [Q, 1]
  return sum(mul(hinge, reshape(weights, [-1, 1]))); // []
};

const withOneNegative = (args: CLAPPArgs): InfoNCEArgs => ({ ...args, negativeSamples: 1 });

/**
 * clapp(form, z, c, predictor): sequence form z [S, T, C], c [S, T, D] (see infoNCE); grid form z [B, C, H, W],
 * c [B, D, H, W] (see infoNCEGrid); predictor [K·C, D].
 */
export function clapp(
  form: InfoNCEForm,
  z: Tensor,
  c: Tensor,
  predictor: Tensor,
  args: CLAPPArgs,
  negatives?: NegativeIndices,
): InfoNCEResult {
  const fn = form === 'grid' ? 'clappGrid' : 'clapp';
  return scorePredictions({
    fn,
    form,
    criterion: clappCriterion,
    z,
    c,
    predictor,
    args: withOneNegative(args),
    negatives,
  });
}

/** The per-module CLAPP loss with its own W_k (one negative per positive, whatever negativeSamples says). */
export class CLAPPHead extends PredictiveHead {
  readonly objective: LocalObjectiveName = 'clapp';

  constructor(args: Omit<InfoNCEHeadArgs, 'negativeSamples'>) {
    super('CLAPPHead', withOneNegative(args) as InfoNCEHeadArgs, clappCriterion);
  }
}
