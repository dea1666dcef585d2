/**
 * The scaling model of results/distributed.md (issue 13): measures, on this machine, each module's training time per
 * batch and the sizes of its output and parameters for the paper-width audio and vision models, then predicts
 * throughput on 1–16 machines at 10 and 100 Gb/s for data-parallel, pipeline and both (bench/lib/scaling-model.ts).
 *   npx tsx bench/distributed-scaling.ts [--out results/distributed-scaling.md]
 */
import fs from 'node:fs';
import { buildAudioModules, paperAudioEncoder } from '../src/audio/model.js';
import { GradientIsolatedStack, type GimModule } from '../src/gim/index.js';
import { formatBytes, markdownTable } from '../src/report/index.js';
import { manualSeed, noGrad, randn, setNumThreads, tidy, type Tensor } from '../src/tensor/index.js';
import { buildVisionModules, paperVisionEncoder } from '../src/vision/model/index.js';
import { cpuModel } from './lib/machine.js';
import { layoutsFor, predict, type ModuleCost } from './lib/scaling-model.js';

const BATCH = 8;
const TIMED_STEPS = 2;
const MACHINES = [1, 2, 4, 8, 16];
const LINKS = [
  { name: '10 Gb/s', bytesPerSecond: 10e9 / 8 },
  { name: '100 Gb/s', bytesPerSecond: 100e9 / 8 },
];
/** Compute divided by this stands for an accelerator (a GPU runs these convolutions roughly this much faster). */
const ACCELERATOR_SPEEDUP = 100;

const out = process.argv.includes('--out')
  ? process.argv[process.argv.indexOf('--out') + 1]!
  : 'results/distributed-scaling.md';
setNumThreads(2);

const models: { name: string; modules: () => GimModule[]; input: () => Tensor }[] = [
  {
    name: 'audio (5 conv layers + GRU, 6 modules, 512 channels)',
    modules: () => buildAudioModules({ ...paperAudioEncoder, modelSplits: 6 }),
    input: () => randn([BATCH, 1, 20480]), // [B, 1, samples]
  },
  {
    name: 'vision (ResNet-50 stages 1–3, 3 modules, 64×64 crops)',
    modules: () => buildVisionModules({ ...paperVisionEncoder, modelSplits: 3 }),
    input: () => randn([BATCH, 1, 64, 64]), // [B, 1, H, W]
  },
];

const bytesOf = (t: Tensor): number => t.shape.reduce((n, d) => n * d, 1) * 4; // float32

function measure(modules: GimModule[], x: Tensor): ModuleCost[] {
  const stack = new GradientIsolatedStack(modules, { lr: 2e-4 });
  const seconds: number[][] = modules.map(() => []);
  for (let step = 0; step <= TIMED_STEPS; step++) {
    let last = performance.now();
    stack.trainStep(x, {
      mode: 'simultaneous',
      onModule: ({ module }) => {
        const now = performance.now();
        if (step > 0) seconds[module]!.push((now - last) / 1000); // step 0 warms up
        last = now;
      },
    });
  }
  const activations: number[] = [];
  noGrad(() => {
    let input = x;
    for (const module of modules) {
      const next = tidy(() => module.encode(input));
      activations.push(bytesOf(next));
      if (input !== x) input.dispose();
      input = next;
    }
    if (input !== x) input.dispose();
  });
  return modules.map((module, m) => ({
    name: `module ${m + 1}`,
    computeSeconds: [...seconds[m]!].sort((a, b) => a - b)[0]!,
    activationBytes: activations[m]!,
    parameterBytes: module.parameters().reduce((n, p) => n + bytesOf(p), 0),
  }));
}

function predictionTable(costs: ModuleCost[], speedup: number): string {
  const scaled = costs.map((c) => ({ ...c, computeSeconds: c.computeSeconds / speedup }));
  const rows: string[][] = [];
  for (const link of LINKS) {
    for (const kind of ['data-parallel', 'pipeline', 'both (best split)']) {
      const cells = MACHINES.map((machines) => {
        const layouts = layoutsFor(machines, costs.length).find((l) => l.name === kind)!.layouts;
        const best = layouts
          .map((layout) => predict(scaled, layout, BATCH, link.bytesPerSecond)!)
          .sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0];
        if (best === undefined) return '—';
        const split = kind === 'both (best split)' ? ` (${best.stages}×${best.replicas})` : '';
        return `${best.samplesPerSecond.toFixed(best.samplesPerSecond < 10 ? 2 : 0)}${split}${best.bound === 'communication' ? ' N' : ''}`;
      });
      rows.push([link.name, kind, ...cells]);
    }
  }
  return markdownTable(['link', 'layout', ...MACHINES.map((m) => `${m} machine${m > 1 ? 's' : ''}`)], rows, {
    align: ['left', 'left', ...MACHINES.map(() => 'right' as const)],
  });
}

const sections: string[] = [];
for (const model of models) {
  manualSeed(0);
  const x = model.input();
  const costs = measure(model.modules(), x);
  x.dispose();
  console.log(model.name, costs);
  const total = costs.reduce((t, c) => t + c.computeSeconds, 0);
  sections.push(
    `## ${model.name}`,
    '',
    markdownTable(
      ['module', 'train time per batch (s)', 'output per batch', 'parameters'],
      costs.map((c) => [
        c.name,
        c.computeSeconds.toFixed(3),
        formatBytes(c.activationBytes),
        formatBytes(c.parameterBytes),
      ]),
      { align: ['left', 'right', 'right', 'right'] },
    ),
    '',
    `One machine: ${(BATCH / total).toFixed(2)} samples/s (Σ ${total.toFixed(2)} s per batch of ${BATCH}).`,
    '',
    `Predicted samples/s, compute as measured on this CPU (N: bound by communication):`,
    '',
    predictionTable(costs, 1),
    '',
    `The same with compute ${ACCELERATOR_SPEEDUP}× faster, standing for an accelerator:`,
    '',
    predictionTable(costs, ACCELERATOR_SPEEDUP),
    '',
  );
}

const header = [
  '# Distributed training: a scaling model from measured numbers',
  '',
  `\`npx tsx bench/distributed-scaling.ts\` (${new Date().toISOString().slice(0, 10)}, ${cpuModel()}, 2 libtorch threads): each`,
  `paper-width module trained on batches of ${BATCH} (simultaneous mode, fastest of ${TIMED_STEPS} steps after a warm-up),`,
  'its output and parameters measured, then bench/lib/scaling-model.ts predicts throughput: data-parallel (ring',
  'allreduce of all gradients each step, not overlapped), pipeline (one stage per machine, contiguous modules balanced,',
  'sends overlapped with compute, no messages backwards) and both (stages × replicas, the best split). Message latency',
  'is ignored; a pipeline cannot use more machines than modules.',
  '',
];
fs.writeFileSync(out, `${[...header, ...sections].join('\n')}\n`);
console.log(`wrote ${out}`);
