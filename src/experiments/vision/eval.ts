/** `gim eval --probe class` on a vision run: linear probes on the chosen modules' frozen features (probeLayers). */
import { evalModuleKey, modulesToProbe, type RunEvaluation } from '../eval-results.js';
import { loadVisionStack } from './experiment.js';
import { probeLayers } from './linear-eval.js';
import type { VisionConfig } from './config.js';
import { evalImages, openVisionData } from './data.js';

export interface EvaluateVisionRunArgs {
  /** The run folder; its stack is restored from the newest checkpoint that loads. */
  run: string;
  /** The config the run's weights were trained with (readRunConfig). */
  config: VisionConfig;
  /** The modules probed: a 1-based module, 'last' or 'all'. */
  layer: string;
  /** Called with each module's test accuracy (module 0-based), in module order, once all are probed. */
  onModule?: (module: number, accuracy: number) => void;
}

/**
 * evaluateVisionRun(args): linear class probes on the chosen modules of a vision run, trained on the first
 * probe.maxTrain labelled train images and tested on the first probe.maxTest test images (centre crops).
 */
export function evaluateVisionRun(args: EvaluateVisionRunArgs): RunEvaluation {
  const { config } = args;
  const data = openVisionData(config);
  const { stack, step } = loadVisionStack(args.run, config, data.classes);
  const modules = modulesToProbe(args.layer, stack.length);
  const train = evalImages(config, data.train, config.probe.maxTrain);
  const test = evalImages(config, data.test, config.probe.maxTest);
  const accuracies = probeLayers(stack, modules, train, test, data.classes, config.probe, config.seed);
  const accuracy: Record<string, number> = {};
  modules.forEach((module, i) => {
    accuracy[evalModuleKey(module)] = accuracies[i]!;
    args.onModule?.(module, accuracies[i]!);
  });
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  stack.dispose();
  data.close();
  return { accuracy, step };
}
