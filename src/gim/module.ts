/** One gradient-isolated module of Greedy InfoMax: layers, an optional context network, and its own loss. */
import { Module } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';

/** What one module produces in one step. */
export interface ModuleStep {
  /** The representation handed to the next module (it is detached there: the gradient block). */
  next: Tensor;
  /** This module's own loss (a scalar); its gradient reaches only this module's parameters. */
  loss: Tensor;
  /** Optional accuracy of the module's own task (e.g. InfoNCE's positive ranked first). */
  accuracy?: number;
}

/**
 * GimModule: a module of a GradientIsolatedStack. `encode` maps its (detached) input to the representation passed
 * on; `step` does the same and adds this module's loss. Its parameters include its loss head (e.g. the W_k).
 */
export abstract class GimModule extends Module {
  /** encode(x) → the representation passed to the next module. */
  abstract encode(x: Tensor): Tensor;
  /**
   * step(x, targets) → { next, loss }: encode plus this module's own loss. Self-supervised modules ignore `targets`;
   * supervised baselines (end to end or greedy) read their labels from it.
   */
  abstract step(x: Tensor, targets?: Tensor): ModuleStep;
  /** featuresOf(z) → what linear probes read, given this module's encoding z = encode(x) (default: z itself). */
  featuresOf(z: Tensor): Tensor {
    return z;
  }

  /** features(x) = featuresOf(encode(x)). */
  features(x: Tensor): Tensor {
    return this.featuresOf(this.encode(x));
  }
}
