/**
 * The vision-small preset's probe protocol (all labelled images, standardised features, trained until the loss
 * plateaus, the grid average and 2×2 cells) applied to a trained run, whatever protocol the run was trained under, or
 * to the raw pixels of the centre crops (the floor of Table 1). Shared by bench/vision-probe.ts and
 * bench/vision-probe-vs-steps.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveVisionConfig, savedVisionConfig } from '../../src/experiments/vision/config.js';
import { evalImages, openVisionData } from '../../src/experiments/vision/data.js';
import { loadVisionStack } from '../../src/experiments/vision/experiment.js';
import { scoreLayers, scoreLinearProbe, type ProbeScore } from '../../src/experiments/vision/linear-eval.js';
import { reshape, setNumThreads, type Tensor } from '../../src/tensor/index.js';
import { patchGridSize } from '../../src/vision/model/index.js';

/** One run's probes: per module, the grid-average probe and (with probe.spatial) the 2×2-cell probe. */
export interface RunProbe {
  run: string;
  step: number;
  images: { train: number; test: number };
  seconds: number;
  scores: { global: ProbeScore; spatial: ProbeScore | null }[];
}

/**
 * probeVisionRun(run): the newest checkpoint of `run`, every module probed under the small preset's protocol (a run
 * whose one patch is the whole image has a 1×1 grid: its grid average is its only probe).
 */
export function probeVisionRun(run: string): RunProbe {
  const stored = savedVisionConfig(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')));
  const { crop } = stored.data;
  const { patch, patchStride } = stored.model;
  const oneCell = patchGridSize(crop, patch, patchStride) === 1; // a whole-image encoder: cells would copy its vector
  const protocol = { ...resolveVisionConfig('small').probe, ...(oneCell ? { spatial: 0 } : {}) };
  const config = { ...stored, probe: protocol };
  setNumThreads(config.threads);
  const started = performance.now();
  const data = openVisionData(config);
  const train = evalImages(config, data.train, protocol.maxTrain);
  const test = evalImages(config, data.test, protocol.maxTest);
  const { stack, step } = loadVisionStack(run, config, data.classes);
  try {
    const layers = Array.from({ length: stack.length }, (_, i) => i);
    const scores = scoreLayers(stack, layers, train, test, data.classes, protocol, config.seed);
    const seconds = (performance.now() - started) / 1000;
    return { run, step, images: { train: train.y.shape[0]!, test: test.y.shape[0]! }, seconds, scores };
  } finally {
    stack.dispose();
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    data.close();
  }
}

/** probePixels(): softmax regression on the standardised pixels of the centre crops, same protocol. */
export function probePixels(): { images: { train: number; test: number }; seconds: number; score: ProbeScore } {
  const config = resolveVisionConfig('small');
  setNumThreads(config.threads);
  const started = performance.now();
  const data = openVisionData(config);
  const train = evalImages(config, data.train, config.probe.maxTrain);
  const test = evalImages(config, data.test, config.probe.maxTest);
  try {
    const flat = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, -1]); // [N, C·H·W]
    const score = scoreLinearProbe(
      { features: flat(train.x), labels: train.y },
      { features: flat(test.x), labels: test.y },
      data.classes,
      config.probe,
      config.seed,
    );
    const seconds = (performance.now() - started) / 1000;
    return { images: { train: train.y.shape[0]!, test: test.y.shape[0]! }, seconds, score };
  } finally {
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
    data.close();
  }
}
