/**
 * Where `reproduce` writes. The committed results (results/<experiment>/) are the `small` scale; other scales write
 * beside their runs (runs/reproduce-<experiment>-<scale>/results), and no scale overwrites another's results.
 */
import fs from 'node:fs';
import path from 'node:path';
import { continueOrReplace, latestCheckpoint, runDir } from '../gim/run-dir.js';
import { readMetrics, type MetricRecord } from '../report/index.js';
import type { TrainResult, TrainRunArgs } from '../gim/training/trainer.js';
import type { DeepPartial } from './overrides.js';

/** The scale whose results are committed under results/<experiment>/. */
export const COMMITTED_RESULTS_SCALE = 'small';

/** What `reproduce <experiment>` takes: the scale, where runs and results go, a patch for every run's config. */
export interface ReproduceArgs<Scale extends string, Config> {
  scale: Scale;
  /** Folder for the runs and for results (defaults: reproduceDirs). */
  runsRoot?: string;
  resultsDir?: string;
  /** Patch applied to every run's config (e.g. a different data.root). */
  patch?: DeepPartial<Config>;
  log?: (line: string) => void;
}

export interface ReproduceDirs {
  runsRoot: string;
  resultsDir: string;
}

/** reproduceDirs('audio', 'tiny') → runs/reproduce-audio-tiny and runs/reproduce-audio-tiny/results. */
export function reproduceDirs(experiment: string, scale: string): ReproduceDirs {
  const runsRoot = path.join('runs', `reproduce-${experiment}-${scale}`);
  const resultsDir =
    scale === COMMITTED_RESULTS_SCALE ? path.join('results', experiment) : path.join(runsRoot, 'results');
  return { runsRoot, resultsDir };
}

/** checkResultsScale(dir, scale): throws when dir already holds results of another scale (checked before training). */
export function checkResultsScale(resultsDir: string, scale: string): void {
  const file = path.join(resultsDir, 'results.json');
  if (!fs.existsSync(file)) return;
  let saved: unknown;
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message}); move it away or write elsewhere with --out <dir>`, {
      cause: e,
    });
  }
  const savedScale = (saved as { scale?: unknown } | null)?.scale;
  if (savedScale !== scale)
    throw new Error(
      `${file} holds results of scale '${String(savedScale)}'; scale '${scale}' would overwrite them. ` +
        'Write elsewhere with --out <dir>',
    );
}

/** One row's training in `reproduce`: its name, folder, length, a phrase for the log, and how to train it. */
export interface ReproduceRunArgs {
  name: string;
  dir: string;
  steps: number;
  /** What the log says is trained, e.g. "3 module(s), objective infonce". */
  what: string;
  train: (runArgs: TrainRunArgs) => Promise<TrainResult>;
  log: (line: string) => void;
}

/** isFinishedRun(dir, steps): the run in dir has its checkpoint of the last step. */
export function isFinishedRun(dir: string, steps: number): boolean {
  return latestCheckpoint(runDir(dir))?.step === steps;
}

/**
 * trainReproduceRun(args): a finished run found in args.dir is reused (returns null); otherwise the run is trained
 * there — a partial one continued, one without checkpoints replaced (this command's own folder) — and its seconds
 * returned. A run that does not finish is an error naming it.
 */
export async function trainReproduceRun(args: ReproduceRunArgs): Promise<number | null> {
  const { name, dir, log } = args;
  if (isFinishedRun(dir, args.steps)) {
    log(`[${name}] finished run found in ${dir}`);
    return null;
  }
  log(`[${name}] training ${args.steps} steps (${args.what})`);
  const r = await args.train({ run: dir, ...continueOrReplace(dir) });
  r.stack.dispose();
  if (r.outcome !== 'finished') throw new Error(`[${name}] training ended: ${r.outcome}`);
  log(`[${name}] done in ${r.seconds.toFixed(0)} s`);
  return r.seconds;
}

/**
 * A gap between two logged steps longer than this many times what those steps took by their logged step time is a
 * pause: the run stopped there and was resumed later.
 */
const PAUSE_FACTOR = 10;

/**
 * recordedTrainingSeconds(dir): how long a finished run trained, from its metrics.jsonl — the time between its first
 * and last lines plus the first step's own seconds (null without two timed lines). A run trained in several sittings
 * does not count the pauses between them: a gap longer than PAUSE_FACTOR × (steps in the gap × the logged step time)
 * counts as those steps × the logged step time.
 */
export function recordedTrainingSeconds(dir: string): number | null {
  const file = runDir(dir).metrics;
  if (!fs.existsSync(file)) return null;
  const records = readMetrics(file);
  if (records.length < 2) return null;
  const stepSeconds = (record: MetricRecord): number =>
    typeof record['seconds'] === 'number' && Number.isFinite(record['seconds']) ? record['seconds'] : 0;
  let total = stepSeconds(records[0]!);
  for (let i = 1; i < records.length; i++) {
    const gap = records[i]!.time - records[i - 1]!.time;
    const logged = (records[i]!.step - records[i - 1]!.step) * stepSeconds(records[i]!);
    total += logged > 0 && gap > PAUSE_FACTOR * logged ? logged : gap;
  }
  return total;
}
