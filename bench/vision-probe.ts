/**
 * Probe a trained vision run with the vision-small preset's probe protocol (all labelled images, standardised
 * features, trained until the loss plateaus, the grid average and 2×2 cells), whatever protocol the run was trained
 * under: `npx tsx bench/vision-probe.ts <run> [<run> …]`. Prints one JSON line per run (and per module).
 * `--pixels` probes the standardised pixels of the centre crops instead (the floor of Table 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveVisionConfig, savedVisionConfig } from '../src/experiments/vision/config.js';
import { evalImages, openVisionData } from '../src/experiments/vision/data.js';
import { loadVisionStack } from '../src/experiments/vision/experiment.js';
import { scoreLayers, scoreLinearProbe } from '../src/experiments/vision/linear-eval.js';
import { reshape, setNumThreads, type Tensor } from '../src/tensor/index.js';

const runs = process.argv.slice(2);
if (runs.length === 0) {
  console.error('usage: npx tsx bench/vision-probe.ts <run> [<run> …] | --pixels');
  process.exit(2);
}
const protocol = resolveVisionConfig('small').probe;
if (runs[0] === '--pixels') {
  const config = resolveVisionConfig('small');
  setNumThreads(config.threads);
  const started = performance.now();
  const data = openVisionData(config);
  const train = evalImages(config, data.train, protocol.maxTrain);
  const test = evalImages(config, data.test, protocol.maxTest);
  const flat = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, -1]);
  const score = scoreLinearProbe(
    { features: flat(train.x), labels: train.y },
    { features: flat(test.x), labels: test.y },
    data.classes,
    protocol,
    config.seed,
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({ pixels: true, images: { train: train.y.shape[0], test: test.y.shape[0] }, seconds, score }),
  );
  process.exit(0);
}
for (const run of runs) {
  const stored = savedVisionConfig(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')));
  const config = { ...stored, probe: protocol };
  setNumThreads(config.threads);
  const started = performance.now();
  const data = openVisionData(config);
  const train = evalImages(config, data.train, protocol.maxTrain);
  const test = evalImages(config, data.test, protocol.maxTest);
  const { stack, step } = loadVisionStack(run, config, data.classes);
  const layers = Array.from({ length: stack.length }, (_, i) => i);
  const scores = scoreLayers(stack, layers, train, test, data.classes, protocol, config.seed);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({ run, step, images: { train: train.y.shape[0], test: test.y.shape[0] }, seconds, scores }),
  );
  stack.dispose();
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  data.close();
}
