/**
 * The predictive heads: InfoNCEHead (the paper's) and, in clapp.ts, CLAPP's. Both hold the K bias-free maps W_k of
 * score(z_{t+k}, c_t) = z_{t+k}ᵀ W_k c_t, stacked as one [K·C, D] weight, and differ only in how the scores of a
 * positive and its negatives become a loss.
 */
import { kaimingUniform } from '../nn/index.js';
import { Tensor, zeros } from '../tensor/index.js';
import { oneOf, positiveInteger } from '../util/check.js';
import {
  checkInfoNCEArgs,
  infoNCECriterion,
  scorePredictions,
  type InfoNCEArgs,
  type InfoNCEResult,
  type ScoreCriterion,
} from './infonce.js';
import { LocalObjective, type LocalObjectiveName, type ObjectiveInputs } from './objective.js';

export const infoNCEForms = ['sequence', 'grid'] as const;
export type InfoNCEForm = (typeof infoNCEForms)[number];

export interface InfoNCEHeadArgs extends InfoNCEArgs {
  /** C: channels of the targets z. */
  encodingSize: number;
  /** D: channels of the contexts c (= C when c = z). */
  contextSize: number;
  form: InfoNCEForm;
}

/** A head scoring z_{t+k} against W_k c_t, with its own parameters W_k (PyTorch's default Linear initialisation). */
export abstract class PredictiveHead extends LocalObjective {
  readonly predictor: Tensor; // [K·C, D]
  readonly args: InfoNCEHeadArgs;

  constructor(
    readonly fn: string,
    args: InfoNCEHeadArgs,
    readonly criterion: ScoreCriterion,
  ) {
    super();
    checkInfoNCEArgs(fn, args);
    positiveInteger(fn, 'encodingSize', args.encodingSize);
    positiveInteger(fn, 'contextSize', args.contextSize);
    oneOf(fn, 'form', args.form, infoNCEForms);
    this.args = args;
    const w = kaimingUniform(zeros([args.predictionSteps * args.encodingSize, args.contextSize])); // [K·C, D]
    this.predictor = this.registerParameter('predictor', w);
  }

  /** loss(z, c) or loss({ z, c }): sequence form z [S, T, C], c [S, T, D]; grid form z [B, C, H, W], c [B, D, H, W]. */
  loss(inputs: ObjectiveInputs): InfoNCEResult;
  loss(z: Tensor, c: Tensor): InfoNCEResult;
  loss(inputs: ObjectiveInputs | Tensor, context?: Tensor): InfoNCEResult {
    const z = inputs instanceof Tensor ? inputs : inputs.z;
    const c = inputs instanceof Tensor ? (context ?? inputs) : (inputs.c ?? inputs.z);
    const { fn, criterion, predictor, args } = this;
    return scorePredictions({ fn, form: args.form, criterion, z, c, predictor, args });
  }
}

/** The per-module InfoNCE loss of Greedy InfoMax (Löwe et al. 2019, eq. 3), see infonce.ts. */
export class InfoNCEHead extends PredictiveHead {
  readonly objective: LocalObjectiveName = 'infonce';

  constructor(args: InfoNCEHeadArgs) {
    super('InfoNCEHead', args, infoNCECriterion);
  }
}
