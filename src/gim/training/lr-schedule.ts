/**
 * The learning rate over a run. 'constant' (the paper): train.lr at every step. 'cosine': train.lr at the first step,
 * falling along half a cosine to 0 after the last (SGDR without restarts, Loshchilov & Hutter 2017). Iterative runs
 * follow the schedule over each module's own share of the steps, so every module starts at train.lr.
 */
export const lrSchedules = ['constant', 'cosine'] as const;
export type LrSchedule = (typeof lrSchedules)[number];

export interface LrAtArgs {
  schedule: LrSchedule;
  /** The peak rate: train.lr. */
  lr: number;
  /** Steps done before this one (0-based), counted within the span the schedule covers. */
  step: number;
  /** Steps in that span. */
  steps: number;
}

/** lrAt(args): the rate of step `step` of `steps`. */
export function lrAt(args: LrAtArgs): number {
  const { schedule, lr, step, steps } = args;
  if (!Number.isInteger(step) || !Number.isInteger(steps) || step < 0 || steps < 1 || step >= steps)
    throw new RangeError(`lrAt: step (${step}) must be an integer in [0, steps = ${steps})`);
  if (schedule === 'constant') return lr;
  return 0.5 * lr * (1 + Math.cos((Math.PI * step) / steps));
}
