/**
 * Rows of Table 1 taken from an earlier `reproduce vision` call (its results.json), for the runs this call neither
 * trained nor found finished: a reproduction spread over sessions or machines that do not share a runs folder can
 * still write one table. A row is taken only when the earlier call used the same scale, data, model, objectives'
 * settings, probe and seed; what may differ is how long each run trained, which the table lists run by run.
 */
import fs from 'node:fs';
import { configDifferences } from '../../gim/run-folder.js';
import { savedVisionConfig, type VisionConfig, type VisionScale } from './config.js';
import type { NeuronPatches } from './figure.js';
import type { LayerScores } from './linear-eval.js';
import { ROW_OF_RUN, type VisionResults } from './table1.js';

/** What the rows taken from an earlier call bring with them. */
export interface EarlierRows {
  /** The results.json they were read from, as given. */
  file: string;
  /** The runs whose rows were taken, in Table 1's run order. */
  runs: string[];
  /** Their probe scores, by row name. */
  scores: Record<string, LayerScores>;
  /** How many steps each of those runs trained. */
  steps: Record<string, number>;
  /** Per-module accuracies of the layered runs taken (gim, greedy supervised). */
  perModule: Partial<VisionResults['perModule']>;
  /** Figure 2's neurons when the gim row was taken. */
  figure: NeuronPatches[] | null;
  /** Each taken run's training time as the earlier call recorded it. */
  trainingSeconds: Record<string, number>;
}

/** The settings two calls must share for a row of one to stand in the other's table (run lengths, threads, name aside). */
function comparableSettings(config: VisionConfig): unknown {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  const train = copy.train as Record<string, unknown>;
  for (const key of ['name', 'threads', 'device', 'figure']) delete copy[key];
  for (const key of ['epochs', 'steps', 'checkpointEvery', 'logEvery']) delete train[key];
  train.supervised = { ...config.train.supervised, epochs: null };
  return copy;
}

/**
 * readEarlierResults(file, scale, config): the earlier call's results, after checking they are a results.json of
 * `reproduce vision` at the same scale with the same settings as `config` (this call's). Errors name the file and,
 * for a settings mismatch, the keys that differ.
 */
export function readEarlierResults(file: string, scale: VisionScale, config: VisionConfig): VisionResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--earlier-results: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`--earlier-results: ${file} is not JSON (${(e as Error).message})`, { cause: e });
  }
  const r = json as Partial<VisionResults> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.scores !== 'object' ||
    typeof r.steps !== 'object' ||
    typeof r.perModule !== 'object' ||
    typeof r.config !== 'object'
  )
    throw new Error(`--earlier-results: ${file} is not a results.json of \`gim reproduce vision\``);
  if (r.scale !== scale)
    throw new Error(`--earlier-results: ${file} is from scale ${String(r.scale)}, this call is scale ${scale}`);
  let earlierConfig: VisionConfig;
  try {
    earlierConfig = savedVisionConfig(r.config);
  } catch (e) {
    throw new Error(`--earlier-results: ${file}: its config is not a vision config (${(e as Error).message})`, {
      cause: e,
    });
  }
  const differ = configDifferences(comparableSettings(earlierConfig), comparableSettings(config));
  if (differ.length > 0)
    throw new Error(
      `--earlier-results: ${file} was made with other settings than this call (${differ.join(', ')}); ` +
        'its rows would not be comparable',
    );
  return { ...(r as VisionResults), config: earlierConfig };
}

/** takeEarlierRows(earlier, file, runs): the rows of `runs` (run names) that the earlier results have. */
export function takeEarlierRows(earlier: VisionResults, file: string, runs: readonly string[]): EarlierRows {
  const taken: EarlierRows = {
    file,
    runs: [],
    scores: {},
    steps: {},
    perModule: {},
    figure: null,
    trainingSeconds: {},
  };
  for (const run of runs) {
    const row = ROW_OF_RUN[run];
    const score = row === undefined ? undefined : earlier.scores[row];
    const steps = earlier.steps[run];
    if (row === undefined || score === undefined || steps === undefined) continue;
    taken.runs.push(run);
    taken.scores[row] = score;
    taken.steps[run] = steps;
    const seconds =
      earlier.seconds?.runs?.[run] ?? earlier.seconds?.recorded?.[run] ?? earlier.earlier?.trainingSeconds[run];
    if (seconds !== undefined) taken.trainingSeconds[run] = seconds;
  }
  if (taken.runs.includes('gim')) {
    taken.perModule.gim = earlier.perModule.gim;
    taken.figure = earlier.figure.length > 0 ? earlier.figure : null;
  }
  if (taken.runs.includes('greedy-supervised')) taken.perModule.greedySupervised = earlier.perModule.greedySupervised;
  return taken;
}
