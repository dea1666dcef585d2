/**
 * A deterministic two-module stack and its data for data-parallel tests: each module is a small autoencoder whose loss
 * is a mean over the batch, so the gradient on a whole batch equals the mean of the gradients on its equal halves.
 */
import { GimModule, GradientIsolatedStack, type ModuleStep } from '../../index.js';
import { Linear } from '../../../nn/index.js';
import { manualSeed, mean, narrow, pow, randn, sub, tanh, type Tensor } from '../../../tensor/index.js';

export const REPLICA_FEATURES = 6;
export const REPLICA_BATCH = 8;

/** z = tanh(Wx + b) passed on; loss = mean((W'z + b' − x)²). */
export class ReconstructionModule extends GimModule {
  readonly enc: Linear;
  readonly dec: Linear;
  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.enc = this.registerModule('enc', new Linear(inFeatures, outFeatures));
    this.dec = this.registerModule('dec', new Linear(outFeatures, inFeatures));
  }
  encode(x: Tensor): Tensor {
    return tanh(this.enc.forward(x)); // [B, out]
  }
  step(x: Tensor): ModuleStep {
    const z = this.encode(x); // [B, out]
    return { next: z, loss: mean(pow(sub(this.dec.forward(z), x), 2)) };
  }
}

/** The stack, initialised from `seed`. */
export function replicaStack(seed: number): GradientIsolatedStack {
  manualSeed(seed);
  return new GradientIsolatedStack([new ReconstructionModule(REPLICA_FEATURES, 5), new ReconstructionModule(5, 4)], {
    lr: 0.05,
  });
}

/** The whole batch of a step: [REPLICA_BATCH, REPLICA_FEATURES]. */
export function replicaBatch(step: number): Tensor {
  manualSeed(1000 + step);
  return randn([REPLICA_BATCH, REPLICA_FEATURES]);
}

/** Replica `rank` of `replicas`' share of a batch: consecutive rows. */
export function shardOf(batch: Tensor, rank: number, replicas: number): Tensor {
  const rows = batch.shape[0]! / replicas;
  return narrow(batch, 0, rank * rows, rows); // [B / replicas, F]
}

/** Every parameter's values, module by module, in namedParameters order. */
export function parameterValues(stack: GradientIsolatedStack): number[][] {
  return stack.modules.flatMap((m) => m.parameters().map((p) => p.toArray()));
}

/** Every parameter's gradient (empty where none), in parameterValues order. */
export function gradientValues(stack: GradientIsolatedStack): number[][] {
  return stack.modules.flatMap((m) =>
    m.parameters().map((p) => {
      const g = p.grad;
      const values = g === null ? [] : g.toArray();
      g?.dispose();
      return values;
    }),
  );
}
