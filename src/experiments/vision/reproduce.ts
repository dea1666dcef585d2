/**
 * `gim reproduce vision`: the rows of the paper's Table 1 and its Figure 2, at one scale. Each trained row is a run
 * (skipped when its final checkpoint exists); every model is then probed the same way — frozen last-module map →
 * average pool → Linear(C, classes) on the same centre-cropped train images, tested on the same test images — and a
 * softmax regression on the normalised pixels is added as a floor. Writes results/vision/{table1.md, results.json,
 * figure2.png}.
 */
import path from 'node:path';
import { formatPercent, saveFigure } from '../../report/index.js';
import { reshape, setNumThreads, type Tensor } from '../../tensor/index.js';
import { makeDirectory } from '../../util/fs.js';
import { latestCheckpoint, runDir } from '../../gim/run-dir.js';
import { mergePatches, type DeepPartial } from '../overrides.js';
import {
  checkResultsScale,
  isFinishedRun,
  recordedTrainingSeconds,
  reproduceDirs,
  trainReproduceRun,
  type ReproduceArgs,
} from '../results-dir.js';
import { buildVisionStack, loadVisionStack, trainVision } from './experiment.js';
import { scoreLayers, scoreLinearProbe, type LabelledImages, type LayerScores } from './linear-eval.js';
import { resolveVisionConfig, usesLabels, type VisionConfig, type VisionScale } from './config.js';
import { evalImages, openVisionData, totalSteps, type VisionData } from './data.js';
import { topPatches, topPatchesFigure, type NeuronPatches } from './figure.js';
import { PIXELS_ROW, ROW_OF_RUN, writeVisionResults, type VisionResults } from './table1.js';
import { checkpointIdentity, ProbeCache } from './probe-cache.js';
import { readEarlierResults, takeEarlierRows, type EarlierRows } from './earlier-rows.js';

export { PAPER_VISION, PIXELS_ROW, CLAPP_ROW, writeVisionResults, type VisionResults } from './table1.js';

/**
 * The training runs behind the rows: name → config patch (S = stages). Deep InfoMax trains end to end as in its paper
 * (one module); Predsim and CLAPP one gradient-isolated module per stage.
 */
function runsFor(stages: number): Record<string, DeepPartial<VisionConfig>> {
  return {
    gim: { model: { modelSplits: stages }, train: { objective: 'infonce' } },
    cpc: { model: { modelSplits: 1 }, train: { objective: 'infonce' } },
    supervised: { model: { modelSplits: 1 }, train: { objective: 'supervised' } },
    'greedy-supervised': { model: { modelSplits: stages }, train: { objective: 'supervised' } },
    dim: { model: { modelSplits: 1 }, train: { objective: 'dim' } },
    predsim: { model: { modelSplits: stages }, train: { objective: 'predsim' } },
    clapp: { model: { modelSplits: stages }, train: { objective: 'clapp' } },
  };
}

export type ReproduceVisionArgs = ReproduceArgs<VisionScale, VisionConfig> & {
  /** Train nothing: probe the runs already finished and leave the other rows out (listed in the table). */
  trainedOnly?: boolean;
  /**
   * With trainedOnly: an earlier call's results.json whose rows stand in for the runs not finished here (same scale
   * and settings; see earlier-rows.ts). Read before anything runs, so a mismatch stops the call at once.
   */
  earlierResults?: string;
};

/** The error for --earlier-results without --trained-only (the CLI checks it first, for every experiment). */
export const EARLIER_NEEDS_TRAINED_ONLY =
  '--earlier-results fills in the rows a --trained-only call does not have; give --trained-only too';

/** The names of the training runs behind Table 1, in the order they train. */
export const VISION_RUNS: readonly string[] = Object.keys(runsFor(3));

/** What trainVisionRuns returns: each run's config and length, the seconds of those trained now, the finished ones. */
interface TrainedRuns {
  configs: Record<string, VisionConfig>;
  steps: Record<string, number>;
  seconds: Record<string, number>;
  finished: string[];
}

/**
 * trainVisionRuns(args, base, data, only): train the runs behind Table 1 (only those named in `only`, when given),
 * reusing every finished one; with args.trainedOnly nothing trains and only the finished runs are returned as such.
 */
async function trainVisionRuns(
  args: ReproduceVisionArgs,
  base: VisionConfig,
  data: VisionData,
  only: readonly string[] | null,
): Promise<TrainedRuns> {
  const log = args.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const runsRoot = args.runsRoot ?? reproduceDirs('vision', args.scale).runsRoot;
  const trained: TrainedRuns = { configs: {}, steps: {}, seconds: {}, finished: [] };
  for (const [name, patch] of Object.entries(runsFor(base.model.planes.length))) {
    const config = resolveVisionConfig(
      args.scale,
      mergePatches(args.patch ?? {}, patch, { name: `${base.name}-${name}` }),
    );
    trained.configs[name] = config;
    const n = usesLabels(config) ? data.train.n : data.pretrain.n;
    trained.steps[name] = totalSteps(config, n);
    if (only !== null && !only.includes(name)) continue;
    const dir = path.join(runsRoot, name);
    if (args.trainedOnly === true) {
      if (isFinishedRun(dir, trained.steps[name])) trained.finished.push(name);
      else
        log(
          `[${name}] not finished in ${dir}: ` +
            (args.earlierResults === undefined
              ? 'its row is left out (--trained-only)'
              : `its row comes from ${args.earlierResults} if that has it, else it is left out`),
        );
      continue;
    }
    const seconds = await trainReproduceRun({
      name,
      dir,
      steps: trained.steps[name],
      what: `${config.model.modelSplits} module(s), ${config.train.objective}`,
      train: (runArgs) => trainVision(config, data, runArgs),
      log,
    });
    if (seconds !== null) trained.seconds[name] = seconds;
    trained.finished.push(name);
  }
  return trained;
}

/**
 * trainVisionRows(args, names): train only the named runs of `reproduce vision` (e.g. on two processes or machines
 * sharing the runs folder, each its own runs); a later reproduceVision reuses them. Unknown names are an error.
 */
export async function trainVisionRows(
  args: ReproduceVisionArgs,
  names: readonly string[],
): Promise<Record<string, number>> {
  const unknown = names.filter((n) => !VISION_RUNS.includes(n));
  if (names.length === 0) throw new Error(`--rows: name at least one run (known: ${VISION_RUNS.join(', ')})`);
  if (unknown.length > 0)
    throw new Error(`--rows: unknown run(s) ${unknown.join(', ')} (known: ${VISION_RUNS.join(', ')})`);
  const base = resolveVisionConfig(args.scale, args.patch ?? {});
  const data = openVisionData(base);
  try {
    return (await trainVisionRuns(args, base, data, names)).seconds;
  } finally {
    data.close();
  }
}

export async function reproduceVision(args: ReproduceVisionArgs): Promise<VisionResults> {
  const log = args.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const started = performance.now();
  const base = resolveVisionConfig(args.scale, args.patch ?? {});
  setNumThreads(base.threads); // the probes too, when every run is reused and no trainer set them
  const runsRoot = args.runsRoot ?? reproduceDirs('vision', args.scale).runsRoot;
  const resultsDir = args.resultsDir ?? reproduceDirs('vision', args.scale).resultsDir;
  checkResultsScale(resultsDir, args.scale);
  if (args.earlierResults !== undefined && args.trainedOnly !== true) throw new Error(EARLIER_NEEDS_TRAINED_ONLY);
  const earlierResults =
    args.earlierResults === undefined ? null : readEarlierResults(args.earlierResults, args.scale, base);
  const data = openVisionData(base);
  try {
    log(
      `${base.data.dataset} at ${base.data.root}: ${data.pretrain.n} pretraining / ${data.train.n} labelled train / ${data.test.n} test images`,
    );

    // --- train every run (a finished run is reused)
    const { configs, steps, seconds: runSeconds, finished } = await trainVisionRuns(args, base, data, null);
    const notHere = VISION_RUNS.filter((name) => !finished.includes(name));
    const earlier: EarlierRows | null =
      earlierResults === null ? null : takeEarlierRows(earlierResults, args.earlierResults!, notHere);
    const leftOut = notHere.filter((name) => !(earlier?.runs.includes(name) ?? false));
    const recorded: Record<string, number> = {};
    for (const name of finished.filter((n) => !(n in runSeconds))) {
      const seconds = recordedTrainingSeconds(path.join(runsRoot, name));
      if (seconds !== null) recorded[name] = seconds;
    }

    // --- linear evaluation: the same images for every model
    const probeStarted = performance.now();
    const train: LabelledImages = evalImages(base, data.train, base.probe.maxTrain);
    const test: LabelledImages = evalImages(base, data.test, base.probe.maxTest);
    log(`probing on ${train.x.shape[0]} train / ${test.x.shape[0]} test images (centre crops)`);
    const rows: Record<string, number> = {};
    const scores: Record<string, LayerScores> = {};
    const note = (row: string, score: LayerScores): void => {
      rows[row] = score.global.test;
      scores[row] = score;
      const spatial =
        score.spatial === null
          ? ''
          : `; ${base.probe.spatial}×${base.probe.spatial} cells ${formatPercent(score.spatial.test)}`;
      log(`  ${row}: ${formatPercent(score.global.test)} (probe train ${formatPercent(score.global.train)})${spatial}`);
    };
    const probe = (stack: ReturnType<typeof buildVisionStack>, layers: number[]): LayerScores[] => {
      const layerScores = scoreLayers(stack, layers, train, test, data.classes, base.probe, base.seed);
      stack.dispose();
      return layerScores;
    };
    // a probe whose settings, layers and checkpoint match one made before (runs/…/probes) is not run again
    const cache = new ProbeCache({
      dir: path.join(runsRoot, 'probes'),
      shared: { probe: base.probe, data: base.data, seed: base.seed },
      log,
    });
    const load = (name: string) => loadVisionStack(path.join(runsRoot, name), configs[name]!, data.classes).stack;
    const probeRun = (name: string, layers: number[]): LayerScores[] => {
      const checkpoint = latestCheckpoint(runDir(path.join(runsRoot, name)))!;
      const identity = checkpointIdentity(checkpoint.file, checkpoint.step);
      return cache.scores(name, { checkpoint: identity, layers }, () => probe(load(name), layers));
    };
    const all = (name: string): number[] => Array.from({ length: configs[name]!.model.modelSplits }, (_, i) => i);
    const last = (name: string): number[] => [configs[name]!.model.modelSplits - 1];
    const pixels = cache.scores('pixels', {}, () => {
      const flat = (t: Tensor): Tensor => reshape(t, [t.shape[0]!, -1]);
      const [tr, te] = [flat(train.x), flat(test.x)];
      const global = scoreLinearProbe(
        { features: tr, labels: train.y },
        { features: te, labels: test.y },
        data.classes,
        base.probe,
        base.seed,
      );
      tr.dispose();
      te.dispose();
      return [{ global, spatial: null }];
    });
    note(PIXELS_ROW, pixels[0]!);
    const random = cache.scores('random-init', { model: configs.gim!.model, layers: last('gim') }, () =>
      probe(buildVisionStack(configs.gim!, data.classes), last('gim')),
    );
    note('Random initialization', random[0]!);
    const has = (name: string): boolean => finished.includes(name);
    if (has('supervised')) note(ROW_OF_RUN.supervised!, probeRun('supervised', [0])[0]!);
    const greedy = has('greedy-supervised') ? probeRun('greedy-supervised', all('greedy-supervised')) : [];
    if (has('greedy-supervised')) note(ROW_OF_RUN['greedy-supervised']!, greedy[greedy.length - 1]!);
    if (has('dim')) note(ROW_OF_RUN.dim!, probeRun('dim', last('dim'))[0]!);
    if (has('predsim')) note(ROW_OF_RUN.predsim!, probeRun('predsim', last('predsim'))[0]!);
    if (has('cpc')) note(ROW_OF_RUN.cpc!, probeRun('cpc', [0])[0]!);
    const gim = has('gim') ? probeRun('gim', all('gim')) : [];
    if (has('gim')) note(ROW_OF_RUN.gim!, gim[gim.length - 1]!);
    if (has('clapp')) note(ROW_OF_RUN.clapp!, probeRun('clapp', last('clapp'))[0]!);
    for (const [row, score] of Object.entries(earlier?.scores ?? {})) {
      log(`  ${row}: from ${earlier!.file}`);
      note(row, score);
    }
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    const probeSeconds = (performance.now() - probeStarted) / 1000;

    // --- Figure 2: top patches of a few neurons of every GIM module (when GIM was trained)
    makeDirectory(resultsDir, 'results folder');
    const figureFile = path.join(resultsDir, 'figure2');
    const figure = has('gim')
      ? drawFigure2(base, data, figureFile, args.scale, load('gim'))
      : earlier?.figure != null
        ? drawFigure2(base, data, figureFile, args.scale, earlier.figure)
        : [];
    if (!has('gim'))
      log(`figure 2 ${figure.length > 0 ? `redrawn from ${earlier!.file}` : 'left out: the gim run is not finished'}`);

    const results: VisionResults = {
      scale: args.scale,
      dataset: base.data.dataset,
      rows,
      scores,
      perModule: {
        gim: has('gim') ? gim.map((l) => l.global.test) : (earlier?.perModule.gim ?? []),
        greedySupervised: has('greedy-supervised')
          ? greedy.map((l) => l.global.test)
          : (earlier?.perModule.greedySupervised ?? []),
      },
      steps: {
        ...Object.fromEntries(finished.map((name) => [name, steps[name]!])),
        ...(earlier?.steps ?? {}),
      }, // the runs behind the rows
      figure,
      seconds: {
        total: (performance.now() - started) / 1000,
        runs: runSeconds,
        recorded,
        probes: probeSeconds,
        ...(cache.reusedRows.length > 0 ? { probesReused: { runs: cache.reusedRows, seconds: cache.reused } } : {}),
      },
      config: base,
      ...(leftOut.length > 0 ? { leftOut } : {}),
      ...(earlier === null || earlier.runs.length === 0
        ? {}
        : { earlier: { file: earlier.file, runs: earlier.runs, trainingSeconds: earlier.trainingSeconds } }),
      data: {
        pretrain: data.pretrain.n,
        train: data.train.n,
        test: data.test.n,
        probeTrain: base.probe.maxTrain > 0 ? Math.min(base.probe.maxTrain, data.train.n) : data.train.n,
        probeTest: base.probe.maxTest > 0 ? Math.min(base.probe.maxTest, data.test.n) : data.test.n,
        classes: data.classes,
      },
    };
    writeVisionResults(resultsDir, results);
    return results;
  } finally {
    data.close();
  }
}

/**
 * drawFigure2(base, data, file, scale, from): Figure 2 saved as file.{png,svg}, from the GIM stack (disposed) or from
 * the neurons an earlier call found (the same test images, so the same patches).
 */
function drawFigure2(
  base: VisionConfig,
  data: VisionData,
  file: string,
  scale: VisionScale,
  from: ReturnType<typeof buildVisionStack> | NeuronPatches[],
): NeuronPatches[] {
  const figImages = evalImages(base, data.test, base.figure.images);
  const fig = {
    ...base.figure,
    patch: base.model.patch,
    patchStride: base.model.patchStride,
    featureBatch: base.probe.featureBatch,
  };
  let neurons: NeuronPatches[];
  if (Array.isArray(from)) neurons = from;
  else {
    neurons = topPatches(from, figImages.x, fig);
    from.dispose();
  }
  saveFigure(
    file,
    topPatchesFigure(
      neurons,
      figImages.x,
      fig,
      data.norm,
      `Figure 2: test patches that excite GIM neurons most (${base.data.dataset}, ${scale})`,
    ),
  );
  figImages.x.dispose();
  figImages.y.dispose();
  return neurons;
}
