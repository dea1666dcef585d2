/** Table 1 as `reproduce vision` writes it: the paper's rows, the results of a reproduction, table1.md and JSON. */
import path from 'node:path';
import { formatPercent, markdownTable, writeFileAtomic } from '../../report/index.js';
import { makeDirectory } from '../../util/fs.js';
import type { LayerScores, ProbeScore } from './linear-eval.js';
import type { VisionConfig, VisionScale } from './config.js';
import type { NeuronPatches } from './figure.js';

/** The paper's Table 1 (STL-10, linear classification accuracy in %), in its order. */
export const PAPER_VISION = {
  'Random initialization': 27.0,
  Supervised: 71.4,
  'Greedy Supervised': 65.2,
  'Deep InfoMax': 78.2,
  Predsim: 80.8,
  CPC: 80.5,
  'Greedy InfoMax (GIM)': 81.9,
} as const;
type PaperRow = keyof typeof PAPER_VISION;
export const PIXELS_ROW = 'Logistic regression on pixels';
/** A row the paper does not have: CLAPP's hinge loss in place of InfoNCE, greedy per module as GIM. */
export const CLAPP_ROW = 'CLAPP (beyond the paper)';

/** The Table 1 row each training run of `reproduce vision` stands behind. */
export const ROW_OF_RUN: Readonly<Record<string, string>> = {
  supervised: 'Supervised',
  'greedy-supervised': 'Greedy Supervised',
  dim: 'Deep InfoMax',
  predsim: 'Predsim',
  cpc: 'CPC',
  gim: 'Greedy InfoMax (GIM)',
  clapp: CLAPP_ROW,
};

export interface VisionResults {
  scale: VisionScale;
  dataset: VisionConfig['data']['dataset'];
  /** Test accuracy (fraction) per Table 1 row: the paper's probe on the grid average. */
  rows: Record<string, number>;
  /** Every probe of each row: grid average and spatial cells, test and train accuracy, epochs, convergence. */
  scores: Record<string, LayerScores>;
  /** Test accuracy of every module's output, for the layered models. */
  perModule: { gim: number[]; greedySupervised: number[] };
  steps: Record<string, number>;
  figure: NeuronPatches[];
  /**
   * total: this call; runs: the runs it trained; recorded: the runs it found finished, timed by their metrics
   * (recordedTrainingSeconds); probes: the linear evaluation.
   */
  seconds: {
    total: number;
    runs: Record<string, number>;
    recorded?: Record<string, number>;
    probes: number;
    /** The probes reused from an earlier call (runs/…/probes), and how long they took when they ran. */
    probesReused?: { runs: string[]; seconds: number };
  };
  config: VisionConfig;
  /** The runs not finished when a `--trained-only` call wrote the table: their rows are empty. */
  leftOut?: string[];
  /**
   * The rows taken from an earlier call's results.json (`--earlier-results`): the file, the runs, and those runs'
   * training times as that call recorded them.
   */
  earlier?: { file: string; runs: string[]; trainingSeconds: Record<string, number> };
  data: { pretrain: number; train: number; test: number; probeTrain: number; probeTest: number; classes: number };
}

const DATASET_NAMES: Record<VisionResults['dataset'], string> = {
  stl10: 'STL-10',
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
};

/** How the runs trained, for the table's first line: batch, lr (and its schedule), the options beyond the paper. */
function trainingSettings(config: VisionConfig): string {
  const { train, model } = config;
  return [
    `batch ${train.batchSize}`,
    `Adam ${train.lr}${train.schedule === 'constant' ? '' : ` on a ${train.schedule} schedule`}`,
    ...(model.normGroups > 0 ? [`GroupNorm (${model.normGroups} groups) before each ReLU`] : []),
    ...(train.supervised.cells > 1
      ? [`the supervised classifier on ${train.supervised.cells}×${train.supervised.cells} cells`]
      : []),
  ].join('; ');
}

/** GIM, CPC and the supervised row against the pixel row, on each probe (a paragraph, or '' without a pixel row). */
function againstPixels(r: VisionResults): string {
  const pixels = r.scores[PIXELS_ROW]?.global.test;
  if (pixels === undefined) return '';
  const points = (a: number, b: number): string => `${a >= b ? '+' : '−'}${(Math.abs(a - b) * 100).toFixed(1)}`;
  const rows = ['Greedy InfoMax (GIM)', 'CPC', 'Supervised'].filter((row) => r.scores[row] !== undefined);
  const line = (row: string): string => {
    const s = r.scores[row]!;
    const cells =
      s.spatial === null ? '' : `, cells ${formatPercent(s.spatial.test)} (${points(s.spatial.test, pixels)})`;
    return `${row}: grid average ${formatPercent(s.global.test)} (${points(s.global.test, pixels)})${cells}`;
  };
  return `Against logistic regression on the pixels (${formatPercent(pixels)}), in points — ${rows.map(line).join('; ')}.\n\n`;
}

/** The table's last line: this call's wall time, and every run's training time (measured now or recorded). */
function wallTime(seconds: VisionResults['seconds']): string {
  const min = (s: number): string => `${(s / 60).toFixed(1)} min`;
  const now = Object.entries(seconds.runs).map(([name, s]) => `${name} ${min(s)}`);
  const earlier = Object.entries(seconds.recorded ?? {}).map(([name, s]) => `${name} ${min(s)}`);
  const training = [...Object.values(seconds.runs), ...Object.values(seconds.recorded ?? {})].reduce(
    (a, b) => a + b,
    0,
  );
  const reused = seconds.probesReused;
  return (
    `Wall time of this call: ${min(seconds.total)} (probes ${min(seconds.probes)}` +
    (now.length > 0 ? `; trained now: ${now.join(', ')}` : '') +
    ').' +
    (reused === undefined
      ? ''
      : ` Probe results reused from an earlier call (same settings and checkpoints): ${reused.runs.join(', ')}, ` +
        `which took ${min(reused.seconds)} when they ran.`) +
    (earlier.length > 0
      ? ` Runs it found finished, timed by their metrics (pauses between sittings left out): ${earlier.join(', ')}; ` +
        `training and probes together: ${min(training + seconds.probes + (reused?.seconds ?? 0))}.`
      : '') +
    '\n'
  );
}

/** The paragraph naming the rows taken from an earlier call, and how long their runs trained then. */
function earlierRows(earlier: NonNullable<VisionResults['earlier']>): string {
  const rows = earlier.runs.map((run) => ROW_OF_RUN[run] ?? run);
  const times = Object.entries(earlier.trainingSeconds).map(([run, s]) => `${run} ${(s / 60).toFixed(1)} min`);
  return (
    `Rows from an earlier call (\`--earlier-results ${earlier.file}\`): ${rows.join(', ')}. Their runs were not in ` +
    `this call's runs folder; their probes, training steps (first line)` +
    `${earlier.runs.includes('gim') ? ', per-module numbers and Figure 2' : ' and per-module numbers'} are that ` +
    `call's, made with the same data, model, objective and probe settings and seed` +
    `${times.length > 0 ? `; their training took ${times.join(', ')} then` : ''}.\n\n`
  );
}

/** Table 1 (ours beside the paper's) and the raw JSON. */
export function writeVisionResults(dir: string, r: VisionResults): void {
  makeDirectory(dir, 'results folder');
  const ds = DATASET_NAMES[r.dataset];
  const probe = r.config.probe;
  const cells = probe.spatial > 0 ? `${probe.spatial}×${probe.spatial}` : null;
  const order: string[] = [PIXELS_ROW, ...Object.keys(PAPER_VISION), CLAPP_ROW];
  const pct = (score: ProbeScore | null | undefined): string => formatPercent(score?.test ?? null);
  const trainPct = (score: ProbeScore | null | undefined): string => formatPercent(score?.train ?? null);
  const body = order.map((name) => {
    const s = r.scores[name];
    return [
      name,
      pct(s?.global),
      ...(cells === null ? [] : [pct(s?.spatial)]),
      [trainPct(s?.global), ...(cells === null ? [] : [trainPct(s?.spatial)])].join(' / '),
      name in PAPER_VISION ? PAPER_VISION[name as PaperRow].toFixed(1) : '—',
    ];
  });
  const header = [
    'Method',
    `Ours: grid average (paper's probe)`,
    ...(cells === null ? [] : [`Ours: ${cells} cells`]),
    'Probe train accuracy',
    'Paper (STL-10)',
  ];
  const stepsLine = Object.entries(r.steps)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const perModule = (accs: number[]): string =>
    accs.length === 0 ? 'not trained' : accs.map((v, i) => `module ${i + 1} ${formatPercent(v)}`).join(', ');
  const leftOut =
    r.leftOut === undefined || r.leftOut.length === 0
      ? ''
      : `Rows left out: the runs ${r.leftOut.join(', ')} were not finished when this table was written ` +
        `(\`--trained-only\`); their rows are empty, not zero.\n\n`;
  const earlier = r.earlier === undefined || r.earlier.runs.length === 0 ? '' : earlierRows(r.earlier);
  const epochsOf = Object.values(r.scores).flatMap((s) => [s.global, ...(s.spatial === null ? [] : [s.spatial])]);
  const training =
    probe.stop === 'epochs'
      ? `Adam ${probe.lr}, ${probe.epochs} epochs`
      : `Adam ${probe.lr} in batches of ${probe.batchSize} until the training loss plateaus (lr ÷10 after ` +
        `${probe.plateau.patience} epoch(s) falling by under ${probe.plateau.tolerance * 100}%, stop at the ` +
        `plateau after ${probe.plateau.lrDrops} drops; ${Math.min(...epochsOf.map((s) => s.epochs))}–` +
        `${Math.max(...epochsOf.map((s) => s.epochs))} epochs, ` +
        `${epochsOf.filter((s) => s.converged).length} of ${epochsOf.length} probes plateaued before ${probe.epochs})`;
  const text =
    `# Table 1: linear classification accuracy\n\n` +
    `Ours: **${ds}** at scale \`${r.scale}\` (${r.data.pretrain} pretraining images; training steps: ${stepsLine}; ` +
    `${trainingSettings(r.config)}). The paper's numbers are **STL-10** with the full ResNet-50 encoder after ` +
    `300 epochs, so the columns are not comparable in absolute terms — compare the ordering of the rows.\n\n` +
    markdownTable(header, body, {
      align: ['left', 'right', ...(cells === null ? [] : ['right' as const]), 'right', 'right'],
    }) +
    `\n\nEvery row is a linear probe on frozen features standardised by the training images' statistics, trained ` +
    `on ${r.data.probeTrain} centre-cropped train images (no augmentation) and tested on ${r.data.probeTest} test ` +
    `images; ${training}. The paper's probe (first column, and the one compared with the paper) reads the last ` +
    `module's patch grid averaged to one vector per image` +
    (cells === null
      ? ''
      : `; the second reads the grid average-pooled to ${cells} cells, which keeps where a patch was`) +
    `. The probe's own accuracy on its training images is given beside (grid average / cells). The supervised rows ` +
    `probe the supervised encoders the same way; random initialization is the untrained GIM architecture; ` +
    `the pixel row is softmax regression on the standardised pixels. Deep InfoMax (local + global, ` +
    `${r.config.train.dim.estimator.toUpperCase()} estimator, weights local ${r.config.train.dim.localWeight} / ` +
    `global ${r.config.train.dim.globalWeight}) trains the encoder end to end; Predsim (β ` +
    `${r.config.train.predsim.beta}) and CLAPP train one gradient-isolated module per stage, as GIM — the same ` +
    `encoder, probed like every row (the paper quotes Predsim's own classifier on STL-10). CLAPP (Illing et al. ` +
    `2021) is not in the paper's table.\n\n` +
    `Per module (grid average) — GIM: ${perModule(r.perModule.gim)}; greedy supervised: ` +
    `${perModule(r.perModule.greedySupervised)}.\n\n` +
    againstPixels(r) +
    leftOut +
    earlier +
    wallTime(r.seconds);
  writeFileAtomic(path.join(dir, 'table1.md'), text);
  writeFileAtomic(path.join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
}
