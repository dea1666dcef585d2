/** `gim eval`: linear probes on a trained run's frozen features. */
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
import { parseAudioConfig } from '../experiments/audio-config.js';
import { writeJsonAtomic } from '../experiments/run-dir.js';
import { formatPercent } from '../report/index.js';

export interface EvalCommandArgs {
  run: string;
  probe: ProbeTask;
  /** 1-based module, 'last' or 'all'. */
  layer: string;
}

export async function evalCommand(a: EvalCommandArgs): Promise<number> {
  const configFile = path.join(a.run, 'config.json');
  if (!fs.existsSync(configFile)) throw new Error(`${a.run}: no config.json (is this a run directory?)`);
  const config = parseAudioConfig(JSON.parse(fs.readFileSync(configFile, 'utf8')));
  const data = await openAudioData(config);
  const stack = loadAudioStack(a.run, config, data);
  const layers =
    a.layer === 'all'
      ? stack.modules.map((_, i) => i)
      : a.layer === 'last'
        ? [stack.length - 1]
        : [Number(a.layer) - 1];
  if (layers.some((l) => !Number.isInteger(l) || l < 0 || l >= stack.length)) {
    throw new Error(`--layer ${a.layer}: expected 1..${stack.length}, last or all`);
  }
  const timeMean = a.probe === 'speaker';
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
      a.probe,
      { features: tr.get(l)!, windows: trainW },
      { features: te.get(l)!, windows: testW },
      config,
      data.train.speakers.length,
    );
    results[`module${l + 1}`] = acc;
    console.log(`${a.probe} probe, module ${l + 1}: ${formatPercent(acc)} test accuracy`);
  }
  writeJsonAtomic(path.join(a.run, `eval-${a.probe}.json`), { probe: a.probe, accuracy: results });
  stack.dispose();
  return 0;
}
