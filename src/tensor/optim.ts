/** Fused optimizer steps run in libtorch. */
import { native } from './native.js';
import type { Tensor } from './tensor.js';

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * adamStep(params, m, v, t, hyper): for each param p with a gradient g (g += λp if weightDecay λ ≠ 0),
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε), all in place, as torch.optim.Adam.
 * `step` is t, the 1-based count including this update. Parameters without a gradient are skipped.
 */
export function adamStep(params: Tensor[], expAvg: Tensor[], expAvgSq: Tensor[], step: number, hyper: AdamHyper): void {
  if (expAvg.length !== params.length || expAvgSq.length !== params.length) {
    throw new RangeError(
      `adamStep: ${params.length} params but ${expAvg.length} expAvg and ${expAvgSq.length} expAvgSq tensors`,
    );
  }
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`adamStep: step must be an integer ≥ 1, got ${step}`);
  native.adamStep(
    params.map((p) => p.handle),
    expAvg.map((t) => t.handle),
    expAvgSq.map((t) => t.handle),
    step,
    hyper.lr,
    hyper.beta1,
    hyper.beta2,
    hyper.eps,
    hyper.weightDecay,
  );
}
