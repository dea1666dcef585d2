/**
 * What `gim eval` probes and where it keeps the answers: the modules a --layer choice names, and eval-<probe>.json in
 * the run folder (test accuracy and checkpoint step of every module probed so far, merged across calls).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../util/fs.js';
import type { ProbeTask } from './audio/experiment.js';

/** What a probe classifies: speaker | phone (audio runs), class (vision runs). */
export type EvalProbe = ProbeTask | 'class';

/** What eval-<probe>.json holds: test accuracy and the checkpoint step of every module probed so far. */
export interface EvalResults {
  probe: EvalProbe;
  accuracy: Record<string, number>;
  step: Record<string, number>;
}

/** One evaluation of a run: test accuracy per probed module (`module<n>`, 1-based), and the checkpoint step probed. */
export interface RunEvaluation {
  accuracy: Record<string, number>;
  step: number;
}

/** The file a run's evaluations with `probe` are kept in: <run>/eval-<probe>.json. */
export const evalResultsFile = (run: string, probe: EvalProbe): string => path.join(run, `eval-${probe}.json`);

/** The key of module `module` (0-based) in eval-<probe>.json: module1, module2, … */
export const evalModuleKey = (module: number): string => `module${module + 1}`;

/** The 0-based modules that a --layer choice names: a 1-based module, 'last' or 'all' of `modules`. */
export function modulesToProbe(layer: string, modules: number): number[] {
  const chosen =
    layer === 'all'
      ? Array.from({ length: modules }, (_, module) => module)
      : layer === 'last'
        ? [modules - 1]
        : [Number(layer) - 1];
  if (chosen.some((module) => !Number.isInteger(module) || module < 0 || module >= modules)) {
    throw new Error(`--layer ${layer}: expected 1..${modules}, last or all`);
  }
  return chosen;
}

/** The results already in `file` (none when it is absent); a file that is not such results is an error naming it. */
export function readEvalResults(file: string, probe: EvalProbe): EvalResults {
  if (!fs.existsSync(file)) return { probe, accuracy: {}, step: {} };
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); move it away to evaluate again`, {
      cause: err,
    });
  }
  const stored = value as Partial<EvalResults> | null;
  const isNumbers = (record: unknown): record is Record<string, number> =>
    typeof record === 'object' &&
    record !== null &&
    !Array.isArray(record) &&
    Object.values(record).every((n) => typeof n === 'number');
  if (stored === null || typeof stored !== 'object' || stored.probe !== probe || !isNumbers(stored.accuracy)) {
    throw new Error(`${file}: not the results of a ${probe} probe; move it away to evaluate again`);
  }
  return { probe, accuracy: stored.accuracy, step: isNumbers(stored.step) ? stored.step : {} };
}

/** Write `evaluation` into `file`, keeping the modules evaluated before (modules in order). */
export function mergeEvalResults(file: string, probe: EvalProbe, evaluation: RunEvaluation): void {
  const old = readEvalResults(file, probe);
  const accuracy: Record<string, number> = { ...old.accuracy, ...evaluation.accuracy };
  const steps: Record<string, number> = {
    ...old.step,
    ...Object.fromEntries(Object.keys(evaluation.accuracy).map((key) => [key, evaluation.step])),
  };
  const inModuleOrder = (record: Record<string, number>): Record<string, number> =>
    Object.fromEntries(
      Object.entries(record).sort(([left], [right]) => left.localeCompare(right, 'en', { numeric: true })),
    );
  writeJsonAtomic(file, { probe, accuracy: inModuleOrder(accuracy), step: inModuleOrder(steps) });
}
