/**
 * Where `reproduce` writes. The committed results (results/<experiment>/) are the `small` scale; other scales write
 * beside their runs (runs/reproduce-<experiment>-<scale>/results), and no scale overwrites another's results.
 */
import fs from 'node:fs';
import path from 'node:path';
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
