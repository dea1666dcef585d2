/**
 * `gim demo`: Greedy InfoMax working, in about 1½ minutes on two CPU cores. It trains the small vision model (three
 * gradient-isolated modules, each with its own InfoNCE loss) on Fashion-MNIST for a short while, then linear-probes
 * every module's frozen features against the same architecture at its random initialisation, on the same images.
 * What it shows: each module's loss falling from its chance level ln(1 + negatives), and probes that beat random init.
 */
import path from 'node:path';
import { formatPercent, markdownTable, readMetrics } from '../../report/index.js';
import { mergePatches, type DeepPartial } from '../overrides.js';
import { buildVisionStack, loadVisionStack, trainVision, visionModuleNames } from './experiment.js';
import { probeLayers, type LabelledImages } from './linear-eval.js';
import { resolveVisionConfig, type VisionConfig } from './config.js';
import { evalImages, openVisionData } from './data.js';

/** The demo's settings on top of the vision-small preset: short training, a probe on a few thousand images. */
export const demoPatch: DeepPartial<VisionConfig> = {
  name: 'demo',
  train: { steps: 150, logEvery: 10, checkpointEvery: 150 },
  probe: { epochs: 30, maxTrain: 5000, maxTest: 2000 },
};

export interface DemoArgs {
  /** Run folder (must not exist or be empty; the trained run stays there). */
  run: string;
  /** Further config patches (--set), applied after the demo's own. */
  patch?: DeepPartial<VisionConfig>;
  log?: (line: string) => void;
}

export interface ModuleDemoResult {
  module: string;
  /** InfoNCE loss at the first and at the last logged step. */
  firstLoss: number;
  lastLoss: number;
  /** Chance level of the InfoNCE loss: ln(1 + negativeSamples). */
  chanceLoss: number;
  /** Linear-probe test accuracy (fraction) of the trained and of the randomly initialised module. */
  trained: number;
  random: number;
}

export interface DemoResult {
  outcome: string;
  modules: ModuleDemoResult[];
  classes: number;
  seconds: number;
  table: string;
}

/** runDemo(args): train, probe trained vs random init, and return (and log) the comparison. */
export async function runDemo(args: DemoArgs): Promise<DemoResult> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  const config = resolveVisionConfig('small', mergePatches(demoPatch, args.patch ?? {}));
  const data = openVisionData(config);
  try {
    const names = visionModuleNames(config);
    const layers = names.map((_, i) => i);
    log(
      `demo: Greedy InfoMax, ${names.length} modules, ${config.train.steps} steps on ${config.data.dataset} → ${args.run}`,
    );
    const result = await trainVision(config, data, { run: args.run, resume: false });
    result.stack.dispose();
    if (result.outcome !== 'finished') throw new Error(`demo: training ended early (${result.outcome})`);

    const train: LabelledImages = evalImages(config, data.train, config.probe.maxTrain);
    const test: LabelledImages = evalImages(config, data.test, config.probe.maxTest);
    log(`demo: linear probes on ${train.x.shape[0]} train / ${test.x.shape[0]} test images, trained vs random init`);
    const probe = (stack: ReturnType<typeof buildVisionStack>): number[] => {
      const accuracies = probeLayers(stack, layers, train, test, data.classes, config.probe, config.seed);
      stack.dispose();
      return accuracies;
    };
    const randomAccuracies = probe(buildVisionStack(config, data.classes));
    const trainedAccuracies = probe(loadVisionStack(args.run, config, data.classes).stack);
    for (const t of [train.x, train.y, test.x, test.y]) t.dispose();

    const metrics = readMetrics(path.join(args.run, 'metrics.jsonl'));
    const chanceLoss = Math.log(1 + config.model.negativeSamples);
    const modules = names.map((module, index): ModuleDemoResult => {
      const losses = metrics
        .filter((r) => r.module === index && typeof r.loss === 'number')
        .map((r) => r.loss as number);
      return {
        module,
        firstLoss: losses[0] ?? Number.NaN,
        lastLoss: losses.at(-1) ?? Number.NaN,
        chanceLoss,
        trained: trainedAccuracies[index]!,
        random: randomAccuracies[index]!,
      };
    });
    const table = markdownTable(
      ['module', 'InfoNCE loss: chance → first → last', 'probe: random init', 'probe: GIM'],
      modules.map((m) => [
        m.module,
        `${m.chanceLoss.toFixed(3)} → ${m.firstLoss.toFixed(3)} → ${m.lastLoss.toFixed(3)}`,
        formatPercent(m.random),
        formatPercent(m.trained),
      ]),
    );
    const seconds = (performance.now() - started) / 1000;
    log(`\n${table}\nchance accuracy: ${formatPercent(1 / data.classes)}; ${seconds.toFixed(0)} s in all`);
    return { outcome: result.outcome, modules, classes: data.classes, seconds, table };
  } finally {
    data.close();
  }
}
