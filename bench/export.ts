/**
 * `npm run bench:export`: the exported ONNX encoders against libtorch, on the same inputs and the same threads.
 *
 * The paper-width audio encoder (5 convs of 512, GRU 256; clips of the full preset's 20480 samples) and vision encoder
 * (ResNet stages [3, 4, 6] of planes [64, 128, 256]; 64×64 grayscale images cut into a 7×7 grid of 16×16 patches), built
 * from the full presets' model configs with random weights (speed does not depend on training), each up to its last
 * module. libtorch runs GradientIsolatedStack.features (every module's features up to the last, as `gim eval` reads
 * them); onnxruntime-node runs the file `exportOnnx` writes. Single repetitions alternate between the two (libtorch,
 * ONNX, ONNX, libtorch, …), after one warm-up each; times are medians. features/s = clips (or images) per second.
 * The largest relative difference of the outputs, max |onnx − libtorch| / max |libtorch|, is reported beside.
 *
 * Options: --scale=paper|tiny  the encoders (default paper; tiny: the tiny presets' widths, a smoke test)
 *          --reps=N            timed repetitions per engine (default 5)
 *          --threads=N         intra-op threads for both engines (default 2)
 *          --out=FILE          where the report goes (default results/export.md at paper scale; tiny: printed only)
 *          --browser=auto|off  onnxruntime-web (wasm) in headless Chromium when `chromium` is installed (default auto)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildAudioModules } from '../src/audio/model.js';
import { resolveAudioConfig } from '../src/experiments/audio/config.js';
import { encoderOf } from '../src/experiments/vision/experiment.js';
import { resolveVisionConfig } from '../src/experiments/vision/config.js';
import { encoderModel } from '../src/export/onnx.js';
import { GradientIsolatedStack, type GimModule } from '../src/gim/index.js';
import { getNumThreads, libtorchVersion, manualSeed, randn, setNumThreads, tensor, tidy } from '../src/tensor/index.js';
import { buildVisionModules } from '../src/vision/model/index.js';
import { browserBench, hasChromium } from './lib/browser-bench.js';
import { cpuModel } from './lib/machine.js';
import { markdownTable, median } from './lib/stats.js';

const DEFAULT_REPS = 5;
const DEFAULT_THREADS = 2;
const SEED = 14;
/** Inputs per batch: clips (audio) and images (vision). */
const AUDIO_BATCH = 8;
const VISION_BATCH = 8;

type Scale = 'paper' | 'tiny';

interface Encoder {
  name: string;
  experiment: 'audio' | 'vision';
  stack: GradientIsolatedStack;
  input: number[];
  config: unknown;
}

interface Row {
  name: string;
  parameters: number;
  onnxBytes: number;
  batch: number[];
  libtorchPerSecond: number;
  onnxPerSecond: number;
  /** onnxruntime-web (wasm) in headless Chromium, or null when not measured. */
  webPerSecond: number | null;
  webThreads: number | null;
  relativeError: number;
}

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function positiveOption(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}=${text}: expected a positive integer`);
  return value;
}

/** The audio and vision encoders of the scale, with random weights (seeded), on the CPU. */
function encoders(scale: Scale): Encoder[] {
  const preset = scale === 'paper' ? 'full' : 'tiny';
  const audio = resolveAudioConfig(preset);
  const vision = resolveVisionConfig(preset);
  manualSeed(SEED);
  const audioStack = new GradientIsolatedStack(buildAudioModules(audio.model));
  const visionStack = new GradientIsolatedStack(buildVisionModules(encoderOf(vision)) as GimModule[]);
  const { crop } = vision.data;
  return [
    {
      name: `audio (${audio.model.channels}-channel convs, GRU ${audio.model.hidden})`,
      experiment: 'audio',
      stack: audioStack,
      input: [AUDIO_BATCH, 1, audio.data.windowSamples],
      config: audio,
    },
    {
      name: `vision (planes ${vision.model.planes.join('/')}, blocks ${vision.model.blocks.join('/')})`,
      experiment: 'vision',
      stack: visionStack,
      input: [VISION_BATCH, vision.model.inChannels, crop, crop],
      config: vision,
    },
  ];
}

/** max |a − b| / max |b|. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

async function measure(encoder: Encoder, reps: number, threads: number, dir: string, browser: boolean): Promise<Row> {
  const { stack, input } = encoder;
  const file = path.join(dir, `${encoder.experiment}.onnx`);
  const bytes = encoderModel({
    experiment: encoder.experiment,
    stack,
    metadata: { 'gim.config': JSON.stringify(encoder.config) },
  });
  fs.writeFileSync(file, bytes);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  manualSeed(SEED);
  const x = tidy(() => randn(input).data() as Float32Array);
  const feed = { [session.inputNames[0]!]: new ort.Tensor('float32', x, input) };
  const last = stack.length - 1;
  const xTensor = tensor(x, input);
  const libtorch = (): Float32Array => tidy(() => stack.features(xTensor, last)[last]!.data() as Float32Array);
  const onnx = async (): Promise<Float32Array> =>
    (await session.run(feed))[session.outputNames[0]!]!.data as Float32Array;
  const error = relativeError(await onnx(), libtorch()); // also the warm-up
  const times = { libtorch: [] as number[], onnx: [] as number[] };
  const timeLibtorch = (): void => {
    const t0 = performance.now();
    libtorch();
    times.libtorch.push((performance.now() - t0) / 1000);
  };
  const timeOnnx = async (): Promise<void> => {
    const t0 = performance.now();
    await onnx();
    times.onnx.push((performance.now() - t0) / 1000);
  };
  for (let r = 0; r < reps; r++) {
    if (r % 2 === 0) {
      timeLibtorch();
      await timeOnnx();
    } else {
      await timeOnnx();
      timeLibtorch();
    }
    process.stderr.write(`${encoder.experiment}: repetition ${r + 1}/${reps}\n`);
  }
  await session.release();
  xTensor.dispose();
  const items = input[0]!;
  let web: { perSecond: number; threads: number } | null = null;
  if (browser) {
    process.stderr.write(`${encoder.experiment}: onnxruntime-web in headless chromium\n`);
    const result = await browserBench({ model: bytes, shape: input, reps, threads });
    web = { perSecond: items / median(result.seconds), threads: result.threads };
  }
  return {
    name: encoder.name,
    parameters: stack.modules.reduce((n, m) => n + encoderParameters(m), 0),
    onnxBytes: bytes.length,
    batch: input,
    libtorchPerSecond: items / median(times.libtorch),
    onnxPerSecond: items / median(times.onnx),
    webPerSecond: web?.perSecond ?? null,
    webThreads: web?.threads ?? null,
    relativeError: error,
  };
}

/** Parameters of a module's encoder: everything but its InfoNCE head, classifier and context network. */
function encoderParameters(module: GimModule): number {
  let n = 0;
  for (const [name, p] of module.namedParameters()) {
    if (/^(loss|classifier|autoregressor)\./.test(name)) continue;
    n += p.size;
  }
  return n;
}

function report(rows: Row[], scale: Scale, reps: number, threads: number): string {
  const table = markdownTable(
    [
      'encoder',
      'input',
      'encoder parameters',
      'ONNX file MiB',
      'libtorch features/s',
      'onnxruntime-node features/s',
      'onnx / libtorch',
      'onnxruntime-web (wasm) features/s',
      'web / libtorch',
      'max rel. diff',
    ],
    rows.map((r) => [
      r.name,
      `[${r.batch.join(', ')}]`,
      r.parameters.toLocaleString('en-US'),
      (r.onnxBytes / 2 ** 20).toFixed(1),
      r.libtorchPerSecond.toFixed(1),
      r.onnxPerSecond.toFixed(1),
      (r.onnxPerSecond / r.libtorchPerSecond).toFixed(2),
      r.webPerSecond === null
        ? 'not measured'
        : `${r.webPerSecond.toFixed(1)} (${r.webThreads} thread${r.webThreads === 1 ? '' : 's'})`,
      r.webPerSecond === null ? '–' : (r.webPerSecond / r.libtorchPerSecond).toFixed(2),
      r.relativeError.toExponential(1),
    ]),
    [false, false, true, true, true, true, true, true, true, true],
  );
  return [
    '# Exported encoders: ONNX (onnxruntime-node) vs libtorch',
    '',
    `Reproduce: \`npm run bench:export\`${scale === 'tiny' ? ' -- --scale=tiny' : ''} (writes this file; see bench/export.ts for the method). ` +
      `${scale === 'paper' ? 'Paper-width' : 'Tiny'} encoders with random weights, up to their last module; ${threads} intra-op threads for both engines; ` +
      `medians of ${reps} alternating repetitions after a warm-up. features/s = clips or images per second.`,
    '',
    `Machine: ${cpuModel()}, ${os.cpus().length} logical CPUs; libtorch ${libtorchVersion()}; onnxruntime-node ${ortVersion()}.`,
    '',
    table,
    '',
    'onnxruntime-web runs in headless Chromium (Debian’s `chromium`) on demo/bench.html, cross-origin isolated so that ' +
      'its wasm backend may use the same number of threads; it is timed after the other two, not alternated with them.',
    '',
    DEMO_NOTE,
    '',
  ].join('\n');
}

/** Where the demo page's screenshot comes from (bench/demo-screenshot.ts writes it and export-demo.md). */
const DEMO_NOTE =
  'The demo page, `results/export-demo.png`, shows a trained encoder, the shipped ' +
  '`pretrained/fashion-mnist-gim-small.gim.tgz` (GIM, 800 steps on Fashion-MNIST; its card in pretrained/README.md), ' +
  'served by `gim serve-demo --from` it with a test image outside the gallery dropped on the page; ' +
  '`results/export-demo.md` names the query and its neighbours (`npx tsx bench/demo-screenshot.ts --from <pack>`).';

function ortVersion(): string {
  return (ort.env as { versions?: { node?: string; common?: string } }).versions?.common ?? 'unknown';
}

async function main(): Promise<void> {
  const scaleText = option('scale') ?? 'paper';
  if (scaleText !== 'paper' && scaleText !== 'tiny') throw new Error(`--scale=${scaleText}: expected paper or tiny`);
  const scale: Scale = scaleText;
  const reps = positiveOption('reps', DEFAULT_REPS);
  const threads = positiveOption('threads', DEFAULT_THREADS);
  const browserOption = option('browser') ?? 'auto';
  if (!['auto', 'off'].includes(browserOption)) throw new Error(`--browser=${browserOption}: expected auto or off`);
  const browser = browserOption === 'auto' && hasChromium();
  if (!browser) process.stderr.write('onnxruntime-web: not measured (no chromium on the PATH, or --browser=off)\n');
  const out = option('out') ?? (scale === 'paper' ? 'results/export.md' : undefined);
  setNumThreads(threads);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gim-bench-export-'));
  const rows: Row[] = [];
  try {
    for (const encoder of encoders(scale)) {
      rows.push(await measure(encoder, reps, threads, dir, browser));
      encoder.stack.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const text = report(rows, scale, reps, getNumThreads());
  console.log(text);
  if (out !== undefined) {
    fs.writeFileSync(out, text);
    console.log(`wrote ${out}`);
  }
}

await main();
