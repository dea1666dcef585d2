/**
 * Iterative training on cached activations (train.mode iterative with train.cacheBatches > 0): a finite dataset of
 * cacheBatches batches; each module trains over the cached outputs of the frozen module before it, which is run once
 * per module instead of once per step (trainIterativeCached in ../iterative-cached.ts). Steps count module updates.
 */
import path from 'node:path';
import { trainIterativeCached } from '../iterative-cached.js';
import { iterativeSchedule } from './stepwise.js';
import type { StrategyEnd, TrainingSession, TrainingStrategy } from './strategy.js';

/** MiB a cache keeps in memory when the config does not say. */
export const DEFAULT_CACHE_BUDGET_MB = 1024;

/** cachedIterativeStrategy(batches): iterative training over `batches` batches, frozen modules' outputs cached. */
export function cachedIterativeStrategy(batches: number): TrainingStrategy {
  return {
    mode: 'iterative',
    stopMessage: 'saving a checkpoint after the current update (Ctrl-C again to quit now)',
    checkpoints: 'stack',
    train: (session) => trainCached(session, batches),
  };
}

async function trainCached(session: TrainingSession, batches: number): Promise<StrategyEnd> {
  const { stack, task, progress } = session;
  let step = session.start;
  const r = await trainIterativeCached(
    stack,
    { count: batches, batch: (i) => task.batch(i) },
    {
      updates: iterativeSchedule(session.steps, stack.length),
      start: session.start,
      dir: path.join(session.run, 'cache'),
      budgetBytes: (session.config.train.cacheBudgetMB ?? DEFAULT_CACHE_BUDGET_MB) * 2 ** 20,
      shouldStop: () => session.stop.aborted,
      onCache: (cache) => session.record({ step, name: 'cache', ...cache }),
      onUpdate: (u) => {
        progress.update(u.update, u.metrics);
        step = u.update + 1;
        session.stepDone({ step, results: [u.metrics], seconds: u.seconds, extra: { epoch: u.epoch } });
        return session.stop.aborted;
      },
    },
  );
  return { step, stopped: r.stopped };
}
