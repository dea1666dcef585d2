/**
 * PatchGridModule: the common body of every vision module — a part of the ResNet run on patches folded into the batch.
 *
 * The patch grid travels between modules in the tensor's own shape, as [B, gh, gw, C, h, w] (a free view of the patch
 * batch [B·gh·gw, C, h, w]), so a module needs no per-batch state to lay its pooled patch vectors back on the grid, and
 * GradientIsolatedStack can pass it on (and detach it) like any tensor. The first module (the one with the stem) also
 * accepts images [B, C, H, W] and cuts them into patches itself, as the reference's first ResNet_Encoder does.
 */
import { GimModule } from '../../gim/index.js';
import { adaptiveAvgPool2d, reshape, type Tensor } from '../../tensor/index.js';
import { fromPatchVectors, toPatchGridView } from './patches.js';
import { EncoderPart, checkConfig, type VisionEncoderConfig } from './resnet.js';

export abstract class PatchGridModule extends GimModule {
  readonly encoder: EncoderPart;
  /** Whether this module holds the stem, and so accepts images and cuts them into patches. */
  readonly patchify: boolean;
  /** Channels of the encoding this module hands on (and pools for its loss and probes). */
  readonly outChannels: number;

  constructor(
    readonly config: VisionEncoderConfig,
    readonly stages: readonly number[],
  ) {
    super();
    checkConfig(config, new.target.name);
    this.patchify = stages[0] === 0;
    this.encoder = this.registerModule('encoder', new EncoderPart(config, stages, this.patchify));
    this.outChannels = this.encoder.outChannels;
  }

  /** toGrid(x): images [B, C, H, W] (first module only) → patch grid [B, gh, gw, C, p, p]; a 6-D grid passes through. */
  toGrid(x: Tensor): Tensor {
    if (x.rank === 6) return x;
    if (x.rank === 4 && this.patchify) return toPatchGridView(x, this.config.patch, this.config.patchStride);
    const want = this.patchify ? 'images [B, C, H, W] or a patch grid' : 'a patch grid';
    throw new Error(`${this.constructor.name}: expected ${want} [B, gh, gw, C, h, w], got [${x.shape.join(', ')}]`);
  }

  /** encode(x) → z [B, gh, gw, C', h', w']: this module's blocks run on every patch. */
  encode(x: Tensor): Tensor {
    const grid = this.toGrid(x);
    const [B, gh, gw, C, h, w] = grid.shape as [number, number, number, number, number, number];
    if (C !== this.encoder.inChannels) {
      throw new Error(`${this.constructor.name}: input has ${C} channels, expected ${this.encoder.inChannels}`);
    }
    const z = this.encoder.forward(reshape(grid, [B * gh * gw, C, h, w])); // [B·gh·gw, C', h', w']
    return reshape(z, [B, gh, gw, ...z.shape.slice(1)]);
  }

  /** pool(z [B, gh, gw, C, h, w]) → [B, C, gh, gw]: each patch's map averaged to one vector, laid on the grid. */
  pool(z: Tensor): Tensor {
    const [B, gh, gw, C, h, w] = z.shape as [number, number, number, number, number, number];
    const pooled = adaptiveAvgPool2d(reshape(z, [B * gh * gw, C, h, w]), [1, 1]); // [B·gh·gw, C, 1, 1]
    return fromPatchVectors(reshape(pooled, [B * gh * gw, C]), B, gh, gw); // [B, C, gh, gw]
  }

  /** featuresOf(z) → [B, C, gh, gw]: the pooled encoding, what the linear probe reads (the reference's h). */
  override featuresOf(z: Tensor): Tensor {
    return this.pool(z);
  }
}

/** Which stages each module holds: one module per stage (GIM, modelSplits = stages) or all in one (modelSplits 1). */
export function moduleStages(config: VisionEncoderConfig, fn = 'moduleStages'): number[][] {
  checkConfig(config, fn);
  const all = config.planes.map((_, s) => s);
  return config.modelSplits === 1 ? [all] : all.map((s) => [s]);
}
