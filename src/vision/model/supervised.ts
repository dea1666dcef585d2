/**
 * Supervised baselines: a classifier on the pooled patch grid, and modules trained by cross-entropy instead of InfoNCE.
 * modelSplits 1 gives the end-to-end supervised ResNet; one module per stage gives greedy supervised training (each
 * module its own classifier, gradients isolated by the stack), as the reference's Supervised_Loss.
 *
 * The labels of a batch reach step(x, targets) as its second argument (the stack passes the batch's targets); labels
 * handed over beforehand with setTargets(labels) (or setSupervisedTargets(modules, labels) for a whole stack) are used
 * when step is called without them. Either way the module uses the caller's tensor, not a copy: the caller owns the
 * labels and keeps them alive through the step. step() checks that their count matches the batch.
 */
import { Linear, Module } from '../../nn/index.js';
import { GimModule, type ModuleStep } from '../../gim/index.js';
import { argmax, crossEntropy, eq, mean, noGrad, to, type Tensor } from '../../tensor/index.js';
import { positiveInteger } from '../../util/check.js';
import { PatchGridModule, moduleStages } from './grid-module.js';
import type { VisionEncoderConfig } from './resnet.js';

/** ClassifierHead(C, classes): x [B, C, gh, gw] → mean over the grid → Linear(C, classes) → logits [B, classes]. */
export class ClassifierHead extends Module {
  readonly linear: Linear;

  constructor(channels: number, classes: number) {
    super();
    positiveInteger('ClassifierHead', 'classes', classes);
    this.linear = this.registerModule('linear', new Linear(channels, classes));
  }

  forward(x: Tensor): Tensor {
    return this.linear.forward(mean(x, [2, 3])); // [B, classes]
  }
}

/** Fraction of rows whose arg-max logit is the target. */
export function classificationAccuracy(logits: Tensor, targets: Tensor): number {
  return noGrad(() => mean(to(eq(argmax(logits, 1), targets), { dtype: 'float32' })).item());
}

/** A vision module trained by cross-entropy of its own classifier on its pooled encoding. */
export class SupervisedModule extends PatchGridModule {
  readonly classifier: ClassifierHead;
  #targets: Tensor | null = null;

  constructor(config: VisionEncoderConfig, stages: readonly number[], classes: number) {
    super(config, stages);
    positiveInteger('SupervisedModule', 'classes', classes);
    this.classifier = this.registerModule('classifier', new ClassifierHead(this.outChannels, classes));
  }

  /** setTargets(labels [B] int64): the labels of the next step(s); returns this. */
  setTargets(labels: Tensor | null): this {
    if (labels !== null && labels.rank !== 1)
      throw new Error(`setTargets: expected labels [B], got [${labels.shape.join(', ')}]`);
    this.#targets = labels;
    return this;
  }

  get targets(): Tensor | null {
    return this.#targets;
  }

  /** step(x, targets): the labels passed by the stack, else those handed over with setTargets. */
  step(x: Tensor, given?: Tensor): ModuleStep {
    const targets = given ?? this.#targets;
    if (targets === null)
      throw new Error('SupervisedModule.step: no labels (pass targets, or call setTargets(labels) first)');
    const z = this.encode(x); // [B, gh, gw, C, h, w]
    if (targets.shape[0] !== z.shape[0]) {
      throw new Error(`SupervisedModule.step: ${targets.shape[0]} labels for a batch of ${z.shape[0]}`);
    }
    const logits = this.classifier.forward(this.pool(z)); // [B, classes]
    return { next: z, loss: crossEntropy(logits, targets), accuracy: classificationAccuracy(logits, targets) };
  }
}

/** The supervised (modelSplits 1) or greedy supervised (one module per stage) model. */
export function buildSupervisedVisionModules(config: VisionEncoderConfig, classes: number): SupervisedModule[] {
  positiveInteger('buildSupervisedVisionModules', 'classes', classes);
  return moduleStages(config, 'buildSupervisedVisionModules').map(
    (stages) => new SupervisedModule(config, stages, classes),
  );
}

/** setSupervisedTargets(modules, labels): hand the batch's labels to every SupervisedModule of a stack. */
export function setSupervisedTargets(modules: readonly GimModule[], labels: Tensor | null): void {
  for (const m of modules) if (m instanceof SupervisedModule) m.setTargets(labels);
}
