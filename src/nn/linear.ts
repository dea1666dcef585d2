/** Linear (fully connected) layer. */
import { linear, zeros, type Tensor } from '../tensor/index.js';
import { fans, kaimingUniform, uniformBias } from './init.js';
import { positiveInteger } from '../util/check.js';
import { Module } from './module.js';

export interface LinearArgs {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** Linear(in, out): y = x Wᵀ + b, W: [out, in] ~ U(±1/√in), b: [out] ~ U(±1/√in), as torch.nn.Linear. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor; // [out, in]
  readonly bias: Tensor | null; // [out]

  constructor(inFeatures: number, outFeatures: number, args: LinearArgs = {}) {
    super();
    positiveInteger('Linear', 'inFeatures', inFeatures);
    positiveInteger('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', kaimingUniform(zeros([outFeatures, inFeatures])));
    this.bias =
      (args.bias ?? true)
        ? this.registerParameter('bias', uniformBias(zeros([outFeatures]), fans(this.weight.shape)[0]))
        : null;
  }

  /** forward(x [..., in]) → [..., out] = x Wᵀ + b. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
