/**
 * LocalModule: any encoder (a Module with forward(x)) as a gradient-isolated module, trained by the local objective it
 * carries (objectives.ts). Stack several in a GradientIsolatedStack and each learns greedily from its own loss.
 */
import type { Module } from '../nn/index.js';
import { transpose, type Tensor } from '../tensor/index.js';
import { oneOf } from '../util/check.js';
import { GimModule, type ModuleStep } from './module.js';
import { encodingForms, type EncodingForm, type LocalObjective } from './objective.js';

/** An encoder: a Module with a single-tensor forward. */
export interface Encoder extends Module {
  forward(x: Tensor): Tensor;
}

export interface LocalModuleArgs {
  encoder: Encoder;
  objective: LocalObjective;
  /**
   * 'grid': the encoder outputs a map [B, C, H, W] (e.g. Conv2d), read by the objective as is; 'sequence': it outputs
   * [B, C, T] (e.g. Conv1d), read as [B, T, C]. Default 'grid'.
   */
  form?: EncodingForm;
}

export class LocalModule extends GimModule {
  readonly encoder: Encoder;
  readonly objective: LocalObjective;
  readonly form: EncodingForm;

  constructor(args: LocalModuleArgs) {
    super();
    this.form = oneOf('LocalModule', 'form', args.form ?? 'grid', encodingForms);
    this.encoder = this.registerModule('encoder', args.encoder);
    this.objective = this.registerModule('loss', args.objective);
  }

  /** encode(x) → the encoder's output, handed to the next module: [B, C, H, W] or [B, C, T]. */
  encode(x: Tensor): Tensor {
    return this.encoder.forward(x);
  }

  /** featuresOf(z) → what the objective and the probes read: the map [B, C, H, W], or a sequence [B, T, C]. */
  override featuresOf(z: Tensor): Tensor {
    return this.form === 'grid' ? z : transpose(z, 1, 2);
  }

  step(x: Tensor, targets?: Tensor): ModuleStep {
    const z = this.encode(x);
    const r = this.objective.loss({ z: this.featuresOf(z), ...(targets === undefined ? {} : { targets }) });
    return { next: z, loss: r.loss, ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }) };
  }
}
