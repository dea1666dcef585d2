/**
 * Supervised baselines: a classifier on the pooled patch grid, and modules trained by cross-entropy instead of InfoNCE.
 * modelSplits 1 gives the end-to-end supervised ResNet; one module per stage gives greedy supervised training (each
 * module its own classifier, gradients isolated by the stack), as the reference's Supervised_Loss.
 *
 * The labels of a batch reach the modules as step(x, targets) (the stack's trainStep and trainModuleOn pass them on);
 * step() checks that they are one label per image.
 */
import { Linear, Module } from '../../nn/index.js';
import type { ModuleStep } from '../../gim/index.js';
import {
  adaptiveAvgPool2d,
  argmax,
  crossEntropy,
  eq,
  flatten,
  mean,
  noGrad,
  to,
  type Tensor,
} from '../../tensor/index.js';
import { positiveInteger } from '../../util/check.js';
import { PatchGridModule, moduleStages } from './grid-module.js';
import type { VisionEncoderConfig } from './resnet.js';

/** What a supervised classifier reads of the patch grid. */
export interface ClassifierHeadArgs {
  /**
   * 1 (the paper, default): the grid averaged to one vector; s > 1: the grid average-pooled to s × s cells, flattened
   * (which keeps where in the image a patch was, as the probe of Table 1's cells column).
   */
  cells?: number;
}

/**
 * ClassifierHead(C, classes): x [B, C, gh, gw] → mean over the grid (or its s × s cells) → Linear(C·s², classes) →
 * logits [B, classes].
 */
export class ClassifierHead extends Module {
  readonly linear: Linear;
  readonly cells: number;

  constructor(channels: number, classes: number, args: ClassifierHeadArgs = {}) {
    super();
    positiveInteger('ClassifierHead', 'classes', classes);
    this.cells = positiveInteger('ClassifierHead', 'cells', args.cells ?? 1);
    this.linear = this.registerModule('linear', new Linear(channels * this.cells ** 2, classes));
  }

  forward(x: Tensor): Tensor {
    if (this.cells === 1) return this.linear.forward(mean(x, [2, 3])); // [B, classes]
    const pooled = adaptiveAvgPool2d(x, [this.cells, this.cells]); // [B, C, s, s]
    return this.linear.forward(flatten(pooled, 1)); // [B, C·s²] → [B, classes]
  }
}

/** Fraction of rows whose arg-max logit is the target. */
export function classificationAccuracy(logits: Tensor, targets: Tensor): number {
  return noGrad(() => mean(to(eq(argmax(logits, 1), targets), { dtype: 'float32' })).item());
}

/** A vision module trained by cross-entropy of its own classifier on its pooled encoding. */
export class SupervisedModule extends PatchGridModule {
  readonly classifier: ClassifierHead;

  constructor(config: VisionEncoderConfig, stages: readonly number[], classes: number, head: ClassifierHeadArgs = {}) {
    super(config, stages);
    positiveInteger('SupervisedModule', 'classes', classes);
    this.classifier = this.registerModule('classifier', new ClassifierHead(this.outChannels, classes, head));
  }

  /** step(x, targets): cross-entropy of the classifier against the batch's labels, targets [B] int64. */
  step(x: Tensor, targets?: Tensor): ModuleStep {
    if (targets === undefined)
      throw new Error(
        "SupervisedModule.step: no labels (pass the batch's labels as targets, e.g. trainStep's targets)",
      );
    if (targets.rank !== 1)
      throw new Error(`SupervisedModule.step: expected labels [B], got [${targets.shape.join(', ')}]`);
    const z = this.encode(x); // [B, gh, gw, C, h, w]
    if (targets.shape[0] !== z.shape[0]) {
      throw new Error(`SupervisedModule.step: ${targets.shape[0]} labels for a batch of ${z.shape[0]}`);
    }
    const logits = this.classifier.forward(this.pool(z)); // [B, classes]
    return { next: z, loss: crossEntropy(logits, targets), accuracy: classificationAccuracy(logits, targets) };
  }
}

/** The supervised (modelSplits 1) or greedy supervised (one module per stage) model. */
export function buildSupervisedVisionModules(
  config: VisionEncoderConfig,
  classes: number,
  head: ClassifierHeadArgs = {},
): SupervisedModule[] {
  positiveInteger('buildSupervisedVisionModules', 'classes', classes);
  return moduleStages(config, 'buildSupervisedVisionModules').map(
    (stages) => new SupervisedModule(config, stages, classes, head),
  );
}
