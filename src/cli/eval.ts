/** `gim eval`: linear probes on a trained run's frozen features (audio: speaker | phone; vision: class). */
import fs from 'node:fs';
import path from 'node:path';
import { HOP } from '../audio/data/index.js';
import {
  extractFeatures,
  loadAudioStack,
  openAudioData,
  probeTask,
  probeWindows,
  type ProbeTask,
} from '../experiments/audio/experiment.js';
import type { AudioConfig } from '../experiments/audio/config.js';
import { loadVisionStack, probeLayers } from '../experiments/vision/experiment.js';
import type { VisionConfig } from '../experiments/vision/config.js';
import { evalImages, openVisionData } from '../experiments/vision/data.js';
import { formatPercent } from '../report/index.js';
import { writeJsonAtomic } from '../util/fs.js';
import { readRunConfig } from './eval-config.js';

export type EvalProbe = ProbeTask | 'class';

export interface EvalCommandArgs {
  run: string;
  probe: EvalProbe;
  /** 1-based module, 'last' or 'all'. */
  layer: string;
}

/** The 0-based modules that --layer names. */
function layersOf(layer: string, modules: number): number[] {
  const layers =
    layer === 'all'
      ? Array.from({ length: modules }, (_, i) => i)
      : layer === 'last'
        ? [modules - 1]
        : [Number(layer) - 1];
  if (layers.some((l) => !Number.isInteger(l) || l < 0 || l >= modules)) {
    throw new Error(`--layer ${layer}: expected 1..${modules}, last or all`);
  }
  return layers;
}

/** What eval-<probe>.json holds: test accuracy and the checkpoint step of every module probed so far. */
export interface EvalResults {
  probe: EvalProbe;
  accuracy: Record<string, number>;
  step: Record<string, number>;
}

export async function evalCommand(a: EvalCommandArgs): Promise<number> {
  const run = readRunConfig(a.run);
  const { results, step } = run.experiment === 'vision' ? evalVision(a, run.config) : await evalAudio(a, run.config);
  mergeEvalResults(path.join(a.run, `eval-${a.probe}.json`), a.probe, results, step);
  return 0;
}

/** The results already in `file` (none when it is absent); a file that is not such results is an error naming it. */
function readEvalResults(file: string, probe: EvalProbe): EvalResults {
  if (!fs.existsSync(file)) return { probe, accuracy: {}, step: {} };
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); move it away to evaluate again`, {
      cause: err,
    });
  }
  const v = value as Partial<EvalResults> | null;
  const isNumbers = (r: unknown): r is Record<string, number> =>
    typeof r === 'object' && r !== null && !Array.isArray(r) && Object.values(r).every((n) => typeof n === 'number');
  if (v === null || typeof v !== 'object' || v.probe !== probe || !isNumbers(v.accuracy)) {
    throw new Error(`${file}: not the results of a ${probe} probe; move it away to evaluate again`);
  }
  return { probe, accuracy: v.accuracy, step: isNumbers(v.step) ? v.step : {} };
}

/** Write `results` into `file`, keeping the modules evaluated before (modules in order). */
export function mergeEvalResults(file: string, probe: EvalProbe, results: Record<string, number>, step: number): void {
  const old = readEvalResults(file, probe);
  const accuracy: Record<string, number> = { ...old.accuracy, ...results };
  const steps: Record<string, number> = {
    ...old.step,
    ...Object.fromEntries(Object.keys(results).map((k) => [k, step])),
  };
  const order = (r: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(r).sort(([x], [y]) => x.localeCompare(y, 'en', { numeric: true })));
  writeJsonAtomic(file, { probe, accuracy: order(accuracy), step: order(steps) });
}

/** Test accuracy of each probed module, and the checkpoint step the modules were restored from. */
interface ProbedRun {
  results: Record<string, number>;
  step: number;
}

function evalVision(a: EvalCommandArgs, config: VisionConfig): ProbedRun {
  if (a.probe !== 'class') throw new Error(`--probe ${a.probe}: a vision run is probed with --probe class`);
  const data = openVisionData(config);
  const { stack, step } = loadVisionStack(a.run, config, data.classes);
  const layers = layersOf(a.layer, stack.length);
  const train = evalImages(config, data.train, config.probe.maxTrain);
  const test = evalImages(config, data.test, config.probe.maxTest);
  const accs = probeLayers(stack, layers, train, test, data.classes, config.probe, config.seed);
  const results: Record<string, number> = {};
  layers.forEach((l, i) => {
    results[`module${l + 1}`] = accs[i]!;
    console.log(`class probe, module ${l + 1}: ${formatPercent(accs[i]!)} test accuracy`);
  });
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  stack.dispose();
  data.close();
  return { results, step };
}

async function evalAudio(a: EvalCommandArgs, config: AudioConfig): Promise<ProbedRun> {
  if (a.probe === 'class') throw new Error('--probe class: an audio run is probed with --probe speaker or phone');
  const probe = a.probe;
  const data = await openAudioData(config);
  const { stack, step } = loadAudioStack(a.run, config, data);
  const layers = layersOf(a.layer, stack.length);
  // Speaker: the time average; phone: every layer at the label rate (early layers pooled to 10 ms frames).
  const reduce =
    probe === 'speaker' ? { timeMean: true } : { labelFrames: Math.floor(config.data.windowSamples / HOP) };
  const trainW = await probeWindows(
    data.train,
    config.probe.trainWindowsPerUtterance,
    config.seed,
    config.data.windowSamples,
  );
  const testW = await probeWindows(data.test, 1, config.seed + 1, config.data.windowSamples);
  const [tr, te] = [extractFeatures(stack, trainW.x, layers, reduce), extractFeatures(stack, testW.x, layers, reduce)];
  const results: Record<string, number> = {};
  for (const l of layers) {
    const acc = probeTask(
      probe,
      { features: tr.get(l)!, windows: trainW },
      { features: te.get(l)!, windows: testW },
      config,
      data.train.speakers.length,
    );
    results[`module${l + 1}`] = acc;
    console.log(`${probe} probe, module ${l + 1}: ${formatPercent(acc)} test accuracy`);
  }
  stack.dispose();
  return { results, step };
}
