/** `gim eval`: linear probes on a trained run's frozen features (src/experiments/run-eval.ts); prints each module's. */
import { evaluateRun, type EvaluateRunArgs } from '../experiments/run-eval.js';
import type { EvalProbe } from '../experiments/eval-results.js';
import { formatPercent } from '../report/index.js';

export type { EvalProbe };

export interface EvalCommandArgs {
  run?: string;
  /** A packed model (gim pack) instead of run. */
  from?: string;
  probe: EvalProbe;
  /** 1-based module, 'last' or 'all'. */
  layer: string;
}

/** evalCommand(args): probe the run, print one line per module; returns the exit code. */
export async function evalCommand(args: EvalCommandArgs): Promise<number> {
  const evaluation: EvaluateRunArgs = {
    ...args,
    onModule: (module, accuracy) =>
      console.log(`${args.probe} probe, module ${module + 1}: ${formatPercent(accuracy)} test accuracy`),
  };
  await evaluateRun(evaluation);
  return 0;
}
