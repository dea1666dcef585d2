/** Sequential containers and parameter-free activation layers. */
import { relu, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/** A module with a single-tensor forward. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/** Sequential(f₁, …, fₙ): forward(x) = fₙ(…f₂(f₁(x))); children named '0', '1', … as torch.nn.Sequential. */
export class Sequential extends Module {
  readonly layers: readonly Layer[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((l, i) => this.registerModule(String(i), l));
    this.layers = layers;
  }

  /** forward(x) = fₙ(…f₁(x)); intermediate tensors belong to the caller's tidy scope. */
  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, l) => l.forward(h), x);
  }
}

/** ReLU(): forward(x) = max(x, 0); no parameters. */
export class ReLU extends Module {
  /** forward(x) = max(x, 0). */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
