/**
 * Simultaneous and iterative training, one step at a time: every step draws the batch of that step and runs
 * GradientIsolatedStack.trainStep — all modules (simultaneous), or only the module whose share of the steps it is
 * (iterative: the steps split evenly, module 1 first; earlier modules only run forward).
 */
import { yieldToEventLoop } from '../../util/interrupt.js';
import type { StepMode } from '../stack.js';
import { lrAt } from './lr-schedule.js';
import type { StrategyEnd, TrainingSession, TrainingStrategy } from './strategy.js';

/** Which module iterative mode trains at `step`: the steps are split evenly, module 1 first. */
export function iterativeModuleAt(step: number, steps: number, modules: number): number {
  return Math.min(modules - 1, Math.floor(step / Math.ceil(steps / modules)));
}

/** Steps each module gets in iterative mode (as iterativeModuleAt splits them). */
export function iterativeSchedule(steps: number, modules: number): number[] {
  const share = Math.ceil(steps / modules);
  return Array.from({ length: modules }, (_, m) =>
    Math.max(0, m === modules - 1 ? steps - m * share : Math.min(share, steps - m * share)),
  );
}

/** stepwiseStrategy(mode): the strategy that runs `mode` step by step. */
export function stepwiseStrategy(mode: StepMode): TrainingStrategy {
  return {
    mode,
    stopMessage: 'saving a checkpoint after the current step (Ctrl-C again to quit now)',
    checkpoints: 'stack',
    followsSchedule: true,
    train: (session) => trainStepwise(session, mode),
  };
}

/** The rate of `step`: over the whole run (simultaneous), or over the share of the module it trains (iterative). */
function scheduledLr(session: TrainingSession, step: number, trainModule: number | undefined): number {
  const { schedule = 'constant', lr } = session.config.train;
  if (trainModule === undefined) return lrAt({ schedule, lr, step, steps: session.steps });
  const share = Math.ceil(session.steps / session.stack.length);
  const span = iterativeSchedule(session.steps, session.stack.length)[trainModule]!;
  return lrAt({ schedule, lr, step: step - trainModule * share, steps: span });
}

async function trainStepwise(session: TrainingSession, mode: StepMode): Promise<StrategyEnd> {
  const { stack, task, steps, progress } = session;
  let step = session.start;
  while (step < steps && !session.stop.aborted) {
    const batch = await task.batch(step);
    const at = step;
    try {
      const trainModule = mode === 'iterative' ? iterativeModuleAt(step, steps, stack.length) : undefined;
      const lr = scheduledLr(session, step, trainModule);
      for (const optimizer of stack.optimizers) optimizer.lr = lr;
      const started = performance.now();
      const results = stack.trainStep(batch.x, {
        mode,
        ...(trainModule === undefined ? {} : { trainModule }),
        ...(batch.targets === undefined ? {} : { targets: batch.targets }),
        onModule: (m) => progress.update(at, m),
      });
      session.stepDone({ step: step + 1, results, seconds: (performance.now() - started) / 1000 });
    } finally {
      batch.dispose();
    }
    step++;
    await yieldToEventLoop(); // signals are delivered and progress bars redraw here
  }
  return { step, stopped: step < steps };
}
