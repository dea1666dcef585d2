/**
 * Helpers for learning tests. A float32 training trajectory differs across CPUs (kernels by instruction set) and
 * thread counts, so learning tests compare losses measured the same way before and after training — same batch, same
 * negatives (the seed reset before each measurement), no gradient — and assert a wide relative fall, or a property
 * that holds on any machine (finite, above chance, a count out of N).
 */
import fs from 'node:fs';
import type { GimModule } from '../gim/module.js';
import { readTestEnv, type TestEnv } from './env.js';
import { getRngState, manualSeed, noGrad, setRngState, tidy, type Tensor } from '../tensor/index.js';

/** The seed every measurement starts from, so the same negatives are drawn before and after training. */
export const MEASURE_SEED = 12345;

/**
 * measured(fn): fn() evaluated without gradient, inside a tidy, with the generator reset to MEASURE_SEED (so every
 * measurement draws the same negatives); the generator's state is restored after, so a measurement does not change
 * the training run around it.
 */
export function measured<T>(fn: () => T): T {
  const state = getRngState();
  manualSeed(MEASURE_SEED);
  try {
    return noGrad(() => tidy(fn));
  } finally {
    setRngState(state);
  }
}

export interface ModuleLossesArgs {
  /** Labels for supervised modules. */
  targets?: Tensor;
}

/** Modules chained as in a GradientIsolatedStack: module m reads module m − 1's output. */
export interface ModuleChain {
  readonly modules: readonly GimModule[];
}

/** moduleLosses(stack, x): each module's own loss on x (module m on module m − 1's output), measured. */
export function moduleLosses(stack: ModuleChain, x: Tensor, args: ModuleLossesArgs = {}): number[] {
  return measured(() => {
    const losses: number[] = [];
    let input = x;
    for (const module of stack.modules) {
      const s = module.step(input, args.targets);
      losses.push(s.loss.item());
      input = s.next;
    }
    return losses;
  });
}

/** moduleAccuracies(stack, x): each module's own accuracy on x (undefined where a module reports none), measured. */
export function moduleAccuracies(stack: ModuleChain, x: Tensor, args: ModuleLossesArgs = {}): (number | undefined)[] {
  return measured(() => {
    const accuracies: (number | undefined)[] = [];
    let input = x;
    for (const module of stack.modules) {
      const s = module.step(input, args.targets);
      accuracies.push(s.accuracy);
      input = s.next;
    }
    return accuracies;
  });
}

/** relativeFall(before, after): how much a loss fell, as a fraction of its value before (negative if it rose). */
export function relativeFall(before: number, after: number): number {
  if (!Number.isFinite(before) || !Number.isFinite(after)) {
    throw new RangeError(`relativeFall: losses must be finite, got ${before} → ${after}`);
  }
  if (before === 0) throw new RangeError('relativeFall: the loss before is 0, a fall relative to it is undefined');
  return (before - after) / Math.abs(before);
}

/** meanOf(xs): the arithmetic mean of a non-empty list. */
export function meanOf(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('meanOf: empty list');
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * loggedFall(losses, window): relativeFall from the mean of the first `window` logged losses to the mean of the last
 * `window` — for losses logged during training on changing batches, where no fixed-batch measurement applies.
 */
export function loggedFall(losses: readonly number[], window: number): number {
  if (!Number.isInteger(window) || window < 1 || losses.length < 2 * window) {
    throw new RangeError(`loggedFall: needs two windows of ${window} losses, got ${losses.length}`);
  }
  return relativeFall(meanOf(losses.slice(0, window)), meanOf(losses.slice(-window)));
}

/** Slack for float rounding when checking that an accuracy is a count out of N. */
const COUNT_TOLERANCE = 1e-6;

/** isCountOf(accuracy, n): whether accuracy is k / n for an integer k in [0, n] (a fraction of n items). */
export function isCountOf(accuracy: number, n: number): boolean {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`isCountOf: n must be a positive integer, got ${n}`);
  if (!Number.isFinite(accuracy) || accuracy < 0 || accuracy > 1) return false;
  const k = accuracy * n;
  return Math.abs(k - Math.round(k)) < COUNT_TOLERANCE * n;
}

/**
 * noteMeasurement(test, values): appends {test, threads, seed, capability, ...values} as a JSON line to GIM_TEST_REPORT
 * when it is set (to compare observed falls and accuracies across machines), else does nothing.
 */
export function noteMeasurement(test: string, values: Record<string, number>, env: TestEnv = readTestEnv()): void {
  if (env.report === null) return;
  const capability = process.env.ATEN_CPU_CAPABILITY ?? 'auto';
  const line = { test, threads: env.threads, seed: env.seed, capability, ...values };
  fs.appendFileSync(env.report, `${JSON.stringify(line)}\n`);
}
