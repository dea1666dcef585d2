/** InfoNCEHead: the loss head of a module — the K bias-free maps W_k stacked as one [K·C, D] weight. */
import { Module, kaimingUniform } from '../nn/index.js';
import { zeros, type Tensor } from '../tensor/index.js';
import { oneOf, positiveInteger } from '../util/check.js';
import { checkInfoNCEArgs, infoNCE, infoNCEGrid, type InfoNCEArgs, type InfoNCEResult } from './infonce.js';

export const infoNCEForms = ['sequence', 'grid'] as const;
export type InfoNCEForm = (typeof infoNCEForms)[number];

export interface InfoNCEHeadArgs extends InfoNCEArgs {
  /** C: channels of the targets z. */
  encodingSize: number;
  /** D: channels of the contexts c (= C when c = z). */
  contextSize: number;
  form: InfoNCEForm;
}

/** The per-module InfoNCE loss with its own parameters W_k (PyTorch's default Linear/1×1-conv initialisation). */
export class InfoNCEHead extends Module {
  readonly predictor: Tensor; // [K·C, D]
  readonly args: InfoNCEHeadArgs;

  constructor(args: InfoNCEHeadArgs) {
    super();
    checkInfoNCEArgs('InfoNCEHead', args);
    positiveInteger('InfoNCEHead', 'encodingSize', args.encodingSize);
    positiveInteger('InfoNCEHead', 'contextSize', args.contextSize);
    oneOf('InfoNCEHead', 'form', args.form, infoNCEForms);
    this.args = args;
    const w = kaimingUniform(zeros([args.predictionSteps * args.encodingSize, args.contextSize])); // [K·C, D]
    this.predictor = this.registerParameter('predictor', w);
  }

  /** loss(z, c): sequence form z [S, T, C], c [S, T, D]; grid form z [B, C, H, W], c [B, D, H, W]. */
  loss(z: Tensor, c: Tensor): InfoNCEResult {
    return this.args.form === 'grid'
      ? infoNCEGrid(z, c, this.predictor, this.args)
      : infoNCE(z, c, this.predictor, this.args);
  }
}
