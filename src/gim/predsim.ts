/**
 * Predsim (Nøkland, Eidnes, "Training neural networks with local error signals", ICML 2019): each module's loss mixes
 * a local classifier's prediction loss with a similarity-matching loss —
 *   L = (1 − β) · CE(W h̄ + w₀, y) + β · (1/B²) ‖S(h̄) − S(Y)‖²_F,  S(X)_ij = x̃_iᵀ x̃_j / (‖x̃_i‖ ‖x̃_j‖),  β = 0.99,
 * h̄ [B, C] the module's pooled encoding, Y [B, classes] the one-hot labels, x̃ a row minus its mean (the paper's
 * adjusted cosine similarity), the Frobenius norm averaged over the B² entries as in the authors' code. The paper's
 * convolutional models pass H through one more 3×3 convolution before S; here S reads the pooled encoding directly.
 */
import {
  add,
  crossEntropy,
  div,
  eye,
  indexSelect,
  matmul,
  mean,
  mul,
  pow,
  sqrt,
  sub,
  sum,
  transpose,
  type Tensor,
} from '../tensor/index.js';
import { numberIn } from '../util/check.js';
import { SupervisedObjective, labelAccuracy, type ClassifierArgs } from './classifier.js';
import {
  pooledEncoding,
  requireLabels,
  type LocalObjectiveName,
  type ObjectiveInputs,
  type ObjectiveResult,
} from './objective.js';

/** The paper's mix of the two losses. */
export const PREDSIM_BETA = 0.99;

/** Added to a row's norm, so that a constant row has similarity 0 to every row (as the authors' code). */
const NORM_EPS = 1e-8;

/** cosineSimilarityMatrix(x [B, D]) → [B, B]: the adjusted cosine similarity S(x) of the rows (each row centred). */
export function cosineSimilarityMatrix(x: Tensor): Tensor {
  const centred = sub(x, mean(x, 1, { keepDim: true })); // [B, D] x̃
  const norms = add(sqrt(sum(mul(centred, centred), 1, { keepDim: true })), NORM_EPS); // [B, 1]
  const unit = div(centred, norms); // [B, D]
  return matmul(unit, transpose(unit, 0, 1)); // [B, B]
}

/** similarityMatchingLoss(h [B, D], targets [B], classes) = mean_ij (S(h)_ij − S(onehot(y))_ij)². */
export function similarityMatchingLoss(h: Tensor, targets: Tensor, classes: number): Tensor {
  const oneHot = indexSelect(eye(classes, { dtype: h.dtype, device: h.device }), 0, targets); // [B, classes]
  return mean(pow(sub(cosineSimilarityMatrix(h), cosineSimilarityMatrix(oneHot)), 2)); // []
}

export interface PredsimArgs extends ClassifierArgs {
  /** β: the weight of the similarity-matching loss (0.99 in the paper). */
  beta?: number;
}

/** The Predsim head: the local classifier (a SupervisedObjective's) and the similarity-matching term on h̄. */
export class Predsim extends SupervisedObjective {
  override readonly objective: LocalObjectiveName = 'predsim';
  readonly beta: number;

  constructor(args: PredsimArgs) {
    super(args);
    this.beta = numberIn('Predsim', 'beta', args.beta ?? PREDSIM_BETA, 0, 1);
  }

  override loss(inputs: ObjectiveInputs): ObjectiveResult {
    const targets = requireLabels('Predsim', inputs.targets, inputs.z.shape[0]!);
    const pooled = pooledEncoding(inputs.z, this.args.form); // [B, C]
    const logits = this.classifier.forward(pooled); // [B, classes]
    const prediction = crossEntropy(logits, targets);
    const similarity = similarityMatchingLoss(pooled, targets, this.args.classes);
    const loss = add(mul(prediction, 1 - this.beta), mul(similarity, this.beta));
    return { loss, accuracy: labelAccuracy(logits, targets) };
  }
}
