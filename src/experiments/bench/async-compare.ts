/**
 * Async vs simultaneous training of one config, audio or vision: simultaneous for `train.steps`, async for the same
 * steps per module, and async for the same wall time (the simultaneous run's seconds, counted from when every worker
 * is ready); the last module of each model is linear-probed (audio: speaker and phone; vision: class). One experiment
 * makes one AsyncComparison, one section of results/async.md (asyncReport); the driver and the report are shared, the
 * experiments supply only their trainings and their probe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AsyncTrainResult } from '../../gim/async/index.js';
import type { GradientIsolatedStack } from '../../gim/index.js';
import { formatPercent, markdownTable, writeFileAtomic } from '../../report/index.js';
import {
  extractFeatures,
  probeTask,
  probeWindows,
  trainAudio,
  type AudioData,
  type ProbeWindows,
} from '../audio/experiment.js';
import type { AudioConfig } from '../audio/config.js';
import type { TrainResult, TrainRunArgs } from '../../gim/training/trainer.js';
import { trainVision } from '../vision/experiment.js';
import { probeLayers } from '../vision/linear-eval.js';
import type { VisionConfig } from '../vision/config.js';
import { evalImages, totalSteps, type VisionData } from '../vision/data.js';

/** Where a comparison writes: its runs (deleted first) and, optionally, a report of this experiment alone. */
export interface AsyncCompareArgs {
  runs: string;
  /** Markdown report of this comparison alone (asyncReport([it])); absent: none written. */
  out?: string;
  log?: (line: string) => void;
}

export type AsyncExperiment = 'audio' | 'vision';
export const ASYNC_COMPARE_LABELS = ['simultaneous', 'async, equal steps', 'async, equal wall time'] as const;
export type AsyncCompareLabel = (typeof ASYNC_COMPARE_LABELS)[number];

/** Mean and maximum of a per-module measurement. */
export interface MeanAndMax {
  mean: number;
  max: number;
}

/** One trained model's row: per-module steps, samples/s, queues and staleness, wall time, last-module probes. */
export interface AsyncCompareRow {
  label: AsyncCompareLabel;
  steps: number[];
  /** Training wall time (async: from when every worker was ready until all had exited). */
  seconds: number;
  samplesPerSec: number[];
  /** Staleness per module (null for simultaneous: always 0). */
  staleness: MeanAndMax[] | null;
  /** Occupancy of each module's input queue (null for simultaneous: no queues). */
  queue: MeanAndMax[] | null;
  /** Final test accuracy of a linear probe on the last module's features, per probe (AsyncComparison.probes). */
  accuracy: Record<string, number>;
}

/** One experiment's comparison: its setting, and the three rows. */
export interface AsyncComparison {
  experiment: AsyncExperiment;
  /** The config's name (e.g. audio-small). */
  name: string;
  modules: number;
  batchSize: number;
  steps: number;
  lr: number;
  /** libtorch threads of the simultaneous run; per async worker; batches per async queue. */
  threads: number;
  threadsPerModule: number;
  queueCapacity: number;
  cores: number;
  /** Probe names, in the report's column order. */
  probes: string[];
  /** How the probes read the last module. */
  probeNote: string;
  /** Wall time of the whole comparison: three trainings and their probes. */
  seconds: number;
  rows: AsyncCompareRow[];
}

/** An async run's result with the workers' summary it must carry. */
function withSummary(r: TrainResult): TrainResult & { async: AsyncTrainResult } {
  if (r.async === undefined) throw new Error("an async comparison run ended without the workers' summary");
  return r as TrainResult & { async: AsyncTrainResult };
}

/** What compareModes needs from an experiment: one training in a mode (its config's steps unless given), a probe. */
interface ModeRunners {
  train(mode: 'simultaneous' | 'async', steps: number | undefined, runArgs: TrainRunArgs): Promise<TrainResult>;
  probe(stack: GradientIsolatedStack): Record<string, number>;
}

/** A fresh run into `run`, logging to `log`; async runs stop after maxSeconds when given. */
function comparisonRun(run: string, log: (line: string) => void, maxSeconds?: number): TrainRunArgs {
  return {
    run,
    resume: false,
    interactive: false,
    log,
    ...(maxSeconds === undefined ? {} : { asyncOptions: { maxSeconds } }),
  };
}

/** Steps of the equal-wall-time async run: more than it can make, so that the time limit ends it. */
const UNBOUNDED_STEPS = 1_000_000;

/** compareModes(runs, modules, batchSize, runners, log): the three trainings, each probed, as rows. */
async function compareModes(
  runs: string,
  modules: number,
  batchSize: number,
  r: ModeRunners,
  log: (line: string) => void,
): Promise<AsyncCompareRow[]> {
  fs.rmSync(runs, { recursive: true, force: true });
  const dirOf = (label: AsyncCompareLabel): string => path.join(runs, label.replace(/[^a-z]+/g, '-'));
  const rows: AsyncCompareRow[] = [];
  log('[simultaneous]');
  const sim = await r.train('simultaneous', undefined, comparisonRun(dirOf('simultaneous'), log));
  try {
    rows.push({
      label: 'simultaneous',
      steps: Array<number>(modules).fill(sim.step),
      seconds: sim.seconds,
      samplesPerSec: Array<number>(modules).fill((sim.step * batchSize) / sim.seconds),
      staleness: null,
      queue: null,
      accuracy: r.probe(sim.stack),
    });
  } finally {
    sim.stack.dispose();
  }
  const runsOf: [AsyncCompareLabel, number, number | undefined][] = [
    ['async, equal steps', sim.step, undefined],
    ['async, equal wall time', UNBOUNDED_STEPS, sim.seconds],
  ];
  for (const [label, steps, maxSeconds] of runsOf) {
    log(`[${label}] ${maxSeconds === undefined ? `${steps} steps` : `${maxSeconds.toFixed(1)} s`}`);
    const a = withSummary(await r.train('async', steps, comparisonRun(dirOf(label), log, maxSeconds)));
    try {
      const ms = a.async.modules;
      rows.push({
        label,
        steps: ms.map((m) => m.step),
        seconds: a.async.trainSeconds,
        samplesPerSec: ms.map((m) => m.samplesPerSec),
        staleness: ms.map((m) => ({ mean: m.staleness.mean, max: m.staleness.max })),
        queue: ms.map((m) => ({ mean: m.queue.mean, max: m.queue.max })),
        accuracy: r.probe(a.stack),
      });
    } finally {
      a.stack.dispose();
    }
  }
  return rows;
}

/** Shared setting fields of a comparison. */
function comparisonSetting(
  experiment: AsyncExperiment,
  c: {
    name: string;
    threads: number;
    train: { batchSize: number; lr: number; async: { queueCapacity: number; threadsPerModule: number } };
  },
  modules: number,
  steps: number,
): Omit<AsyncComparison, 'probes' | 'probeNote' | 'seconds' | 'rows'> {
  return {
    experiment,
    name: c.name,
    modules,
    batchSize: c.train.batchSize,
    steps,
    lr: c.train.lr,
    threads: c.threads,
    threadsPerModule: c.train.async.threadsPerModule,
    queueCapacity: c.train.async.queueCapacity,
    cores: os.cpus().length,
  };
}

/** reportComparison(comparison, args, log): write the report when args.out says where; returns the comparison. */
function reportComparison(c: AsyncComparison, args: AsyncCompareArgs, log: (line: string) => void): AsyncComparison {
  if (args.out !== undefined) {
    writeFileAtomic(args.out, asyncReport([c]));
    log(`wrote ${args.out}`);
  }
  return c;
}

/**
 * probeLastAudio(stack, windows, config, speakers) → { speaker, phone }: test accuracies of linear probes on the last
 * module's features of the probe windows, averaged over time for the speaker task and per frame for the phone task.
 */
function probeLastAudio(
  stack: GradientIsolatedStack,
  w: { train: ProbeWindows; test: ProbeWindows },
  config: AudioConfig,
  speakers: number,
): Record<string, number> {
  const layer = stack.length - 1;
  const acc = (task: 'speaker' | 'phone'): number => {
    const timeMean = task === 'speaker';
    const tr = extractFeatures(stack, w.train.x, [layer], timeMean).get(layer)!;
    const te = extractFeatures(stack, w.test.x, [layer], timeMean).get(layer)!;
    const a = probeTask(task, { features: tr, windows: w.train }, { features: te, windows: w.test }, config, speakers);
    tr.dispose();
    te.dispose();
    return a;
  };
  return { speaker: acc('speaker'), phone: acc('phone') };
}

/** compareAsync(config, data, args): the audio comparison (speaker and phone probes); see the file comment. */
export async function compareAsync(
  config: AudioConfig,
  data: AudioData,
  args: AsyncCompareArgs,
): Promise<AsyncComparison> {
  const started = performance.now();
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const w = {
    train: await probeWindows(
      data.train,
      config.probe.trainWindowsPerUtterance,
      config.seed,
      config.data.windowSamples,
    ),
    test: await probeWindows(data.test, 1, config.seed + 1, config.data.windowSamples),
  };
  const speakers = data.train.speakers.length;
  const withSteps = (mode: 'simultaneous' | 'async', steps = config.train.steps): AudioConfig => ({
    ...config,
    train: { ...config.train, mode, steps },
  });
  try {
    const rows = await compareModes(
      args.runs,
      config.model.modelSplits,
      config.train.batchSize,
      {
        train: (mode, steps, runArgs) => trainAudio(withSteps(mode, steps), data, runArgs),
        probe: (stack) => probeLastAudio(stack, w, config, speakers),
      },
      log,
    );
    const c: AsyncComparison = {
      ...comparisonSetting('audio', config, config.model.modelSplits, config.train.steps),
      probes: ['speaker', 'phone'],
      probeNote: 'speaker: time-mean features; phone: per frame',
      seconds: (performance.now() - started) / 1000,
      rows,
    };
    return reportComparison(c, args, log);
  } finally {
    for (const t of [w.train, w.test]) for (const x of [t.x, t.speakers, t.phones]) x?.dispose();
  }
}

/** compareAsyncVision(config, data, args): the vision comparison (class probe); see the file comment. */
export async function compareAsyncVision(
  config: VisionConfig,
  data: VisionData,
  args: AsyncCompareArgs,
): Promise<AsyncComparison> {
  const started = performance.now();
  const log = args.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (config.train.objective !== 'infonce')
    throw new Error(`compareAsyncVision: train.objective must be infonce (got ${config.train.objective})`);
  const steps = totalSteps(config, data.pretrain.n);
  const withSteps = (mode: 'simultaneous' | 'async', s = steps): VisionConfig => ({
    ...config,
    train: { ...config.train, mode, steps: s },
  });
  const train = evalImages(config, data.train, config.probe.maxTrain);
  const test = evalImages(config, data.test, config.probe.maxTest);
  try {
    const rows = await compareModes(
      args.runs,
      config.model.modelSplits,
      config.train.batchSize,
      {
        train: (mode, s, runArgs) => trainVision(withSteps(mode, s), data, runArgs),
        probe: (stack) => ({
          class: probeLayers(stack, [stack.length - 1], train, test, data.classes, config.probe, config.seed)[0]!,
        }),
      },
      log,
    );
    const c: AsyncComparison = {
      ...comparisonSetting('vision', config, config.model.modelSplits, steps),
      probes: ['class'],
      probeNote:
        `class: average-pooled last-module map of centre crops, ${train.y.shape[0]} train / ` +
        `${test.y.shape[0]} test images, ${config.probe.epochs} epochs`,
      seconds: (performance.now() - started) / 1000,
      rows,
    };
    return reportComparison(c, args, log);
  } finally {
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  }
}

const TITLES: Record<AsyncExperiment, string> = { audio: 'Audio', vision: 'Vision' };

/** asyncSection(c): one experiment's section of results/async.md — its setting, a summary and a per-module table. */
export function asyncSection(c: AsyncComparison): string {
  const mods = Array.from({ length: c.modules }, (_, m) => `m${m + 1}`);
  const list = (xs: number[], d: number): string => xs.map((x) => x.toFixed(d)).join(' / ');
  const meanMax = (x: MeanAndMax): string => `${x.mean.toFixed(2)} (${x.max})`;
  const summary = markdownTable(
    ['mode', 'steps per module', 'wall s', 'samples/s (slowest module)', ...c.probes.map((p) => `${p} acc`)],
    c.rows.map((r) => [
      r.label,
      list(r.steps, 0),
      r.seconds.toFixed(1),
      Math.min(...r.samplesPerSec).toFixed(1),
      ...c.probes.map((p) => formatPercent(r.accuracy[p])),
    ]),
  );
  const perModule = markdownTable(
    ['mode', 'per module', ...mods],
    c.rows.flatMap((r) => [
      [r.label, 'samples/s', ...r.samplesPerSec.map((x) => x.toFixed(1))],
      ...(r.staleness === null ? [] : [[r.label, 'staleness mean (max)', ...r.staleness.map(meanMax)]]),
      ...(r.queue === null ? [] : [[r.label, 'input queue mean (max)', ...r.queue.map(meanMax)]]),
    ]),
  );
  return [
    `## ${TITLES[c.experiment]} (${c.name})`,
    '',
    `${c.modules} modules, batch ${c.batchSize}, lr ${c.lr}, ${c.steps} steps; simultaneous: ${c.threads} libtorch ` +
      `threads; async: one worker per module with ${c.threadsPerModule} thread(s) each, queues of ${c.queueCapacity} ` +
      `batches; ${c.cores} CPU cores. Linear probes on the last module (${c.probeNote}). ` +
      `Comparison wall time, probes included: ${(c.seconds / 60).toFixed(1)} min.`,
    '',
    summary.trimEnd(),
    '',
    perModule.trimEnd(),
    '',
  ].join('\n');
}

/** asyncReport(comparisons): results/async.md — a title, one section per experiment, and what the columns mean. */
export function asyncReport(comparisons: readonly AsyncComparison[]): string {
  return [
    '# Async module-parallel vs simultaneous training',
    '',
    'Per experiment: simultaneous training for N steps; async training (one worker thread per module, bounded ' +
      'queues between them) for the same N steps per module; async training for the simultaneous run’s wall time.',
    '',
    ...comparisons.map(asyncSection),
    'Staleness: predecessor updates made between sending an activation and the consumer training on it (0 in ' +
      'simultaneous mode). Input queue: batches waiting in a module’s input queue when it took one (capacity: the ' +
      'queue size). Async wall time runs from when every worker was ready (built, restored) until all had exited; ' +
      'simultaneous wall time is the training loop’s. Async samples/s of a module: its own updates × batch size over ' +
      'its own run time; simultaneous: steps × batch size over the loop’s time (every module alike).',
    '',
  ].join('\n');
}
