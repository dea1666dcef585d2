/**
 * The vision model cut into gradient-isolated modules. GIM (modelSplits = 3): one module per ResNet stage, each with
 * its own grid InfoNCE on its pooled patch encodings (c = z, no context network). CPC (modelSplits = 1): one module with
 * every stage, a PixelCNN context network c = pixelcnn(z) and one InfoNCE loss, trained end to end.
 *
 * features(x) is the pooled encoding [B, C, gh, gw] in both cases — also for CPC, whose linear probe in the reference
 * reads the encoder output h, not the PixelCNN's c (unlike GimModule's default note for context networks); use
 * context(pool(encode(x))) for c.
 */
import { InfoNCEHead, type ModuleStep } from '../../gim/index.js';
import type { Tensor } from '../../tensor/index.js';
import { PatchGridModule, moduleStages } from './grid-module.js';
import { PixelCNN } from './pixelcnn.js';
import type { VisionEncoderConfig } from './resnet.js';

export interface VisionModuleArgs {
  /** Add CPC's PixelCNN context network (default: only when the whole encoder is one module). */
  context?: boolean;
}

/** One InfoNCE-trained vision module: encoder blocks, optional PixelCNN, and its own head W_1..W_K. */
export class VisionModule extends PatchGridModule {
  readonly head: InfoNCEHead;
  readonly autoregressor: PixelCNN | null;

  constructor(config: VisionEncoderConfig, stages: readonly number[], args: VisionModuleArgs = {}) {
    super(config, stages);
    const C = this.outChannels;
    const useContext = args.context ?? stages.length === config.planes.length;
    this.autoregressor = useContext
      ? this.registerModule('autoregressor', new PixelCNN(C, config.contextChannels, config.contextLayers, C))
      : null;
    this.head = this.registerModule(
      'loss',
      new InfoNCEHead({
        form: 'grid',
        encodingSize: C,
        contextSize: C,
        predictionSteps: config.predictionSteps,
        negativeSamples: config.negativeSamples,
        skip: config.skip,
      }),
    );
  }

  /** context(pooled [B, C, gh, gw]) → c [B, C, gh, gw]: the PixelCNN's output, or pooled itself (c = z). */
  context(pooled: Tensor): Tensor {
    return this.autoregressor === null ? pooled : this.autoregressor.forward(pooled);
  }

  /** step(x): z = encode(x); loss = InfoNCE(pooled z, c); next = z unpooled (the stack detaches it). */
  step(x: Tensor): ModuleStep {
    const z = this.encode(x); // [B, gh, gw, C, h, w]
    const pooled = this.pool(z); // [B, C, gh, gw]
    const r = this.head.loss(pooled, this.context(pooled));
    return { next: z, loss: r.loss, accuracy: r.accuracy };
  }
}

/**
 * buildVisionModules(config): modelSplits = stages → one module per stage, no context network (GIM);
 * modelSplits = 1 → one module with every stage and the PixelCNN (CPC). Input of the first: images [B, C, H, W].
 */
export function buildVisionModules(config: VisionEncoderConfig): VisionModule[] {
  return moduleStages(config, 'buildVisionModules').map((stages) => new VisionModule(config, stages));
}
