/**
 * Vision modules with a local objective other than the paper's two (src/gim: Deep InfoMax, Predsim, CLAPP, …): the
 * same encoder blocks on the patch grid, and the objective's head on the pooled patch encodings [B, C, gh, gw] — the
 * map the linear probes read. modelSplits 1: one module trained end to end; one module per stage: greedy, each module
 * gradient-isolated.
 */
import {
  localObjective,
  type LocalObjective,
  type LocalObjectiveArgs,
  type LocalObjectiveName,
  type ModuleStep,
} from '../../gim/index.js';
import type { Tensor } from '../../tensor/index.js';
import { PatchGridModule, moduleStages } from './grid-module.js';
import type { VisionEncoderConfig } from './resnet.js';

/** The objective's options beyond the encoder's size: classes for the supervised ones, DIM's and Predsim's own. */
export type VisionObjectiveArgs = Pick<LocalObjectiveArgs, 'classes' | 'dim' | 'beta'>;

/** A vision module trained by any local objective on its pooled patch grid. */
export class ObjectiveVisionModule extends PatchGridModule {
  readonly objective: LocalObjective;

  constructor(
    config: VisionEncoderConfig,
    stages: readonly number[],
    name: LocalObjectiveName,
    args: VisionObjectiveArgs = {},
  ) {
    super(config, stages);
    this.objective = this.registerModule(
      'loss',
      localObjective(name, {
        ...args,
        form: 'grid',
        channels: this.outChannels,
        predictionSteps: config.predictionSteps,
        negativeSamples: config.negativeSamples,
        skip: config.skip,
      }),
    );
  }

  /** step(x, targets): z = encode(x); loss = objective(pooled z); next = z unpooled (the stack detaches it). */
  step(x: Tensor, targets?: Tensor): ModuleStep {
    const z = this.encode(x); // [B, gh, gw, C, h, w]
    const r = this.objective.loss({ z: this.pool(z), ...(targets === undefined ? {} : { targets }) }); // on [B, C, gh, gw]
    return { next: z, loss: r.loss, ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }) };
  }
}

/** buildObjectiveVisionModules(config, name, args): one module per stage (modelSplits = stages) or one for all. */
export function buildObjectiveVisionModules(
  config: VisionEncoderConfig,
  name: LocalObjectiveName,
  args: VisionObjectiveArgs = {},
): ObjectiveVisionModule[] {
  return moduleStages(config, 'buildObjectiveVisionModules').map(
    (stages) => new ObjectiveVisionModule(config, stages, name, args),
  );
}
