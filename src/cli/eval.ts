/** `gim eval`: linear probes on a trained run's frozen features (audio: speaker | phone; vision: class). */
import fs from 'node:fs';
import path from 'node:path';
import {
  extractFeatures,
  loadAudioStack,
  openAudioData,
  probeTask,
  probeWindows,
  type ProbeTask,
} from '../experiments/audio.js';
import { savedAudioConfig } from '../experiments/audio-config.js';
import { loadVisionStack, probeLayers } from '../experiments/vision.js';
import { savedVisionConfig } from '../experiments/vision-config.js';
import { evalImages, openVisionData } from '../experiments/vision-data.js';
import { runDir } from '../experiments/run-dir.js';
import { disposeCheckpoint, newestIntactCheckpoint } from '../gim/run-folder.js';
import { formatPercent } from '../report/index.js';
import { writeJsonAtomic } from '../util/fs.js';

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

export async function evalCommand(a: EvalCommandArgs): Promise<number> {
  // The config the weights were trained with is the one stored in the checkpoint (config.json is its copy).
  const point = newestIntactCheckpoint(runDir(a.run).checkpoints);
  if (point !== null) disposeCheckpoint(point.checkpoint);
  const configFile = path.join(a.run, 'config.json');
  if (point === null && !fs.existsSync(configFile))
    throw new Error(`${a.run}: no config.json (is this a run directory?)`);
  const raw = (point?.checkpoint.config ?? JSON.parse(fs.readFileSync(configFile, 'utf8'))) as { experiment?: unknown };
  const results = raw.experiment === 'vision' ? evalVision(a, raw) : await evalAudio(a, raw);
  writeJsonAtomic(path.join(a.run, `eval-${a.probe}.json`), { probe: a.probe, accuracy: results });
  return 0;
}

function evalVision(a: EvalCommandArgs, raw: unknown): Record<string, number> {
  if (a.probe !== 'class') throw new Error(`--probe ${a.probe}: a vision run is probed with --probe class`);
  const config = savedVisionConfig(raw);
  const data = openVisionData(config);
  const stack = loadVisionStack(a.run, config, data.classes);
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
  return results;
}

async function evalAudio(a: EvalCommandArgs, raw: unknown): Promise<Record<string, number>> {
  if (a.probe === 'class') throw new Error('--probe class: an audio run is probed with --probe speaker or phone');
  const probe = a.probe;
  const config = savedAudioConfig(raw);
  const data = await openAudioData(config);
  const stack = loadAudioStack(a.run, config, data);
  const layers = layersOf(a.layer, stack.length);
  const timeMean = probe === 'speaker';
  const trainW = await probeWindows(
    data.train,
    config.probe.trainWindowsPerUtterance,
    config.seed,
    config.data.windowSamples,
  );
  const testW = await probeWindows(data.test, 1, config.seed + 1, config.data.windowSamples);
  const [tr, te] = [
    extractFeatures(stack, trainW.x, layers, timeMean),
    extractFeatures(stack, testW.x, layers, timeMean),
  ];
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
  return results;
}
