/**
 * The vision encoder of Greedy InfoMax: a pre-activation bottleneck ResNet without batch norm (every conv has a bias),
 * stages [3, 4, 6] of planes [64, 128, 256] with expansion 4 (ResNet-50's first three stages), a 5×5 stem conv before
 * the first stage. It runs on patches folded into the batch ([B·gh·gw, C, h, w]).
 */
import { Conv2d, GroupNorm, Module, Sequential } from '../../nn/index.js';
import { add, relu, type Tensor } from '../../tensor/index.js';
import { everyEntry, listOfLength, nonNegativeInteger, positiveInteger } from '../../util/check.js';

export interface VisionEncoderConfig {
  /** Image channels (1: grayscale, as the published script). */
  inChannels: number;
  /** Output channels of the 5×5 stem conv (64). */
  stemChannels: number;
  /** Bottleneck width per stage (64, 128, 256); a stage outputs planes · expansion channels. */
  planes: number[];
  /** Blocks per stage (3, 4, 6). */
  blocks: number[];
  /** Stride of each stage's first block (1, 2, 2). */
  stageStrides: number[];
  /** Bottleneck expansion (4). */
  expansion: number;
  /** K of the grid InfoNCE (5). */
  predictionSteps: number;
  /** Negatives per positive (16). */
  negativeSamples: number;
  /** Extra rows skipped between context and target (1: row i predicts row i + k + 1). */
  skip: number;
  /** Patch side (16) and step (8). */
  patch: number;
  patchStride: number;
  /** 1: everything in one module (CPC / end-to-end supervised); planes.length: one module per stage (GIM). */
  modelSplits: number;
  /** CPC's PixelCNN context network: hidden channels (the reference uses the encoder output width, 1024) and layers (4). */
  contextChannels: number;
  contextLayers: number;
  /**
   * Groups of a GroupNorm before each ReLU of every block (0: none, as the paper's encoder — no batch norm). A
   * choice of the small presets, where the encoder trains for a few epochs rather than 300.
   */
  normGroups: number;
}

/** The paper's encoder (STL-10, grayscale 64×64 crops). */
export const paperVisionEncoder: VisionEncoderConfig = {
  inChannels: 1,
  stemChannels: 64,
  planes: [64, 128, 256],
  blocks: [3, 4, 6],
  stageStrides: [1, 2, 2],
  expansion: 4,
  predictionSteps: 5,
  negativeSamples: 16,
  skip: 1,
  patch: 16,
  patchStride: 8,
  modelSplits: 3,
  contextChannels: 1024,
  contextLayers: 4,
  normGroups: 0,
};

/**
 * The tiny encoder of tests, smoke runs and the small memory benchmark, on 32×32 images: 8×8 patches with step 4 → a
 * 7×7 grid, one block per stage, channels 16 / 32 / 32 (planes × expansion), a 16-wide, 2-layer PixelCNN; the rest
 * as the paper's.
 */
export const TINY_VISION_ENCODER: VisionEncoderConfig = {
  ...paperVisionEncoder,
  stemChannels: 8,
  planes: [4, 8, 8],
  blocks: [1, 1, 1],
  patch: 8,
  patchStride: 4,
  contextChannels: 16,
  contextLayers: 2,
};

/**
 * Pre-activation bottleneck without batch norm, as the reference's PreActBottleneckNoBN:
 *   a = relu(x); out = conv3(relu(conv2(relu(conv1(a))))) + shortcut,
 * conv1 1×1 in→planes, conv2 3×3 planes→planes (stride, padding 1), conv3 1×1 planes→expansion·planes.
 * shortcut = x when the shape is kept, else a strided 1×1 conv (with bias) applied to a = relu(x) — the pre-activated
 * input, as in pre-activation ResNets and the reference. The bias on the shortcut conv is what makes the paper's
 * per-module parameter counts (216,064 / 1,216,000 / 7,088,128) come out exactly.
 * With normGroups > 0 a GroupNorm precedes each ReLU — relu(norm1(x)), relu(norm2(conv1(a))), relu(norm3(conv2(…))) —
 * where a pre-activation ResNet puts its batch norms.
 */
export class PreActBottleneck extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;
  readonly shortcut: Conv2d | null;
  /** With normGroups > 0: the GroupNorm before each of the three ReLUs (norm1 on the input, norm2, norm3). */
  readonly norms: [GroupNorm, GroupNorm, GroupNorm] | null;
  readonly outChannels: number;

  constructor(inChannels: number, planes: number, stride: number, expansion: number, normGroups = 0) {
    super();
    this.outChannels = planes * expansion;
    this.norms =
      normGroups > 0
        ? [
            this.registerModule('norm1', new GroupNorm(normGroups, inChannels)),
            this.registerModule('norm2', new GroupNorm(normGroups, planes)),
            this.registerModule('norm3', new GroupNorm(normGroups, planes)),
          ]
        : null;
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, planes, 1));
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { stride, padding: 1 }));
    this.conv3 = this.registerModule('conv3', new Conv2d(planes, this.outChannels, 1));
    this.shortcut =
      stride !== 1 || inChannels !== this.outChannels
        ? this.registerModule('shortcut', new Conv2d(inChannels, this.outChannels, 1, { stride }))
        : null;
  }

  /** forward(x [N, in, H, W]) → [N, planes·expansion, ⌈H/stride⌉, ⌈W/stride⌉]. */
  forward(x: Tensor): Tensor {
    const a = this.activate(x, 0);
    const short = this.shortcut === null ? x : this.shortcut.forward(a);
    const h = this.conv3.forward(this.activate(this.conv2.forward(this.activate(this.conv1.forward(a), 1)), 2));
    return add(h, short);
  }

  /** relu(x), after the i-th GroupNorm when the block has them. */
  private activate(x: Tensor, i: number): Tensor {
    return relu(this.norms === null ? x : this.norms[i]!.forward(x));
  }
}

/** Input and output channels of stage s. */
export function stageChannels(
  config: Pick<VisionEncoderConfig, 'stemChannels' | 'planes' | 'expansion'>,
  s: number,
): { in: number; out: number } {
  const inC = s === 0 ? config.stemChannels : config.planes[s - 1]! * config.expansion;
  return { in: inC, out: config.planes[s]! * config.expansion };
}

/** Output side of a stage run on a side-`size` input: a 3×3/1×1 conv with padding 1/0 and stride s gives ⌈size/s⌉. */
export function stageOutputSize(config: VisionEncoderConfig, stages: readonly number[], size: number): number {
  return stages.reduce((n, s) => Math.floor((n - 1) / config.stageStrides[s]!) + 1, size);
}

/**
 * normGroupsProblem(config): why normGroups does not divide every width a GroupNorm of the encoder would normalise (the
 * stem, each stage's planes and planes × expansion), or null when it does (or is 0).
 */
export function normGroupsProblem(
  config: Pick<VisionEncoderConfig, 'normGroups' | 'stemChannels' | 'planes' | 'expansion'>,
): string | null {
  if (config.normGroups <= 0) return null;
  const widths = config.planes.flatMap((planes, s) => {
    const { in: inC, out } = stageChannels(config, s);
    return [inC, planes, out];
  });
  const odd = widths.find((c) => c % config.normGroups !== 0);
  if (odd === undefined) return null;
  return (
    `normGroups (${config.normGroups}) must divide every normalised width (stem, planes and planes × expansion: ` +
    `${[...new Set(widths)].join(', ')}); ${odd} is not a multiple`
  );
}

/**
 * checkConfig(config, fn): every size, count and step a positive integer (skip ≥ 0); planes, blocks and stageStrides
 * one entry per stage; modelSplits 1 or one module per stage. `fn` names the caller in messages.
 */
export function checkConfig(config: VisionEncoderConfig, fn = 'vision encoder'): void {
  for (const field of [
    'inChannels',
    'stemChannels',
    'expansion',
    'predictionSteps',
    'negativeSamples',
    'patch',
    'patchStride',
    'contextChannels',
    'contextLayers',
  ] as const) {
    positiveInteger(fn, field, config[field]);
  }
  nonNegativeInteger(fn, 'skip', config.skip);
  nonNegativeInteger(fn, 'normGroups', config.normGroups);
  if (!Array.isArray(config.planes) || config.planes.length === 0) {
    throw new RangeError(`${fn}: planes must be a non-empty list (the bottleneck width of each stage)`);
  }
  const S = config.planes.length;
  everyEntry(fn, 'planes', config.planes, positiveInteger);
  everyEntry(fn, 'blocks', listOfLength(fn, 'blocks', config.blocks, S, 'stage, as planes'), positiveInteger);
  everyEntry(
    fn,
    'stageStrides',
    listOfLength(fn, 'stageStrides', config.stageStrides, S, 'stage, as planes'),
    positiveInteger,
  );
  const normProblem = normGroupsProblem(config);
  if (normProblem !== null) throw new RangeError(`${fn}: ${normProblem}`);
  if (config.modelSplits !== 1 && config.modelSplits !== S) {
    throw new RangeError(
      `${fn}: modelSplits must be 1 or ${S} (one module per stage), got ${String(config.modelSplits)}`,
    );
  }
}

/**
 * EncoderPart: the stem (when `stem`) and the blocks of the given consecutive stages — the encoder of one module.
 * State-dict names: stem.weight, layer{s}.{i}.conv1.weight, …
 */
export class EncoderPart extends Module {
  readonly stem: Conv2d | null;
  readonly stages: Sequential[];
  readonly inChannels: number;
  readonly outChannels: number;

  constructor(
    readonly config: VisionEncoderConfig,
    readonly stageIndices: readonly number[],
    stem: boolean,
  ) {
    super();
    const first = stageIndices[0];
    if (first === undefined) throw new Error('EncoderPart: needs at least one stage');
    this.stem = stem
      ? this.registerModule('stem', new Conv2d(config.inChannels, config.stemChannels, 5, { padding: 2 }))
      : null;
    this.inChannels = stem ? config.inChannels : stageChannels(config, first).in;
    this.stages = stageIndices.map((s) => {
      let inC = stageChannels(config, s).in;
      const blocks = Array.from({ length: config.blocks[s]! }, (_, i) => {
        const stride = i === 0 ? config.stageStrides[s]! : 1;
        const b = new PreActBottleneck(inC, config.planes[s]!, stride, config.expansion, config.normGroups);
        inC = b.outChannels;
        return b;
      });
      return this.registerModule(`layer${s}`, new Sequential(...blocks));
    });
    this.outChannels = stageChannels(config, stageIndices[stageIndices.length - 1]!).out;
  }

  /** forward(x [N, in, h, w]) → [N, out, h', w']. */
  forward(x: Tensor): Tensor {
    const h = this.stem === null ? x : this.stem.forward(x);
    return this.stages.reduce((acc, stage) => stage.forward(acc), h);
  }
}
