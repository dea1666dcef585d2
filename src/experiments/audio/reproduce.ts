/**
 * `gim reproduce audio`: every row of the paper's Tables 3 and 4 that applies, and Figure 4, at one scale.
 * Each row is a training run (skipped when its final checkpoint exists) followed by linear probes on frozen features;
 * all models are probed on the same windows. Writes results/audio/{table3.md, table4.md, figure4.png, results.json}.
 */
import fs from 'node:fs';
import path from 'node:path';
import { audioModuleNames } from '../../audio/model.js';
import { CONFOUND_NOTE } from '../../audio/data/real-speech.js';
import { barPlot, formatPercent, markdownTable, saveFigure, writeFileAtomic } from '../../report/index.js';
import type { GradientIsolatedStack } from '../../gim/index.js';
import { resolveAudioConfig, type AudioConfig, type AudioScale } from './config.js';
import {
  buildAudioStack,
  ensureCorpus,
  loadAudioStack,
  mfccFeatures,
  openAudioData,
  probeTask,
  trainAudio,
  type AudioData,
  type ProbeTask,
  type ProbeWindows,
} from './experiment.js';
import { audioProbeWindows, disposeAudioProbeWindows, probeAudioModules } from './eval.js';
import { makeDirectory } from '../../util/fs.js';
import { mergePatches, type DeepPartial } from '../overrides.js';
import { checkResultsScale, reproduceDirs, trainReproduceRun, type ReproduceArgs } from '../results-dir.js';
import { setNumThreads } from '../../tensor/index.js';

/** The paper's numbers (seed slides, Tables 3 and 4): phone and speaker accuracy in %. */
export const PAPER = {
  'Random initialization': { phone: 27.6, speaker: 1.9 },
  'MFCC features': { phone: 39.7, speaker: 17.6 },
  Supervised: { phone: 77.7, speaker: 98.9 },
  'Greedy Supervised': { phone: 73.4, speaker: 98.7 },
  CPC: { phone: 64.9, speaker: 99.6 },
  'Greedy InfoMax (GIM)': { phone: 62.5, speaker: 99.4 },
  'GIM without BPTT': { phone: 55.5, speaker: 99.2 },
  'GIM without g_ar': { phone: 50.8, speaker: 99.1 },
} as const;
/** A Table 3 row the paper does not have: CLAPP's hinge loss in place of InfoNCE, one module per layer as GIM. */
export const CLAPP_ROW = 'CLAPP (beyond the paper)';
type Row = keyof typeof PAPER | typeof CLAPP_ROW;
/** The paper's number of a row and task, or '—' for the rows it does not have. */
const paperValue = (row: Row, task: 'phone' | 'speaker'): string =>
  row in PAPER ? String(PAPER[row as keyof typeof PAPER][task]) : '—';

/** The training runs behind the rows: name → config patch (reproduce-real trains some of them on real voices). */
export function runsFor(): Record<string, DeepPartial<AudioConfig>> {
  return {
    gim: { model: { modelSplits: 6 } },
    cpc: { model: { modelSplits: 1 } },
    'gim-no-bptt': { model: { modelSplits: 6, noBPTT: true } },
    'supervised-speaker': { model: { modelSplits: 1 }, train: { objective: 'speaker' } },
    'supervised-phone': { model: { modelSplits: 1 }, train: { objective: 'phone' } },
    'greedy-supervised-speaker': { model: { modelSplits: 6 }, train: { objective: 'speaker' } },
    'greedy-supervised-phone': { model: { modelSplits: 6 }, train: { objective: 'phone' } },
    clapp: { model: { modelSplits: 6 }, train: { objective: 'clapp' } },
  };
}

export type ReproduceAudioArgs = ReproduceArgs<AudioScale, AudioConfig>;

export interface AudioResults {
  scale: AudioScale;
  rows: Record<string, { phone: number | null; speaker: number | null }>;
  perLayerSpeaker: { gim: number[]; cpc: number[] };
  seconds: { total: number; runs: Record<string, number> };
  config: AudioConfig;
  data: { trainUtterances: number; testUtterances: number; speakers: number; minutes: number };
}

export async function reproduceAudio(args: ReproduceAudioArgs): Promise<AudioResults> {
  const log = args.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const started = performance.now();
  const base = resolveAudioConfig(args.scale, args.patch ?? {});
  setNumThreads(base.threads); // the probes too, when every run is reused and no trainer set them
  const runsRoot = args.runsRoot ?? reproduceDirs('audio', args.scale).runsRoot;
  const resultsDir = args.resultsDir ?? reproduceDirs('audio', args.scale).resultsDir;
  checkResultsScale(resultsDir, args.scale);
  await ensureCorpus(base, log);
  const data = await openAudioData(base);
  const stats = data.train.stats();
  log(
    `corpus ${base.data.root}: ${data.train.size} train / ${data.test.size} test utterances, ${data.train.speakers.length} speakers, ${stats.minutes.toFixed(1)} min (train)`,
  );

  // --- train every run (a finished run is reused)
  const configs: Record<string, AudioConfig> = {};
  const runSeconds: Record<string, number> = {};
  for (const [name, patch] of Object.entries(runsFor())) {
    const config = resolveAudioConfig(
      args.scale,
      mergePatches(args.patch ?? {}, patch, { name: `${base.name}-${name}` }),
    );
    configs[name] = config;
    const seconds = await trainReproduceRun({
      name,
      dir: path.join(runsRoot, name),
      steps: config.train.steps,
      what: `${config.model.modelSplits} module(s), objective ${config.train.objective}`,
      train: (runArgs) => trainAudio(config, data, runArgs),
      log,
    });
    if (seconds !== null) runSeconds[name] = seconds;
  }

  // --- probe windows: the same for every model
  const windows = await audioProbeWindows(base, data);
  const speakers = windows.speakers;
  const rows: AudioResults['rows'] = {};
  const probe = (task: ProbeTask, stack: GradientIsolatedStack, module: number): number =>
    probeAudioModules({ stack, modules: [module], task, windows, config: base })[0]!;
  const evalRow = (row: Row, stack: GradientIsolatedStack, module: number): void => {
    rows[row] = { phone: probe('phone', stack, module), speaker: probe('speaker', stack, module) };
    log(`  ${row}: phone ${formatPercent(rows[row].phone)}, speaker ${formatPercent(rows[row].speaker)}`);
  };
  const load = (name: string): GradientIsolatedStack =>
    loadAudioStack(path.join(runsRoot, name), configs[name]!, data).stack;
  const last = (s: GradientIsolatedStack): number => s.length - 1;
  /** Supervised rows: a linear probe on the last features of a model trained with labels (its own head is the same map). */
  const supervisedProbe = (task: ProbeTask, run: string): number => {
    const stack = load(run);
    const accuracy = probe(task, stack, last(stack));
    stack.dispose();
    return accuracy;
  };

  log('probing');
  const random = buildAudioStack(configs.gim!, data); // untrained GIM architecture = CPC's encoder at random init
  evalRow('Random initialization', random, last(random));
  random.dispose();
  {
    const [train, test] = [mfccFeatures(windows.train.x), mfccFeatures(windows.test.x)];
    const probeMfcc = (task: ProbeTask): number =>
      probeTask(
        task,
        { features: train, windows: windows.train },
        { features: test, windows: windows.test },
        base,
        speakers,
      );
    rows['MFCC features'] = { phone: probeMfcc('phone'), speaker: probeMfcc('speaker') };
    log(
      `  MFCC features: phone ${formatPercent(rows['MFCC features'].phone)}, speaker ${formatPercent(rows['MFCC features'].speaker)}`,
    );
    train.dispose();
    test.dispose();
  }
  rows.Supervised = {
    phone: supervisedProbe('phone', 'supervised-phone'),
    speaker: supervisedProbe('speaker', 'supervised-speaker'),
  };
  rows['Greedy Supervised'] = {
    phone: supervisedProbe('phone', 'greedy-supervised-phone'),
    speaker: supervisedProbe('speaker', 'greedy-supervised-speaker'),
  };
  for (const r of ['Supervised', 'Greedy Supervised'] as const)
    log(`  ${r}: phone ${formatPercent(rows[r]!.phone)}, speaker ${formatPercent(rows[r]!.speaker)}`);
  const cpc = load('cpc');
  evalRow('CPC', cpc, 0);
  const gim = load('gim');
  evalRow('Greedy InfoMax (GIM)', gim, last(gim));
  const noBptt = load('gim-no-bptt');
  evalRow('GIM without BPTT', noBptt, last(noBptt));
  evalRow('GIM without g_ar', gim, last(gim) - 1); // probes read the conv-5 output
  const clapp = load('clapp');
  evalRow(CLAPP_ROW, clapp, last(clapp));
  clapp.dispose();

  // --- Figure 4: speaker accuracy of every GIM module's output
  const perLayer = probeAudioModules({
    stack: gim,
    modules: gim.modules.map((_, module) => module),
    task: 'speaker',
    windows,
    config: base,
  });
  for (const s of [cpc, gim, noBptt]) s.dispose();
  disposeAudioProbeWindows(windows);

  const results: AudioResults = {
    scale: args.scale,
    rows,
    perLayerSpeaker: { gim: perLayer, cpc: [rows.CPC!.speaker!] },
    seconds: { total: (performance.now() - started) / 1000, runs: runSeconds },
    config: base,
    data: { trainUtterances: data.train.size, testUtterances: data.test.size, speakers, minutes: stats.minutes },
  };
  await writeAudioResults(resultsDir, results);
  return results;
}

const pct = (v: number | null | undefined): string => formatPercent(v ?? null);

/** Tables 3 and 4 (ours beside the paper's), Figure 4 and the raw JSON. */
export async function writeAudioResults(dir: string, r: AudioResults): Promise<void> {
  makeDirectory(dir, 'results folder');
  const header = (title: string): string =>
    `# ${title}\n\nScale \`${r.scale}\`: ${r.data.speakers} speakers, ${r.data.trainUtterances} train / ${r.data.testUtterances} test utterances ` +
    `(${r.data.minutes.toFixed(1)} min of training audio; data root \`${r.config.data.root}\`). Linear-probe test accuracy; ` +
    `the paper's numbers are LibriSpeech train-clean-100 at full scale and are not comparable in absolute terms.\n\n`;
  const real = readRealSpeaker(dir, r.scale);
  const row = (name: Row) => [
    name,
    pct(r.rows[name]?.phone),
    paperValue(name, 'phone'),
    pct(r.rows[name]?.speaker),
    ...(real === null ? [] : [pct(real[name])]),
    paperValue(name, 'speaker'),
  ];
  const cols = [
    'Method',
    'Phone (ours)',
    'Phone (paper)',
    'Speaker (ours)',
    ...(real === null ? [] : ['Speaker (real)']),
    'Speaker (paper)',
  ];
  const align = ['left', 'right', 'right', 'right', 'right', ...(real === null ? [] : (['right'] as const))] as const;
  const realNote =
    real === null
      ? ''
      : `\n\nSpeaker (real): the same methods trained and probed on real recorded voices (${REAL_RESULTS_FILE}, ` +
        `real-speech.md: ${CONFOUND_NOTE}); "—" where the method does not apply.`;
  const t3: Row[] = [
    'Random initialization',
    'MFCC features',
    'Supervised',
    'Greedy Supervised',
    'CPC',
    'Greedy InfoMax (GIM)',
    CLAPP_ROW,
  ];
  const t4: Row[] = ['Greedy InfoMax (GIM)', 'GIM without BPTT', 'GIM without g_ar'];
  writeFileAtomic(
    path.join(dir, 'table3.md'),
    header('Table 3: phone and speaker classification') +
      markdownTable(cols, t3.map(row), { align }) +
      realNote +
      `\n\n${CLAPP_ROW}: CLAPP (Illing et al., NeurIPS 2021), InfoNCE's hinge form with one positive and one ` +
      `negative per prediction (src/gim/clapp.ts), on GIM's modules (one per layer, the same K); not in the paper.` +
      `\n\nWall time: ${(r.seconds.total / 60).toFixed(1)} min.\n`,
  );
  writeFileAtomic(
    path.join(dir, 'table4.md'),
    header('Table 4: ablations of the autoregressor') +
      markdownTable(
        cols.filter((c) => c !== 'Speaker (real)'),
        t4.map((name) => row(name).filter((_, i) => real === null || i !== 4)),
        { align: align.slice(0, 5) },
      ) +
      '\n',
  );
  writeFileAtomic(path.join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  const title = 'Figure 4: speaker classification error per module (GIM)';
  await saveFigure4(path.join(dir, 'figure4'), title, r.config, r.perLayerSpeaker);
}

/** Figure 4: the speaker test error of every GIM module's output, and CPC's, on a log axis. */
export async function saveFigure4(
  pathWithoutExt: string,
  title: string,
  config: AudioConfig,
  perLayerSpeaker: { gim: number[]; cpc: number[] },
): Promise<void> {
  const names = audioModuleNames({ ...config.model, modelSplits: perLayerSpeaker.gim.length });
  const fig = await barPlot({
    title,
    xLabel: 'module output',
    yLabel: 'test error (%)',
    logY: true,
    bars: [
      ...perLayerSpeaker.gim.map((acc, i) => ({
        group: names[i]!,
        name: 'GIM',
        value: Math.max(0.1, 100 * (1 - acc)),
      })),
      { group: 'gru', name: 'CPC', value: Math.max(0.1, 100 * (1 - perLayerSpeaker.cpc[0]!)) },
    ],
    labelFormat: '.1f',
  });
  saveFigure(pathWithoutExt, fig);
}

/** The file reproduce-real writes beside results.json. */
export const REAL_RESULTS_FILE = 'real-results.json';

/** Speaker accuracy on real voices per Table 3 row, from `<dir>/real-results.json` of the same scale; else null. */
function readRealSpeaker(dir: string, scale: AudioScale): Record<string, number | null> | null {
  const file = path.join(dir, REAL_RESULTS_FILE);
  if (!fs.existsSync(file)) return null;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { scale?: string; rows?: Record<string, number | null> };
  return saved.scale === scale && saved.rows !== undefined ? saved.rows : null;
}

export type { AudioData, ProbeWindows };
