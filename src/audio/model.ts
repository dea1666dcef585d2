/**
 * The audio model of the paper (CPC's encoder): g_enc = 5 strided Conv1d + ReLU (hop 160 samples), g_ar = a 1-layer
 * GRU. `modelSplits` cuts it into gradient-isolated modules: 6 = every conv layer and the GRU on its own (GIM),
 * 5 = conv 1–4 alone and conv 5 + GRU together, 1 = everything end to end under one loss (CPC).
 */
import { Conv1d, GRU, GRUCell, Linear } from '../nn/index.js';
import { CLAPPHead, GimModule, InfoNCEHead, type ModuleStep, type PredictiveHead } from '../gim/index.js';
import {
  adaptiveAvgPool1d,
  argmax,
  crossEntropy,
  eq,
  mean,
  narrow,
  ne,
  noGrad,
  relu,
  reshape,
  squeeze,
  stack,
  sum,
  to,
  transpose,
  zeros,
  type Tensor,
} from '../tensor/index.js';
import { everyEntry, listOfLength, nonNegativeInteger, oneOf, positiveInteger } from '../util/check.js';

export interface AudioEncoderConfig {
  /** Channels of every conv layer (512 in the paper). */
  channels: number;
  kernels: number[];
  strides: number[];
  paddings: number[];
  /** GRU hidden size (256 in the paper). */
  hidden: number;
  /** How the layers are cut into modules: 6 (GIM), 5, or 1 (CPC end to end); 3 and 2 also work. */
  modelSplits: number;
  /** K: prediction steps (12). */
  predictionSteps: number;
  /** N: negatives per positive (10). */
  negativeSamples: number;
  /** Positions that predict lie in a random window of this many steps (128), or null for all. */
  window: number | null;
  /** Ablation "without BPTT": the GRU runs as a cell loop whose hidden state is detached at every step. */
  noBPTT: boolean;
}

/**
 * What each module learns from: its own InfoNCE (GIM, CPC), or labels through a linear classifier on its features
 * (the supervised baselines: end to end with modelSplits 1, greedy supervised with one head per module).
 */
export type AudioObjective =
  { kind: 'infonce' } | { kind: 'clapp' } | { kind: 'speaker'; classes: number } | { kind: 'phone'; classes: number };

/** Whether the objective is self-supervised (InfoNCE, or CLAPP's hinge form of it: src/gim/clapp.ts). */
export const isPredictive = (o: AudioObjective): o is { kind: 'infonce' } | { kind: 'clapp' } =>
  o.kind === 'infonce' || o.kind === 'clapp';

export const paperAudioEncoder: AudioEncoderConfig = {
  channels: 512,
  kernels: [10, 8, 4, 4, 4],
  strides: [5, 4, 2, 2, 2],
  paddings: [2, 2, 2, 2, 1],
  hidden: 256,
  modelSplits: 6,
  predictionSteps: 12,
  negativeSamples: 10,
  window: 128,
  noBPTT: false,
};

/** The tiny encoder of tests, smoke runs and the small memory benchmark: 16 channels, GRU 8, K 4, N 4, no subsampling. */
export const TINY_AUDIO_ENCODER: AudioEncoderConfig = {
  ...paperAudioEncoder,
  channels: 16,
  hidden: 8,
  predictionSteps: 4,
  negativeSamples: 4,
  window: null,
};

/**
 * checkAudioConfig(fn, config): channels, hidden, K and N positive integers; kernels, strides and paddings one entry
 * per conv layer (kernels and strides ≥ 1, paddings ≥ 0); window null or ≥ 1; noBPTT a boolean.
 */
export function checkAudioConfig(fn: string, config: AudioEncoderConfig): void {
  positiveInteger(fn, 'channels', config.channels);
  positiveInteger(fn, 'hidden', config.hidden);
  positiveInteger(fn, 'predictionSteps', config.predictionSteps);
  positiveInteger(fn, 'negativeSamples', config.negativeSamples);
  if (config.window !== null) positiveInteger(fn, 'window', config.window);
  if (typeof config.noBPTT !== 'boolean') {
    throw new TypeError(`${fn}: noBPTT must be a boolean, got ${String(config.noBPTT)}`);
  }
  if (!Array.isArray(config.kernels) || config.kernels.length === 0) {
    throw new RangeError(`${fn}: kernels must be a non-empty list (one kernel size per conv layer)`);
  }
  const layers = config.kernels.length;
  everyEntry(fn, 'kernels', config.kernels, positiveInteger);
  everyEntry(
    fn,
    'strides',
    listOfLength(fn, 'strides', config.strides, layers, 'conv layer, as kernels'),
    positiveInteger,
  );
  everyEntry(
    fn,
    'paddings',
    listOfLength(fn, 'paddings', config.paddings, layers, 'conv layer, as kernels'),
    nonNegativeInteger,
  );
}

/** checkObjective(fn, objective): a known kind; the supervised ones with a positive number of classes. */
function checkObjective(fn: string, objective: AudioObjective): void {
  oneOf(fn, 'objective.kind', objective.kind, ['infonce', 'clapp', 'speaker', 'phone'] as const);
  if (!isPredictive(objective)) positiveInteger(fn, 'objective.classes', objective.classes);
}

/** Which layers each module holds: conv layer indices, and whether it ends with the GRU. */
export function moduleLayout(config: AudioEncoderConfig): { convs: number[]; gru: boolean }[] {
  checkAudioConfig('moduleLayout', config);
  const L = config.kernels.length;
  const all = Array.from({ length: L }, (_, i) => i);
  switch (config.modelSplits) {
    case 1:
      return [{ convs: all, gru: true }];
    case L + 1:
      return [...all.map((i) => ({ convs: [i], gru: false })), { convs: [], gru: true }];
    case L:
      return [...all.slice(0, L - 1).map((i) => ({ convs: [i], gru: false })), { convs: [L - 1], gru: true }];
    default:
      throw new Error(`audio model: modelSplits must be 1, ${L} or ${L + 1}, got ${config.modelSplits}`);
  }
}

/**
 * Names of the modules, for progress lines and figures: 'cpc' for one module, else each module's layers (conv1 …
 * conv5, gru; conv5+gru when the GRU shares the last conv's module), as moduleLayout cuts them.
 */
export function audioModuleNames(config: AudioEncoderConfig): string[] {
  const layout = moduleLayout(config);
  if (layout.length === 1) return ['cpc'];
  return layout.map(({ convs, gru }) => [...convs.map((l) => `conv${l + 1}`), ...(gru ? ['gru'] : [])].join('+'));
}

/** One gradient-isolated audio module: some conv layers, maybe the GRU, and its own InfoNCE (or CLAPP) head. */
export class AudioModule extends GimModule {
  readonly convs: Conv1d[];
  readonly gru: GRU | null;
  readonly cell: GRUCell | null;
  readonly head: PredictiveHead | null;
  readonly classifier: Linear | null;
  readonly outputSize: number;

  constructor(
    readonly config: AudioEncoderConfig,
    readonly layers: { convs: number[]; gru: boolean },
    inChannels: number,
    readonly objective: AudioObjective = { kind: 'infonce' },
  ) {
    super();
    checkAudioConfig('AudioModule', config);
    checkObjective('AudioModule', objective);
    positiveInteger('AudioModule', 'inChannels', inChannels);
    const C = config.channels;
    this.convs = layers.convs.map((l, j) =>
      this.registerModule(
        `conv${l + 1}`,
        new Conv1d(j === 0 ? inChannels : C, C, config.kernels[l]!, {
          stride: config.strides[l]!,
          padding: config.paddings[l]!,
        }),
      ),
    );
    const zSize = layers.convs.length > 0 ? C : inChannels;
    this.gru =
      layers.gru && !config.noBPTT
        ? this.registerModule('gru', new GRU(zSize, config.hidden, { batchFirst: true }))
        : null;
    this.cell = layers.gru && config.noBPTT ? this.registerModule('gru', new GRUCell(zSize, config.hidden)) : null;
    this.outputSize = layers.gru ? config.hidden : zSize;
    this.classifier = isPredictive(objective)
      ? null
      : this.registerModule('classifier', new Linear(this.outputSize, objective.classes));
    const head = {
      encodingSize: zSize,
      contextSize: this.outputSize,
      predictionSteps: config.predictionSteps,
      negativeSamples: config.negativeSamples,
      window: config.window,
      form: 'sequence' as const,
    };
    this.head =
      objective.kind === 'infonce'
        ? this.registerModule('loss', new InfoNCEHead(head))
        : objective.kind === 'clapp'
          ? this.registerModule('loss', new CLAPPHead(head))
          : null;
  }

  /** encode(x [B, Cin, T]) → z [B, C, T'] after this module's conv layers (x itself if it has none). */
  encode(x: Tensor): Tensor {
    return this.convs.reduce((h, conv) => relu(conv.forward(h)), x); // [B, C, T']
  }

  /** context(z [B, C, T]) → c [B, T, H] from the GRU, or zᵀ [B, T, C] when the module has none. */
  context(z: Tensor): Tensor {
    const zt = transpose(z, 1, 2); // [B, T, C]
    if (this.gru !== null) return this.gru.forward(zt)[0]; // [B, T, H]
    if (this.cell !== null) return this.#cellLoop(zt); // [B, T, H]
    return zt;
  }

  /** The GRU without backpropagation through time: h_t = cell(z_t, detach(h_{t−1})). */
  #cellLoop(zt: Tensor): Tensor {
    const [B, T] = zt.shape as [number, number];
    let h = zeros([B, this.config.hidden], { dtype: zt.dtype, device: zt.device }); // [B, H]
    const hs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = squeeze(narrow(zt, 1, t, 1), 1); // [B, C]
      h = this.cell!.forward(xt, h.detach()); // [B, H]
      hs.push(h);
    }
    return stack(hs, 1); // [B, T, H]
  }

  /** The loss's inputs: targets zᵀ [B, T, C] and contexts c [B, T, D] — the very same tensor as zᵀ without g_ar. */
  lossInputs(z: Tensor): { zt: Tensor; c: Tensor } {
    const zt = transpose(z, 1, 2); // [B, T, C]
    return { zt, c: this.gru === null && this.cell === null ? zt : this.context(z) }; // c: [B, T, D]
  }

  step(x: Tensor, targets?: Tensor): ModuleStep {
    const z = this.encode(x); // [B, C, T]
    const { zt, c } = this.lossInputs(z); // [B, T, C], [B, T, D]
    if (this.head !== null) {
      const r = this.head.loss(zt, c);
      return { next: z, loss: r.loss, accuracy: r.accuracy };
    }
    if (targets === undefined) throw new Error(`audio module: the ${this.objective.kind} objective needs labels`);
    const D = c.shape[2]!;
    const speaker = this.objective.kind === 'speaker';
    // Frame labels come every 160 samples; a lower module's faster frames are averaged down to that rate.
    const L = targets.shape[1] ?? 0;
    const frames = !speaker && c.shape[1]! > L ? transpose(adaptiveAvgPool1d(transpose(c, 1, 2), L), 1, 2) : c; // [B, L, D]
    const logits = this.classifier!.forward(speaker ? mean(c, 1) : reshape(frames, [-1, D])); // [B, n] | [B·L, n]
    const y = reshape(targets, [-1]); // [B] | [B·T]
    const loss = crossEntropy(logits, y, { ignoreIndex: -1 });
    const accuracy = noGrad(() => {
      const hits = sum(to(eq(argmax(logits, 1), y), { dtype: 'float32' })).item();
      return hits / Math.max(1, sum(to(ne(y, -1), { dtype: 'float32' })).item());
    });
    return { next: z, loss, accuracy };
  }

  /** featuresOf(z) → [B, T, D]: c for modules with the GRU, else z in time-major layout. */
  override featuresOf(z: Tensor): Tensor {
    return this.context(z);
  }
}

/** The audio model cut into gradient-isolated modules (input: raw audio [B, 1, samples]). */
export function buildAudioModules(
  config: AudioEncoderConfig,
  objective: AudioObjective = { kind: 'infonce' },
): AudioModule[] {
  checkAudioConfig('buildAudioModules', config);
  checkObjective('buildAudioModules', objective);
  let inChannels = 1;
  return moduleLayout(config).map((layers) => {
    const m = new AudioModule(config, layers, inChannels, objective);
    if (layers.convs.length > 0) inChannels = config.channels;
    return m;
  });
}

/** Frames produced from `samples` input samples: each conv maps T to ⌊(T + 2p − k)/s⌋ + 1. */
export function framesFor(samples: number, config: AudioEncoderConfig): number {
  nonNegativeInteger('framesFor', 'samples', samples);
  checkAudioConfig('framesFor', config);
  return config.kernels.reduce(
    (t, k, i) => Math.floor((t + 2 * config.paddings[i]! - k) / config.strides[i]!) + 1,
    samples,
  );
}
