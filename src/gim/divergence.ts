/**
 * DivergenceGuard: tells a training loop when a run has diverged, and which checkpoints that makes worthless.
 *
 * A step's loss is computed with the weights of the updates before it: the loss at (0-based) step s judges the
 * checkpoint of step s (the weights after s updates). A run diverges when a module's loss is non-finite, or exceeds
 * both `spikeFactor` × the median of its earlier losses and the largest of its first losses (an explosion, not the
 * noise of a loss near zero), or when a parameter's magnitude exceeds `maxWeight` (checked when a checkpoint is about
 * to be written). Then every checkpoint of step ≥ s is discarded: their weights already carry the explosion.
 */
import type { Module } from '../nn/index.js';
import { abs, max, noGrad, tidy } from '../tensor/index.js';

export interface DivergenceGuardArgs {
  /** A loss above this many times its module's running median (and above its first losses) is an explosion. */
  spikeFactor?: number;
  /** Losses a module must have logged before spikes are judged (the first ones set the "initial level"). */
  warmupSteps?: number;
  /** Largest parameter magnitude a healthy checkpoint may hold. */
  maxWeight?: number;
}

/** Why a run was judged diverged, and from which step on its weights are not kept. */
export interface Divergence {
  /** Checkpoints of this step and later hold diverged weights. */
  fromStep: number;
  /** 0-based module, or null for the weight bound over the whole stack. */
  module: number | null;
  reason: string;
}

const DEFAULT_SPIKE_FACTOR = 10;
const DEFAULT_WARMUP_STEPS = 5;
const DEFAULT_MAX_WEIGHT = 1e5;
/** Recent losses per module the running median is taken over. */
const MEDIAN_WINDOW = 50;

export class DivergenceGuard {
  readonly spikeFactor: number;
  readonly warmupSteps: number;
  readonly maxWeight: number;
  readonly #recent = new Map<number, number[]>();
  readonly #initial = new Map<number, number>();
  readonly #seen = new Map<number, number>();

  constructor(args: DivergenceGuardArgs = {}) {
    this.spikeFactor = args.spikeFactor ?? DEFAULT_SPIKE_FACTOR;
    this.warmupSteps = args.warmupSteps ?? DEFAULT_WARMUP_STEPS;
    this.maxWeight = args.maxWeight ?? DEFAULT_MAX_WEIGHT;
    if (!(this.spikeFactor > 1))
      throw new RangeError(`DivergenceGuard: spikeFactor must be > 1, got ${this.spikeFactor}`);
    if (!Number.isInteger(this.warmupSteps) || this.warmupSteps < 1)
      throw new RangeError(`DivergenceGuard: warmupSteps must be an integer ≥ 1, got ${this.warmupSteps}`);
    if (!(this.maxWeight > 0)) throw new RangeError(`DivergenceGuard: maxWeight must be > 0, got ${this.maxWeight}`);
  }

  /** observe(step, module, loss): the loss of 0-based step `step`; a Divergence when it is not healthy. */
  observe(step: number, module: number, loss: number): Divergence | null {
    if (!Number.isFinite(loss))
      return { fromStep: step, module, reason: `module ${module + 1}: loss ${loss} at step ${step + 1}` };
    const recent = this.#recent.get(module) ?? [];
    const seen = this.#seen.get(module) ?? 0;
    if (seen >= this.warmupSteps) {
      const median = medianOf(recent);
      const initial = this.#initial.get(module)!;
      if (Math.abs(loss) > this.spikeFactor * Math.abs(median) && Math.abs(loss) > Math.abs(initial)) {
        return {
          fromStep: step,
          module,
          reason:
            `module ${module + 1}: loss ${loss.toPrecision(4)} at step ${step + 1} is over ${this.spikeFactor}× ` +
            `its running median ${median.toPrecision(4)} (exploding)`,
        };
      }
    }
    if (seen < this.warmupSteps) this.#initial.set(module, Math.max(loss, this.#initial.get(module) ?? -Infinity));
    recent.push(loss);
    if (recent.length > MEDIAN_WINDOW) recent.shift();
    this.#recent.set(module, recent);
    this.#seen.set(module, seen + 1);
    return null;
  }

  /** checkWeights(step, largest): the largest parameter magnitude of the weights after `step` updates. */
  checkWeights(step: number, largest: number): Divergence | null {
    if (Number.isFinite(largest) && largest <= this.maxWeight) return null;
    return {
      fromStep: step,
      module: null,
      reason: `a parameter reached ${largest.toPrecision(4)} at step ${step} (bound ${this.maxWeight})`,
    };
  }
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** largestParameter(modules): the largest |value| of any parameter (NaN when one is NaN), without gradient. */
export function largestParameter(modules: readonly Module[]): number {
  let largest = 0;
  noGrad(() => {
    for (const m of modules)
      for (const p of m.parameters()) {
        const v = tidy(() => max(abs(p)).item());
        if (!(v <= largest)) largest = v; // NaN sticks
        if (Number.isNaN(largest)) return;
      }
  });
  return largest;
}
