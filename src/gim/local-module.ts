/**
 * LocalModule: any encoder (a Module with forward(x)) as a gradient-isolated module, trained by the local objective it
 * carries (objectives.ts). Stack several in a GradientIsolatedStack and each learns greedily from its own loss.
 */
import type { Module } from '../nn/index.js';
import { transpose, type Tensor } from '../tensor/index.js';
import { oneOf, positiveInteger } from '../util/check.js';
import { GimModule, type ModuleStep } from './module.js';
import { encodingForms, type EncodingForm, type LocalObjective, type LocalObjectiveName } from './objective.js';
import { localObjective, type LocalObjectiveArgs } from './objectives.js';

/** An encoder: a Module with a single-tensor forward. */
export interface Encoder extends Module {
  forward(x: Tensor): Tensor;
}

export interface LocalModuleArgs {
  encoder: Encoder;
  /** The loss head, or its name: 'infonce' | 'dim' | 'predsim' | 'clapp' | 'supervised' (built by localObjective). */
  objective: LocalObjective | LocalObjectiveName;
  /** With an objective's name: C, the channels of the encoder's output. */
  channels?: number;
  /** With an objective's name: localObjective's other arguments (predictionSteps, classes, dim, beta, …). */
  options?: Omit<LocalObjectiveArgs, 'form' | 'channels'>;
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
    const objective =
      typeof args.objective === 'string'
        ? localObjective(args.objective, {
            ...args.options,
            form: this.form,
            channels: positiveInteger('LocalModule', 'channels', args.channels),
          })
        : args.objective;
    this.objective = this.registerModule('loss', objective);
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
