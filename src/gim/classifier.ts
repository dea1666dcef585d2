/**
 * The supervised local objective: a linear classifier on the module's pooled encoding, trained by cross-entropy —
 *   L = −mean_b log softmax(W h̄_b + w₀)_{y_b},  h̄ the encoding averaged over its grid or sequence.
 * End to end (one module) it is the supervised baseline of the paper's Table 1; one per module, greedy supervised
 * training (Löwe et al. 2019; Bengio et al. 2007, "Greedy layer-wise training of deep networks"), and Predsim's
 * prediction loss (predsim.ts).
 */
import { Linear } from '../nn/index.js';
import { argmax, crossEntropy, eq, mean, noGrad, to, type Tensor } from '../tensor/index.js';
import { positiveInteger } from '../util/check.js';
import {
  LocalObjective,
  pooledEncoding,
  requireLabels,
  type EncodingForm,
  type LocalObjectiveName,
  type ObjectiveInputs,
  type ObjectiveResult,
} from './objective.js';

export interface ClassifierArgs {
  /** C: channels of the encoding. */
  channels: number;
  classes: number;
  form: EncodingForm;
}

/** Fraction of rows whose arg-max logit is the label. */
export function labelAccuracy(logits: Tensor, targets: Tensor): number {
  return noGrad(() => mean(to(eq(argmax(logits, 1), targets), { dtype: 'float32' })).item());
}

/** A linear classifier head: pooled encoding [B, C] → logits [B, classes], cross-entropy against the labels. */
export class SupervisedObjective extends LocalObjective {
  readonly objective: LocalObjectiveName = 'supervised';
  readonly classifier: Linear;

  constructor(readonly args: ClassifierArgs) {
    super();
    positiveInteger('SupervisedObjective', 'channels', args.channels);
    positiveInteger('SupervisedObjective', 'classes', args.classes);
    this.classifier = this.registerModule('classifier', new Linear(args.channels, args.classes));
  }

  /** logits(z) → [B, classes] on the pooled encoding. */
  logits(z: Tensor): Tensor {
    return this.classifier.forward(pooledEncoding(z, this.args.form)); // [B, classes]
  }

  loss(inputs: ObjectiveInputs): ObjectiveResult {
    const targets = requireLabels('SupervisedObjective', inputs.targets, inputs.z.shape[0]!);
    const logits = this.logits(inputs.z); // [B, classes]
    return { loss: crossEntropy(logits, targets), accuracy: labelAccuracy(logits, targets) };
  }
}
