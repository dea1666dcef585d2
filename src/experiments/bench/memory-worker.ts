/**
 * One memory measurement, meant to run alone in a fresh process (`gim bench memory` forks one per configuration):
 * build the model and its input, read the idle resident set (VmRSS) as the baseline, reset the kernel's peak
 * (VmHWM, by writing 5 to /proc/self/clear_refs), run the training steps, and read the peak back. peak − baseline is
 * what the steps added: gradients, Adam state and every activation autograd holds.
 *
 * Run as a script: `node --import tsx memory-worker.ts '<MemorySpec JSON>'`; the result goes to the parent over IPC
 * (or to stdout as one JSON line when there is no IPC channel).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildAudioModules,
  paperAudioEncoder,
  TINY_AUDIO_ENCODER,
  type AudioEncoderConfig,
} from '../../audio/model.js';
import { GradientIsolatedStack, type GimModule } from '../../gim/index.js';
import { Conv2d } from '../../nn/index.js';
import { GimModule as BaseModule, InfoNCEHead, type ModuleStep } from '../../gim/index.js';
import {
  adaptiveAvgPool2d,
  cudaAvailable,
  manualSeed,
  randint,
  randn,
  relu,
  setNumThreads,
  type Tensor,
} from '../../tensor/index.js';
import {
  buildSupervisedVisionModules,
  buildVisionModules,
  paperVisionEncoder,
  TINY_VISION_ENCODER,
  type VisionEncoderConfig,
} from '../../vision/model/index.js';

/**
 * What is trained: end to end (supervised, cpc), every module at once (gim-all), or module `module` alone with the
 * earlier modules run under noGrad each step (gim-module) or with its input read from a cache (gim-module-cached).
 */
export type MemoryVariant = 'supervised' | 'cpc' | 'gim-all' | 'gim-module' | 'gim-module-cached';

/** One configuration of the memory benchmark. */
export type MemorySpec = {
  steps: number;
  threads: number;
  seed?: number;
} & (
  | {
      family: 'vision';
      variant: MemoryVariant;
      module?: number;
      batch: number;
      imageSize: number;
      encoder?: Partial<VisionEncoderConfig>;
    }
  | {
      family: 'audio';
      variant: MemoryVariant;
      module?: number;
      batch: number;
      samples: number;
      encoder?: Partial<AudioEncoderConfig>;
    }
  | { family: 'depth'; variant: DepthVariant; layers: number; channels: number; size: number; batch: number }
);

/** Depth sweep: one module of all layers (e2e), one module per layer all trained (gim-all), the last one only. */
export type DepthVariant = 'e2e' | 'gim-all' | 'gim-last-recompute' | 'gim-last-cached';

/** What one configuration measured. */
export interface MemoryResult {
  /** Resident set after building model and input, before any step (MiB). */
  baselineMB: number;
  /** Peak resident set during the steps (MiB). */
  peakMB: number;
  /** peak − baseline (MiB). */
  deltaMB: number;
  /** Wall-clock seconds of each step. */
  stepSeconds: number[];
  /** Parameters of the modules that train. */
  parameters: number;
  /** How the peak was read: VmHWM reset by clear_refs, or VmHWM since the process started (reset unavailable). */
  method: 'clear_refs' | 'VmHWM since start';
  /** A note on GPU memory: this engine runs the models on the CPU. */
  cuda?: string;
}

const MiB = 1024; // /proc/self/status reports kB

function status(): { rssMB: number; hwmMB: number } {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / MiB, hwmMB: kb('VmHWM') / MiB };
}

/** resetPeak(): VmHWM := VmRSS (Linux ≥ 4.0, clear_refs value 5); false when the kernel refuses. */
export function resetPeak(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    return false;
  }
  const s = status();
  return s.hwmMB <= s.rssMB + 1;
}

/**
 * warmUp(spec): one step of a tiny model of the same kind, so that libtorch's one-time costs (thread pools, kernel
 * libraries, allocator arenas) land before the baseline instead of in the measured peak.
 */
function warmUp(spec: MemorySpec): void {
  const tiny: MemorySpec =
    spec.family === 'depth'
      ? { ...spec, layers: 1, channels: 4, size: 8, batch: 1 }
      : spec.family === 'vision'
        ? { ...spec, encoder: TINY_VISION_ENCODER, imageSize: 32, batch: 2 }
        : { ...spec, encoder: TINY_AUDIO_ENCODER, samples: 5120, batch: 2 };
  const built = buildModel(tiny);
  built.step();
  built.stack.dispose();
  built.input.dispose();
  built.targets?.dispose();
}

/** Equal-width conv layers (3×3, ReLU) and one grid InfoNCE head on the last layer's map pooled to 8×8 (c = z). */
class DepthModule extends BaseModule {
  readonly convs: Conv2d[];
  readonly head: InfoNCEHead;
  constructor(layers: number, channels: number) {
    super();
    this.convs = Array.from({ length: layers }, (_, i) =>
      this.registerModule(`conv${i}`, new Conv2d(channels, channels, 3, { padding: 1 })),
    );
    this.head = this.registerModule(
      'loss',
      new InfoNCEHead({
        encodingSize: channels,
        contextSize: channels,
        predictionSteps: 3,
        negativeSamples: 16,
        form: 'grid',
      }),
    );
  }
  encode(x: Tensor): Tensor {
    return this.convs.reduce((h, c) => relu(c.forward(h)), x); // [B, C, H, W]
  }
  step(x: Tensor): ModuleStep {
    const z = this.encode(x); // [B, C, H, W]
    const g = adaptiveAvgPool2d(z, [8, 8]); // the loss reads an 8×8 grid, as vision modules pool each patch
    const r = this.head.loss(g, g);
    return { next: z, loss: r.loss, accuracy: r.accuracy };
  }
}

interface Built {
  stack: GradientIsolatedStack;
  input: Tensor;
  targets?: Tensor;
  /** One training step. */
  step: () => void;
}

/** The stack, input and step of a vision or audio spec (model sizes as the paper unless overridden). */
function buildModel(spec: MemorySpec): Built {
  if (spec.family === 'depth') {
    const L = spec.layers;
    const { channels: C, size, batch: B } = spec;
    const mods =
      spec.variant === 'e2e'
        ? [new DepthModule(L, C)]
        : spec.variant === 'gim-all' || spec.variant === 'gim-last-recompute'
          ? Array.from({ length: L }, () => new DepthModule(1, C))
          : [new DepthModule(1, C)];
    const stack = new GradientIsolatedStack(mods);
    const input = randn([B, C, size, size]);
    const mode = spec.variant === 'gim-last-recompute' ? 'iterative' : 'simultaneous';
    return { stack, input, step: () => void stack.trainStep(input, { mode, trainModule: L - 1 }) };
  }
  const supervised = spec.variant === 'supervised';
  const endToEnd = supervised || spec.variant === 'cpc';
  let modules: GimModule[];
  let input: Tensor;
  let targets: Tensor | undefined;
  if (spec.family === 'vision') {
    const cfg: VisionEncoderConfig = { ...paperVisionEncoder, ...spec.encoder };
    cfg.modelSplits = endToEnd ? 1 : cfg.planes.length;
    modules = supervised ? buildSupervisedVisionModules(cfg, 10) : buildVisionModules(cfg);
    input = randn([spec.batch, cfg.inChannels, spec.imageSize, spec.imageSize]);
    if (supervised) targets = randint(0, 10, [spec.batch]);
  } else {
    const cfg: AudioEncoderConfig = { ...paperAudioEncoder, ...spec.encoder };
    cfg.modelSplits = endToEnd ? 1 : cfg.kernels.length + 1;
    modules = buildAudioModules(cfg, supervised ? { kind: 'speaker', classes: 251 } : { kind: 'infonce' });
    input = randn([spec.batch, 1, spec.samples]);
    if (supervised) targets = randint(0, 251, [spec.batch]);
  }
  const m = spec.module ?? 0;
  if (spec.variant === 'gim-module-cached' && m > 0) {
    // What a cache hands module m: the frozen modules' output for this batch, computed before the baseline is read.
    const pre = new GradientIsolatedStack(modules.slice(0, m));
    let x = input;
    for (let i = 0; i < m; i++) {
      const next = pre.encodeModule(i, x);
      if (x !== input) x.dispose();
      x = next;
    }
    pre.dispose();
    input.dispose();
    const stack = new GradientIsolatedStack([modules[m]!]);
    const cached = x;
    return { stack, input: cached, step: () => void stack.trainModuleOn(0, cached) };
  }
  const stack = new GradientIsolatedStack(modules);
  const iterative = spec.variant === 'gim-module' || spec.variant === 'gim-module-cached';
  const args = {
    mode: iterative ? ('iterative' as const) : ('simultaneous' as const),
    trainModule: m,
    ...(targets === undefined ? {} : { targets }),
  };
  return { stack, input, ...(targets === undefined ? {} : { targets }), step: () => void stack.trainStep(input, args) };
}

/** Trainable parameters of the modules a spec trains. */
function trainedParameters(spec: MemorySpec, stack: GradientIsolatedStack): number {
  const one = spec.family === 'depth' ? spec.variant.startsWith('gim-last') : spec.variant.startsWith('gim-module');
  const m = spec.family === 'depth' ? stack.length - 1 : Math.min(spec.module ?? 0, stack.length - 1);
  const which = one ? [stack.modules[m]!] : stack.modules;
  return which.flatMap((m) => m.parameters()).reduce((n, p) => n + p.size, 0);
}

/** runMemorySpec(spec): build, baseline, reset the peak, train `steps` steps, read the peak. */
export function runMemorySpec(spec: MemorySpec): MemoryResult {
  setNumThreads(spec.threads);
  warmUp(spec);
  manualSeed(spec.seed ?? 0);
  const built = buildModel(spec);
  const parameters = trainedParameters(spec, built.stack);
  const reset = resetPeak();
  const baseline = status().rssMB;
  const stepSeconds: number[] = [];
  for (let s = 0; s < spec.steps; s++) {
    const t0 = performance.now();
    built.step();
    stepSeconds.push((performance.now() - t0) / 1000);
  }
  const peak = status().hwmMB;
  built.stack.dispose();
  built.input.dispose();
  built.targets?.dispose();
  return {
    baselineMB: baseline,
    peakMB: peak,
    deltaMB: peak - baseline,
    stepSeconds,
    parameters,
    method: reset ? 'clear_refs' : 'VmHWM since start',
    // The caching allocator's peak (max_memory_allocated) would be the GPU figure; these models run on the CPU.
    ...(cudaAvailable() ? { cuda: 'CUDA visible, but the models run on the CPU: no allocator peak to report' } : {}),
  };
}

if (
  process.argv[1] !== undefined &&
  fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))
) {
  const spec = JSON.parse(process.argv[2] ?? '') as MemorySpec;
  const result = runMemorySpec(spec);
  if (process.send) process.send(result, () => process.disconnect());
  else console.log(JSON.stringify(result));
}
