/**
 * `gim reproduce vision`: the rows of the paper's Table 1 and its Figure 2, at one scale. Each trained row is a run
 * (skipped when its final checkpoint exists); every model is then probed the same way — frozen last-module map →
 * average pool → Linear(C, classes) on the same centre-cropped train images, tested on the same test images — and a
 * softmax regression on the normalised pixels is added as a floor. Writes results/vision/{table1.md, results.json,
 * figure2.png}.
 */
import path from 'node:path';
import { formatPercent, markdownTable, saveFigure, writeFileAtomic } from '../../report/index.js';
import { reshape, type Tensor } from '../../tensor/index.js';
import { makeDirectory } from '../../util/fs.js';
import { mergePatches, type DeepPartial } from '../overrides.js';
import { checkResultsScale, reproduceDirs, trainReproduceRun, type ReproduceArgs } from '../results-dir.js';
import { buildVisionStack, loadVisionStack, trainVision } from './experiment.js';
import { linearEval, probeLayers, type LabelledImages } from './linear-eval.js';
import { resolveVisionConfig, type VisionConfig, type VisionScale } from './config.js';
import { evalImages, openVisionData, totalSteps } from './data.js';
import { topPatches, topPatchesFigure, type NeuronPatches } from './figure.js';

/** The paper's Table 1 (STL-10, linear classification accuracy in %). */
export const PAPER_VISION = {
  'Random initialization': 27.0,
  Supervised: 71.4,
  'Greedy Supervised': 65.2,
  CPC: 80.5,
  'Greedy InfoMax (GIM)': 81.9,
} as const;
type PaperRow = keyof typeof PAPER_VISION;
export const PIXELS_ROW = 'Logistic regression on pixels';

/** The training runs behind the rows: name → config patch (S = stages). */
function runsFor(stages: number): Record<string, DeepPartial<VisionConfig>> {
  return {
    gim: { model: { modelSplits: stages }, train: { objective: 'infonce' } },
    cpc: { model: { modelSplits: 1 }, train: { objective: 'infonce' } },
    supervised: { model: { modelSplits: 1 }, train: { objective: 'supervised' } },
    'greedy-supervised': { model: { modelSplits: stages }, train: { objective: 'supervised' } },
  };
}

export type ReproduceVisionArgs = ReproduceArgs<VisionScale, VisionConfig>;

export interface VisionResults {
  scale: VisionScale;
  dataset: VisionConfig['data']['dataset'];
  /** Test accuracy (fraction) per Table 1 row. */
  rows: Record<string, number>;
  /** Test accuracy of every module's output, for the layered models. */
  perModule: { gim: number[]; greedySupervised: number[] };
  steps: Record<string, number>;
  figure: NeuronPatches[];
  seconds: { total: number; runs: Record<string, number>; probes: number };
  config: VisionConfig;
  data: { pretrain: number; train: number; test: number; probeTrain: number; probeTest: number; classes: number };
}

export async function reproduceVision(args: ReproduceVisionArgs): Promise<VisionResults> {
  const log = args.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const started = performance.now();
  const base = resolveVisionConfig(args.scale, args.patch ?? {});
  const runsRoot = args.runsRoot ?? reproduceDirs('vision', args.scale).runsRoot;
  const resultsDir = args.resultsDir ?? reproduceDirs('vision', args.scale).resultsDir;
  checkResultsScale(resultsDir, args.scale);
  const data = openVisionData(base);
  try {
    log(
      `${base.data.dataset} at ${base.data.root}: ${data.pretrain.n} pretraining / ${data.train.n} labelled train / ${data.test.n} test images`,
    );

    // --- train every run (a finished run is reused)
    const configs: Record<string, VisionConfig> = {};
    const steps: Record<string, number> = {};
    const runSeconds: Record<string, number> = {};
    for (const [name, patch] of Object.entries(runsFor(base.model.planes.length))) {
      const config = resolveVisionConfig(
        args.scale,
        mergePatches(args.patch ?? {}, patch, { name: `${base.name}-${name}` }),
      );
      configs[name] = config;
      const n = config.train.objective === 'supervised' ? data.train.n : data.pretrain.n;
      steps[name] = totalSteps(config, n);
      const seconds = await trainReproduceRun({
        name,
        dir: path.join(runsRoot, name),
        steps: steps[name],
        what: `${config.model.modelSplits} module(s), ${config.train.objective}`,
        train: (runArgs) => trainVision(config, data, runArgs),
        log,
      });
      if (seconds !== null) runSeconds[name] = seconds;
    }

    // --- linear evaluation: the same images for every model
    const probeStarted = performance.now();
    const train: LabelledImages = evalImages(base, data.train, base.probe.maxTrain);
    const test: LabelledImages = evalImages(base, data.test, base.probe.maxTest);
    log(`probing on ${train.x.shape[0]} train / ${test.x.shape[0]} test images (centre crops)`);
    const rows: Record<string, number> = {};
    const note = (row: string, acc: number): void => {
      rows[row] = acc;
      log(`  ${row}: ${formatPercent(acc)}`);
    };
    const probe = (stack: ReturnType<typeof buildVisionStack>, layers: number[]): number[] => {
      const accs = probeLayers(stack, layers, train, test, data.classes, base.probe, base.seed);
      stack.dispose();
      return accs;
    };
    const load = (name: string) => loadVisionStack(path.join(runsRoot, name), configs[name]!, data.classes).stack;
    const all = (name: string): number[] => Array.from({ length: configs[name]!.model.modelSplits }, (_, i) => i);
    {
      const flat = (t: Tensor): Tensor => reshape(t, [t.shape[0]!, -1]);
      const [tr, te] = [flat(train.x), flat(test.x)];
      note(
        PIXELS_ROW,
        linearEval(
          { features: tr, labels: train.y },
          { features: te, labels: test.y },
          data.classes,
          base.probe,
          base.seed,
        ),
      );
      tr.dispose();
      te.dispose();
    }
    note('Random initialization', probe(buildVisionStack(configs.gim!, data.classes), [all('gim').length - 1])[0]!);
    note('Supervised', probe(load('supervised'), [0])[0]!);
    const greedy = probe(load('greedy-supervised'), all('greedy-supervised'));
    note('Greedy Supervised', greedy[greedy.length - 1]!);
    note('CPC', probe(load('cpc'), [0])[0]!);
    const gim = probe(load('gim'), all('gim'));
    note('Greedy InfoMax (GIM)', gim[gim.length - 1]!);
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    const probeSeconds = (performance.now() - probeStarted) / 1000;

    // --- Figure 2: top patches of a few neurons of every GIM module
    const figImages = evalImages(base, data.test, base.figure.images);
    const fig = {
      ...base.figure,
      patch: base.model.patch,
      patchStride: base.model.patchStride,
      featureBatch: base.probe.featureBatch,
    };
    const gimStack = load('gim');
    const neurons = topPatches(gimStack, figImages.x, fig);
    gimStack.dispose();
    makeDirectory(resultsDir, 'results folder');
    saveFigure(
      path.join(resultsDir, 'figure2'),
      topPatchesFigure(
        neurons,
        figImages.x,
        fig,
        data.norm,
        `Figure 2: test patches that excite GIM neurons most (${base.data.dataset}, ${args.scale})`,
      ),
    );
    figImages.x.dispose();
    figImages.y.dispose();

    const results: VisionResults = {
      scale: args.scale,
      dataset: base.data.dataset,
      rows,
      perModule: { gim, greedySupervised: greedy },
      steps,
      figure: neurons,
      seconds: { total: (performance.now() - started) / 1000, runs: runSeconds, probes: probeSeconds },
      config: base,
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

const DATASET_NAMES: Record<VisionResults['dataset'], string> = {
  stl10: 'STL-10',
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
};

/** Table 1 (ours beside the paper's) and the raw JSON. */
export function writeVisionResults(dir: string, r: VisionResults): void {
  makeDirectory(dir, 'results folder');
  const ds = DATASET_NAMES[r.dataset];
  const order: string[] = [PIXELS_ROW, ...Object.keys(PAPER_VISION)];
  const body = order.map((name) => [
    name,
    formatPercent(r.rows[name] ?? null),
    name in PAPER_VISION ? PAPER_VISION[name as PaperRow].toFixed(1) : '—',
  ]);
  const stepsLine = Object.entries(r.steps)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const perModule = (accs: number[]): string => accs.map((v, i) => `module ${i + 1} ${formatPercent(v)}`).join(', ');
  const text =
    `# Table 1: linear classification accuracy\n\n` +
    `Ours: **${ds}** at scale \`${r.scale}\` (${r.data.pretrain} pretraining images; training steps: ${stepsLine}; ` +
    `batch ${r.config.train.batchSize}). The paper's numbers are **STL-10** with the full ResNet-50 encoder after ` +
    `300 epochs, so the columns are not comparable in absolute terms — compare the ordering of the rows.\n\n` +
    markdownTable([`Method`, `Ours (${ds}, ${r.scale})`, 'Paper (STL-10)'], body, {
      align: ['left', 'right', 'right'],
    }) +
    `\n\nEvery row is a linear probe (Adam ${r.config.probe.lr}, ${r.config.probe.epochs} epochs) on frozen features: ` +
    `the last module's pooled patch grid averaged to one vector per image, trained on ${r.data.probeTrain} ` +
    `centre-cropped train images (no augmentation) and tested on ${r.data.probeTest} test images. The supervised rows ` +
    `probe the supervised encoders the same way; random initialization is the untrained GIM architecture; ` +
    `the pixel row is softmax regression on the normalised pixels.\n\n` +
    `Per module — GIM: ${perModule(r.perModule.gim)}; greedy supervised: ${perModule(r.perModule.greedySupervised)}.\n\n` +
    `Wall time: ${(r.seconds.total / 60).toFixed(1)} min (probes ${(r.seconds.probes / 60).toFixed(1)} min).\n`;
  writeFileAtomic(path.join(dir, 'table1.md'), text);
  writeFileAtomic(path.join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
}
